// A small fetch wrapper for the Walkthrough API. Every error the server
// answers is an RFC 9457 problem document (application/problem+json); this
// module turns it into a ProblemError with typed members, and turns a request
// that never reached the server into a NetworkError, so that callers (the
// screens now, the sync loop later) can tell "retry later" from "the server
// said no".

/** One invalid field in a problem document's errors[] member. */
export interface FieldError {
  /** The request field the error is about, e.g. "email"; "" when none was named. */
  field: string;
  /** A human-readable explanation, safe to show next to the field. */
  detail: string;
  /** A machine-readable code when the server sends one. */
  code?: string;
}

/** An RFC 9457 problem document, with missing or mistyped members filled in. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors: FieldError[];
}

/** The server answered with an error status. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  readonly problem: Problem;

  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.problem = problem;
  }

  get status(): number {
    return this.problem.status;
  }

  /** The detail for one field, or undefined when the server named none. */
  fieldError(field: string): string | undefined {
    return this.problem.errors.find((e) => e.field === field)?.detail;
  }
}

/** The request did not reach the server or no answer came back (offline, DNS, reset). */
export class NetworkError extends Error {
  override readonly name = 'NetworkError';

  constructor(options?: { cause?: unknown }) {
    super('could not reach the server', options);
  }
}

/** The server answered 2xx with a body that is not the JSON we asked for. */
export class ResponseError extends Error {
  override readonly name = 'ResponseError';
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const problemMediaType = 'application/problem+json';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMember(o: Record<string, unknown>, key: string): string | undefined {
  const v = o[key];
  return typeof v === 'string' ? v : undefined;
}

// "/email" or "#/email" (a JSON Pointer, as in RFC 9457's own example) names
// the field "email"; nested pointers keep their path: "/scores/0/level" is
// "scores.0.level".
function fieldFromPointer(pointer: string): string {
  return pointer
    .replace(/^#/, '')
    .split('/')
    .filter((part) => part !== '')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function parseFieldErrors(v: unknown): FieldError[] {
  if (!Array.isArray(v)) return [];
  const out: FieldError[] = [];
  for (const item of v) {
    if (!isRecord(item)) continue;
    const pointer = stringMember(item, 'pointer');
    const field = stringMember(item, 'field') ?? (pointer !== undefined ? fieldFromPointer(pointer) : '');
    const detail = stringMember(item, 'detail') ?? stringMember(item, 'message') ?? '';
    const code = stringMember(item, 'code');
    out.push(code !== undefined ? { field, detail, code } : { field, detail });
  }
  return out;
}

/**
 * Reads a problem document's members. Per RFC 9457 a member of the wrong type
 * is ignored, "type" defaults to "about:blank", and the HTTP status code is
 * authoritative over the body's "status" member, which is used only when no
 * HTTP status is known (httpStatus 0).
 */
export function parseProblem(body: unknown, httpStatus: number, statusText = ''): Problem {
  const o = isRecord(body) ? body : {};
  const bodyStatus = o['status'];
  let status = httpStatus;
  if (status === 0 && typeof bodyStatus === 'number' && Number.isInteger(bodyStatus)) {
    status = bodyStatus;
  }
  const problem: Problem = {
    type: stringMember(o, 'type') ?? 'about:blank',
    title: stringMember(o, 'title') ?? (statusText || `HTTP ${status}`),
    status,
    detail: stringMember(o, 'detail') ?? '',
    errors: parseFieldErrors(o['errors']),
  };
  const instance = stringMember(o, 'instance');
  if (instance !== undefined) problem.instance = instance;
  return problem;
}

function mediaType(res: Response): string {
  return (res.headers.get('Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Turns an error response into a ProblemError. A body that is not a problem
 * document (a proxy's HTML error page, say) still gives a Problem built from
 * the status line.
 */
export async function problemFromResponse(res: Response): Promise<ProblemError> {
  let body: unknown;
  const type = mediaType(res);
  if (type === problemMediaType || type === 'application/json') {
    try {
      body = await res.json();
    } catch {
      body = undefined;
    }
  }
  return new ProblemError(parseProblem(body, res.status, res.statusText));
}

export interface ClientOptions {
  /** Prefix for every path, e.g. "" for the same origin. */
  baseURL?: string;
  /** The fetch to use; tests pass their own. */
  fetch?: typeof fetch;
  /** Returns the current access token, or undefined when signed out. */
  accessToken?: () => string | undefined;
}

export interface RequestOptions {
  body?: unknown;
  signal?: AbortSignal;
}

export class ApiClient {
  readonly #baseURL: string;
  readonly #fetch: typeof fetch;
  readonly #accessToken: () => string | undefined;

  constructor(options: ClientOptions = {}) {
    this.#baseURL = options.baseURL ?? '';
    // Bound, because a detached window.fetch throws "Illegal invocation".
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
    this.#accessToken = options.accessToken ?? (() => undefined);
  }

  /**
   * Sends one request and returns the decoded JSON answer (undefined for 204).
   * Throws ProblemError for an error status, NetworkError when no answer came,
   * and ResponseError when a success carries a body that is not JSON.
   */
  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers = new Headers({ Accept: `application/json, ${problemMediaType}` });
    const token = this.#accessToken();
    if (token !== undefined) headers.set('Authorization', `Bearer ${token}`);
    const init: RequestInit = { method, headers, credentials: 'same-origin' };
    if (options.body !== undefined) {
      headers.set('Content-Type', 'application/json');
      init.body = JSON.stringify(options.body);
    }
    if (options.signal !== undefined) init.signal = options.signal;

    let res: Response;
    try {
      res = await this.#fetch(this.#baseURL + path, init);
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') throw err;
      throw new NetworkError({ cause: err });
    }

    if (!res.ok) throw await problemFromResponse(res);
    if (res.status === 204) return undefined as T;
    try {
      return (await res.json()) as T;
    } catch (err) {
      throw new ResponseError(res.status, `the answer to ${method} ${path} is not JSON: ${String(err)}`);
    }
  }

  post<T>(path: string, body: unknown, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body });
  }

  get<T>(path: string, options: Omit<RequestOptions, 'body'> = {}): Promise<T> {
    return this.request<T>('GET', path, options);
  }
}
