// The administration area is a separate chunk, fetched the first time a
// district administrator opens it, so the scoring screens stay light.
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

type Admin = ComponentType<{ path: string[] }>;

export function AdminArea({ path }: { path: string[] }) {
  const [C, setC] = useState<Admin | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    import('../admin/Admin').then(
      (m) => setC(() => m.default),
      (e: unknown) => setError(`Could not load the administration screens: ${e instanceof Error ? e.message : String(e)}`),
    );
  }, []);
  if (error) {
    return (
      <main class="screen">
        <h1>Administration</h1>
        <p class="error" role="alert">
          {error}
        </p>
      </main>
    );
  }
  if (C === null) {
    return (
      <main class="screen" aria-busy="true">
        <p>Loading administration…</p>
      </main>
    );
  }
  return <C path={path} />;
}
