// The administration screens talk to the server directly: they are
// online-only, and nothing they do goes through the outbox. The types of
// what they send and read are in src/api/types.ts.
import type { Page } from '../api/types';
import { engine } from '../state';
import { problemsOf, type Problems } from './builder';
export { saveFile } from '../components/saveFile';


/** A refusal from the server: its words, and its problems by field. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly problems: Problems = {},
    /** With 409: the revision the record is at now, when the change named an older one. */
    readonly currentRev?: number,
  ) {
    super(message);
  }
}

async function refusal(res: Response): Promise<ApiError> {
  let body: { detail?: string; title?: string; current_rev?: number } | null = null;
  try {
    body = (await res.json()) as { detail?: string; title?: string; current_rev?: number };
  } catch {
    // not a problem document
  }
  return new ApiError(res.status, body?.detail || body?.title || `The server answered ${res.status}.`, problemsOf(body), body?.current_rev);
}

/** The words to show for any failure of an online request. */
export function failure(err: unknown): string {
  if (err instanceof ApiError && err.status === 409 && err.currentRev !== undefined) {
    return 'Someone else changed this since it was loaded, so nothing was saved. Load it again to see their change, then make yours.';
  }
  if (err instanceof ApiError) return err.message;
  if (typeof navigator !== 'undefined' && !navigator.onLine) return 'You are offline. Administration needs a connection.';
  return `Could not reach the server: ${err instanceof Error ? err.message : String(err)}`;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await engine.request(method, '/api/v1' + path, body);
  if (!res.ok) throw await refusal(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Every item of a list, read a page of 500 at a time. */
export async function apiAll<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  let cursor = '';
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await api<Page<T>>('GET', `${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...page.items);
    if (!page.more) return items;
    cursor = page.cursor;
  }
}

/** Sends a document as it is (a rubric's JSON text). */
export async function sendText<T>(method: string, path: string, text: string, contentType: string): Promise<T> {
  const res = await engine.request(method, '/api/v1' + path, undefined, { body: text, headers: { 'Content-Type': contentType } });
  if (!res.ok) throw await refusal(res);
  return (await res.json()) as T;
}

/** Fetches a file (an export) as a blob. */
export async function download(path: string): Promise<Blob> {
  const res = await engine.request('GET', '/api/v1' + path);
  if (!res.ok) throw await refusal(res);
  return res.blob();
}


/**
 * Uploads a file with XMLHttpRequest, which reports upload progress (fetch
 * does not), and answers the parsed JSON. A 401 gets one retry with a
 * refreshed token.
 */
export async function upload<T>(path: string, file: Blob, contentType: string, onProgress: (sent: number, total: number) => void): Promise<T> {
  const once = async (): Promise<{ status: number; text: string }> => {
    const token = await engine.accessToken();
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open('POST', '/api/v1' + path);
      x.setRequestHeader('Authorization', `Bearer ${token}`);
      x.setRequestHeader('Content-Type', contentType);
      x.setRequestHeader('Accept', 'application/json, application/problem+json');
      x.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
      x.onload = () => resolve({ status: x.status, text: x.responseText });
      x.onerror = () => reject(new Error('the connection failed'));
      x.send(file);
    });
  };
  let r = await once();
  if (r.status === 401) r = await once();
  let body: unknown = null;
  try {
    body = JSON.parse(r.text);
  } catch {
    // not JSON
  }
  if (r.status < 200 || r.status >= 300) {
    const b = body as { detail?: string; title?: string } | null;
    throw new ApiError(r.status, b?.detail || b?.title || `The server answered ${r.status}.`, problemsOf(body));
  }
  return body as T;
}
