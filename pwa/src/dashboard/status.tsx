// The loading, empty, error and offline states the dashboard's parts share.
import type { ComponentChildren } from 'preact';
import type { Loaded } from './api';

export function Shell({ children }: { children: ComponentChildren }) {
  return (
    <main class="screen dashboard">
      <h1>Trends</h1>
      {children}
    </main>
  );
}

export function OfflineNote() {
  return (
    <p class="notice" role="status" data-testid="offline">
      offline: the dashboard needs the network. Scoring keeps working on this device; come back here when you are connected.
    </p>
  );
}

/** The loading, offline and error states of one part of the page. */
export function Status<T>({ loaded, retry, what }: { loaded: Loaded<T>; retry: () => void; what: string }) {
  if (loaded.state === 'loading') return <p aria-busy="true" class="muted">Loading {what}…</p>;
  if (loaded.state === 'offline') return <OfflineNote />;
  if (loaded.state === 'error') {
    const msg = loaded.status === 403 ? 'The dashboard is for district administrators, supervisors, principals and coaches.' : `Could not load ${what}: ${loaded.message}`;
    return (
      <p class="error" role="alert">
        {msg}{' '}
        {loaded.status !== 403 && (
          <button type="button" onClick={retry}>
            Try again
          </button>
        )}
      </p>
    );
  }
  return null;
}

