// The dashboard's route: its code (charts, heat map, drill-down) is a
// separate chunk fetched the first time the route opens, so the scoring
// screens do not carry it.
import type { FunctionComponent } from 'preact';
import { useEffect, useState } from 'preact/hooks';

type Screen = FunctionComponent<{ url: URL }>;

export function DashboardRoute({ url }: { url: URL }) {
  const [screen, setScreen] = useState<{ C: Screen } | { error: string } | undefined>(undefined);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    import('./Dashboard').then(
      (m) => live && setScreen({ C: m.default }),
      () => live && setScreen({ error: 'offline: the dashboard needs the network (its screens are not on this device yet).' }),
    );
    return () => {
      live = false;
    };
  }, [attempt]);
  if (screen === undefined) {
    return (
      <main class="screen" aria-busy="true">
        <p>Opening the dashboard…</p>
      </main>
    );
  }
  if ('error' in screen) {
    return (
      <main class="screen">
        <h1>Trends</h1>
        <p class="notice" role="status">
          {screen.error}{' '}
          <button type="button" onClick={() => setAttempt((n) => n + 1)}>
            Try again
          </button>
        </p>
      </main>
    );
  }
  return <screen.C url={url} />;
}
