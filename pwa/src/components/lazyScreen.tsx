// Screens whose code is a separate chunk, fetched the first time they open
// (the dashboard, the administration area, cycles of support), so the
// scoring screens do not carry it. The router keeps the screen before in
// place while the chunk loads (src/app.tsx says "Opening…"). The service
// worker precaches every chunk, so once the app is installed they open
// offline too; before that, opening one offline fails and says so here.
import type { ComponentType } from 'preact';
import { lazy } from 'preact-iso';

/** A screen loaded on first use; title heads the page that says the code could not be loaded. */
export function lazyScreen<P>(title: string, what: string, load: () => Promise<ComponentType<P>>): ComponentType<P> {
  return lazy(() =>
    load().catch((err: unknown): ComponentType<P> => {
      const message = err instanceof Error ? err.message : String(err);
      return () => <Unavailable title={title} what={what} message={message} />;
    }),
  );
}

function Unavailable({ title, what, message }: { title: string; what: string; message: string }) {
  const offline = typeof navigator !== 'undefined' && !navigator.onLine;
  return (
    <main class="screen">
      <h1>{title}</h1>
      <p class={offline ? 'notice' : 'error'} role={offline ? 'status' : 'alert'} data-testid="unavailable">
        {offline ? 'offline: this screen needs the network the first time it opens on this device. Scoring keeps working.' : `Could not load ${what}: ${message}`}{' '}
        {/* A failed chunk stays failed for this page: loading the page again fetches it afresh. */}
        <button type="button" onClick={() => location.reload()}>
          Try again
        </button>
      </p>
    </main>
  );
}
