// A fake Walkthrough server for the sync engine's tests: a fetch function that
// speaks the protocol of server/internal/sync (push, pull, refresh, login,
// attachments) and lets a test break it (offline, 5xx, expired tokens).
import type { Change, PushResult, ServerRecord } from '../db/types';

interface Rec {
  entity: string;
  id: string;
  rev: number;
  deleted: boolean;
  data: unknown;
  seq: number;
}

export class FakeServer {
  records = new Map<string, Rec>();
  applied = new Map<string, PushResult>();
  /** change_ids in the order the server saw them, across all pushes. */
  seen: string[] = [];
  pushes: Change[][] = [];
  /** The device_time each push was stamped with. */
  pushTimes: (string | undefined)[] = [];
  pushBytes: number[] = [];
  attachments = new Map<string, { type: string; sha: string; size: number }>();
  seq = 0;
  horizon = 0;
  offline = false;
  fail5xx = 0;
  /** Valid access and refresh tokens. */
  access = new Set<string>();
  refresh = new Set<string>();
  refreshCalls = 0;
  #n = 0;
  /** Delay before answering a push, for races. */
  pushDelay = 0;
  /** The schools the signed-in user may see; undefined: every school. */
  schools: Set<string> | undefined;
  /** Changes whenever the user's schools change: cursors given before are answered 410, as the real server does. */
  scopeVersion = 1;
  /** How many more pull pages to answer before the connection drops (an interrupted sync); undefined: no limit. */
  pullPagesLeft: number | undefined;
  /** Single sign-on hand-off codes not yet exchanged. */
  ssoCodes = new Set<string>();
  /** Pull requests seen, by cursor. */
  pulls: string[] = [];
  /** Runs before a pull is answered, as the user goes on working meanwhile. */
  onPull: ((cursor: string) => Promise<void>) | undefined;

  constructor() {
    this.put({ entity: 'school', id: 'school-1', rev: 1, deleted: false, data: { name: 'Cedar Hollow', active: true } });
    this.put({ entity: 'teacher', id: 'teacher-1', rev: 1, deleted: false, data: { school_id: 'school-1', given_name: 'Ana', family_name: 'Rivera', grades: ['3'], subjects: ['Math'], active: true } });
    this.put({
      entity: 'rubric_version',
      id: 'rubric-1',
      rev: 1,
      deleted: false,
      data: { rubric_id: 'r', version: 1, name: 'Framework', levels: [1, 2, 3, 4].map((v) => ({ value: v, label: `L${v}` })), dimensions: [{ key: 'culture', name: 'Culture', indicators: [{ key: 'respect', name: 'Respect', descriptors: [] }] }] },
    });
  }

  put(r: Omit<Rec, 'seq'>) {
    this.records.set(r.id, { ...r, seq: ++this.seq });
  }

  /** Forgets the change log before now, as the server does after its tombstone horizon: old cursors get 410. */
  compact() {
    this.horizon = this.seq + 1;
    for (const [id, r] of [...this.records]) {
      if (r.deleted) this.records.delete(id);
      else r.seq = ++this.seq;
    }
  }

  /** Gives the user a new set of schools, as an administrator changing role grants does. */
  setSchools(ids: string[] | undefined) {
    this.schools = ids === undefined ? undefined : new Set(ids);
    this.scopeVersion++;
  }

  /** Whether the user may see a record: the school of a school, the school_id of anything else. */
  visible(r: Rec): boolean {
    if (this.schools === undefined || r.entity === 'rubric_version') return true;
    const school = r.entity === 'school' ? r.id : (r.data as { school_id?: string } | undefined)?.school_id;
    return school === undefined || this.schools.has(school);
  }

  /** Issues a session as login would. */
  session() {
    const access = `at-${++this.#n}`;
    const refresh = `rt-${this.#n}`;
    this.access.add(access);
    this.refresh.add(refresh);
    return { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: 900, user: { id: 'user-1', email: 'coach@demo.test', name: 'Coach' } };
  }

  expireAccessTokens() {
    this.access.clear();
  }

  fetch: typeof fetch = async (input, init) => {
    const url = new URL(String(input), 'http://fake');
    const method = init?.method ?? 'GET';
    if (this.offline) throw new TypeError('Failed to fetch');
    if (this.fail5xx > 0) {
      this.fail5xx--;
      return json(503, { title: 'Service Unavailable', status: 503 });
    }
    const headers = new Headers(init?.headers);
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    if (url.pathname === '/api/v1/auth/login') return json(200, this.session());
    if (url.pathname === '/api/v1/auth/sso/exchange') {
      // A single sign-on hand-off code is spent by its first exchange.
      if (!this.ssoCodes.delete(body?.code as string)) return json(401, { title: 'Unauthorized', status: 401, detail: 'this sign-in link has been used or has expired; sign in again' });
      return json(200, this.session());
    }
    if (url.pathname === '/api/v1/auth/refresh') {
      this.refreshCalls++;
      const rt = body?.refresh_token as string;
      if (!this.refresh.has(rt)) return json(401, { title: 'Unauthorized', status: 401, detail: 'sign in again' });
      this.refresh.delete(rt);
      return json(200, this.session());
    }
    const token = (headers.get('Authorization') ?? '').replace(/^Bearer /, '');
    if (!this.access.has(token)) return json(401, { title: 'Unauthorized', status: 401 });
    if (url.pathname === '/api/v1/auth/logout') return new Response(null, { status: 204 });
    if (url.pathname === '/api/v1/sync/push' && method === 'POST') {
      const size = new TextEncoder().encode(init!.body as string).length;
      this.pushBytes.push(size);
      if (size > 5 << 20 || body.changes.length > 500) return json(413, { title: 'Too large', status: 413 });
      if (this.pushDelay > 0) await new Promise((r) => setTimeout(r, this.pushDelay));
      this.pushes.push(body.changes);
      this.pushTimes.push(body.device_time);
      return json(200, { results: (body.changes as Change[]).map((c) => this.apply(c)), server_time: new Date().toISOString() });
    }
    if (url.pathname === '/api/v1/sync/pull') {
      const raw = url.searchParams.get('cursor') ?? '';
      this.pulls.push(raw);
      await this.onPull?.(raw);
      if (this.pullPagesLeft !== undefined && this.pullPagesLeft-- <= 0) throw new TypeError('Failed to fetch');
      // A cursor is "scope version:position"; it is opaque to the device.
      const [scope, pos] = raw === '' ? [this.scopeVersion, 0] : raw.split(':').map(Number);
      const after = pos ?? 0;
      if (scope !== this.scopeVersion) return json(410, { title: 'Gone', status: 410, detail: 'the schools or roles of this user have changed since the last pull: start again from a full snapshot' });
      if (after > 0 && after < this.horizon) return json(410, { title: 'Gone', status: 410, detail: 'this device has been away longer than the server keeps changes: start again from a full snapshot' });
      const limit = Number(url.searchParams.get('limit') || '500');
      const rows = [...this.records.values()].filter((r) => r.seq > after && this.visible(r)).sort((a, b) => a.seq - b.seq);
      const page = rows.slice(0, limit);
      const changes: ServerRecord[] = page.map((r) => ({ entity: r.entity as never, id: r.id, rev: r.rev, deleted: r.deleted, ...(r.deleted ? {} : { data: r.data }) }));
      return json(200, { changes, cursor: `${this.scopeVersion}:${page.at(-1)?.seq ?? after}`, more: rows.length > limit });
    }
    const m = url.pathname.match(/^\/api\/v1\/attachments\/(.+)$/);
    if (m && method === 'PUT') {
      const blob = init!.body as Blob;
      this.attachments.set(m[1]!, { type: headers.get('Content-Type') ?? '', sha: headers.get('X-Content-SHA256') ?? '', size: blob.size });
      return json(201, { id: m[1] });
    }
    return json(404, { title: 'Not Found', status: 404 });
  };

  apply(c: Change): PushResult {
    this.seen.push(c.change_id);
    const done = this.applied.get(c.change_id);
    if (done !== undefined) return { ...done, status: done.status === 'applied' ? 'duplicate' : done.status };
    const cur = this.records.get(c.id);
    const currentOf = (r: Rec): ServerRecord => ({ entity: r.entity as never, id: r.id, rev: r.rev, deleted: r.deleted, data: r.data });
    if (cur !== undefined && cur.deleted) return { change_id: c.change_id, status: 'gone', current: currentOf(cur), error: { code: 'deleted', message: 'deleted on the server' } };
    if (cur === undefined && c.base_rev !== 0) return { change_id: c.change_id, status: 'gone', error: { code: 'not_found', message: 'no such record' } };
    if (cur !== undefined && c.base_rev !== cur.rev) {
      return { change_id: c.change_id, status: 'conflict', current: currentOf(cur), error: { code: 'stale', message: 'the record changed on the server since this device saw it' } };
    }
    const data = c.data as { scores?: { level: number | null }[]; teacher_id?: string };
    for (const [i, s] of (data?.scores ?? []).entries()) {
      if (s.level !== null && (s.level < 1 || s.level > 4)) {
        return { change_id: c.change_id, status: 'rejected', error: { code: 'invalid', field: `data.scores[${i}].level`, message: `${s.level} is not a level of this rubric's scale` } };
      }
    }
    if (data?.teacher_id === 'teacher-elsewhere') {
      return { change_id: c.change_id, status: 'forbidden', error: { code: 'forbidden', message: 'not your school' } };
    }
    const school = (c.data as { school_id?: string } | undefined)?.school_id;
    if (this.schools !== undefined && school !== undefined && !this.schools.has(school)) {
      return { change_id: c.change_id, status: 'rejected', error: { code: 'out_of_scope', field: 'data.school_id', message: 'the school is not one you observe at' } };
    }
    const rev = (cur?.rev ?? 0) + 1;
    this.put({ entity: c.entity, id: c.id, rev, deleted: c.op === 'delete', data: c.data });
    const r: PushResult = { change_id: c.change_id, status: 'applied', rev };
    this.applied.set(c.change_id, r);
    return r;
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': status >= 400 ? 'application/problem+json' : 'application/json' } });
}
