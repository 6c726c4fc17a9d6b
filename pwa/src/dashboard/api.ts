// How the dashboard reads the server. It is online only: the answers are
// not kept on the device. Their types are in src/api/types.ts.
import { useEffect, useState } from 'preact/hooks';
import type { Page } from '../api/types';
import { RetryLater } from '../sync/engine';
import { engine } from '../state';
import { saveFile } from '../components/saveFile';

/** The server cannot be reached. */
export class Offline extends Error {
  override readonly name = 'Offline';
}

/** The server answered with a problem. */
export class Problem extends Error {
  override readonly name = 'Problem';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** An authorized GET of the API; Offline when the network is down, Problem on an error answer. */
export async function fetchAPI(path: string, accept?: string): Promise<Response> {
  let res: Response;
  try {
    res = await engine.get('/api/v1' + path, accept);
  } catch (err) {
    if (err instanceof RetryLater && err.network) throw new Offline('offline: the dashboard needs the network');
    throw err instanceof RetryLater ? new Problem(500, 'The server failed; try again in a moment.') : err;
  }
  if (!res.ok) {
    let detail = `HTTP ${res.status}`;
    try {
      const body = (await res.json()) as { detail?: string; title?: string };
      detail = body.detail || body.title || detail;
    } catch {
      // not a problem document
    }
    throw new Problem(res.status, detail);
  }
  return res;
}

export async function getJSON<T>(path: string): Promise<T> {
  return (await (await fetchAPI(path)).json()) as T;
}

export type Loaded<T> =
  | { state: 'loading' }
  | { state: 'ok'; data: T }
  | { state: 'offline' }
  | { state: 'error'; status: number; message: string };

/**
 * Runs load whenever key changes (undefined: nothing to load) and keeps the
 * answer of the latest key only; retry runs it again.
 */
export function useLoad<T>(key: string | undefined, load: () => Promise<T>): [Loaded<T>, () => void] {
  const [state, setState] = useState<{ key: string | undefined; value: Loaded<T> }>({ key: undefined, value: { state: 'loading' } });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (key === undefined) return;
    let live = true;
    setState({ key, value: { state: 'loading' } });
    load().then(
      (data) => live && setState({ key, value: { state: 'ok', data } }),
      (err: unknown) => {
        if (!live) return;
        if (err instanceof Offline) setState({ key, value: { state: 'offline' } });
        else if (err instanceof Problem) setState({ key, value: { state: 'error', status: err.status, message: err.message } });
        else setState({ key, value: { state: 'error', status: 0, message: String(err) } });
      },
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, attempt]);
  const value: Loaded<T> = state.key === key ? state.value : { state: 'loading' };
  return [value, () => setAttempt((n) => n + 1)];
}

/** Every page of a list, up to max items; more tells whether some were left. */
export async function getAll<T>(path: string, max: number): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let cursor = '';
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await getJSON<Page<T>>(`${path}${sep}limit=500${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`);
    items.push(...page.items);
    if (!page.more) return { items, more: false };
    if (items.length >= max) return { items, more: true };
    cursor = page.cursor;
  }
}

/** Saves a response's body as a file (a link with the bearer token cannot be a plain href). */
export async function saveAs(res: Response, name: string): Promise<void> {
  saveFile(await res.blob(), name);
}
