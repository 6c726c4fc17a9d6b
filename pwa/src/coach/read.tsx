// A read the device does not keep in its tables (a report, a workload): it
// comes from the server when online, and the last answer is kept on the
// device, so that offline the screen shows it with the time it was read.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { useOnline } from '../components/useOnline';
import { getMeta, setMeta } from '../db/schema';
import { HttpError } from '../sync/engine';
import { db, engine } from '../state';

export type Read<T> =
  | { phase: 'loading' }
  | { phase: 'ok'; data: T; at: number; offline: boolean; error?: string }
  | { phase: 'offline' }
  | { phase: 'error'; message: string; forbidden: boolean };

/** Reads path from the server (again whenever the device comes online), keeping the last answer under key. */
export function useServerRead<T>(key: string, path: string | undefined, load?: (path: string) => Promise<T>): [Read<T>, () => void] {
  const online = useOnline();
  const [read, setRead] = useState<Read<T>>({ phase: 'loading' });
  const [again, setAgain] = useState(0);
  useEffect(() => {
    if (path === undefined) return;
    let live = true;
    setRead({ phase: 'loading' });
    const metaKey = `read:${key}:${path}`;
    void (async () => {
      const kept = await getMeta<{ data: T; at: number }>(db, metaKey);
      if (!navigator.onLine) {
        if (live) setRead(kept ? { phase: 'ok', data: kept.data, at: kept.at, offline: true } : { phase: 'offline' });
        return;
      }
      try {
        const data = await (load ? load(path) : engine.getJSON<T>(path));
        const at = Date.now();
        await setMeta(db, metaKey, { data, at });
        if (live) setRead({ phase: 'ok', data, at, offline: false });
      } catch (err) {
        if (!live) return;
        const forbidden = err instanceof HttpError && err.status === 403;
        const message = err instanceof Error ? err.message : String(err);
        if (kept && !forbidden) setRead({ phase: 'ok', data: kept.data, at: kept.at, offline: !navigator.onLine, error: message });
        else if (!navigator.onLine) setRead({ phase: 'offline' });
        else setRead({ phase: 'error', message, forbidden });
      }
    })();
    return () => {
      live = false;
    };
  }, [key, path, online, again]);
  return [read, () => setAgain((n) => n + 1)];
}

/** The loading, offline and error states of a read; its content once there is an answer. */
export function ReadState<T>({ read, what, retry, children }: { read: Read<T>; what: string; retry: () => void; children: (data: T) => ComponentChildren }) {
  switch (read.phase) {
    case 'loading':
      return (
        <p aria-busy="true" data-testid="read-loading">
          Loading {what}…
        </p>
      );
    case 'offline':
      return (
        <p class="notice" role="status" data-testid="read-offline">
          Offline: {what} comes from the server and has not been read on this device yet. It appears once the device is back online.
        </p>
      );
    case 'error':
      return (
        <div class="error" role="alert" data-testid="read-error">
          <p>{read.forbidden ? `Your role does not open ${what}.` : `Could not read ${what}: ${read.message}`}</p>
          {!read.forbidden && (
            <button type="button" onClick={retry}>
              Try again
            </button>
          )}
        </div>
      );
    case 'ok':
      return (
        <>
          {read.offline && (
            <p class="notice" role="status" data-testid="read-stale">
              Offline: as read on {new Date(read.at).toLocaleString()}.
            </p>
          )}
          {!read.offline && read.error && (
            <p class="notice" role="status">
              Could not refresh ({read.error}); as read on {new Date(read.at).toLocaleString()}.{' '}
              <button type="button" onClick={retry}>
                Try again
              </button>
            </p>
          )}
          {children(read.data)}
        </>
      );
  }
}

/** A share as a whole percentage, or a dash when there is none. */
export function percent(x: number | null | undefined): string {
  return x === null || x === undefined ? '—' : `${Math.round(x * 100)}%`;
}
