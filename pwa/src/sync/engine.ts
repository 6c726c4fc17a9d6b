// The sync engine: pushes the outbox, uploads photos, pulls what changed.
// Plain TypeScript with no UI imports (STYLE.md, "The PWA"): Vitest drives it
// against a fake server and fake-indexeddb.
import { liveQuery } from 'dexie';
import { getMeta, refTable, setMeta, type OutboxEntry, type RefreshedNote, type SnapshotState, type WalkthroughDB } from '../db/schema';
import type { Change, Colleague, PushResult, ServerRecord, SignedInUser, StoredSession } from '../db/types';
import { uuidv7 } from '../db/uuid';
import { defaultLock, type SyncLock } from './lock';

/** The server's limits of one push (server/internal/sync/protocol.go). */
export const maxChanges = 500;
export const maxPushBytes = 5 << 20;

export type Phase = 'idle' | 'syncing' | 'offline' | 'retrying' | 'signed_out' | 'busy_elsewhere';

export interface SyncStatus {
  phase: Phase;
  /** What went wrong last, in the user's words. */
  message?: string;
  /** Epoch ms of the next automatic attempt. */
  next_attempt_at?: number;
  /** Whether the last request reached the server (connectivity judged by real requests). */
  reachable?: boolean;
}

export interface SyncReport {
  pushed: number;
  pulled: number;
  uploaded: number;
}

/** No answer came (offline, reset) or the server failed (5xx): try again later. */
export class RetryLater extends Error {
  override readonly name = 'RetryLater';
  constructor(
    message: string,
    readonly network: boolean,
  ) {
    super(message);
  }
}

/** The session ended (refresh refused): the user must sign in again. */
export class SignedOut extends Error {
  override readonly name = 'SignedOut';
}

export interface EngineOptions {
  db: WalkthroughDB;
  baseURL?: string;
  fetch?: typeof fetch;
  lock?: SyncLock;
  now?: () => number;
  random?: () => number;
  /** ms between syncs while changes are pending. */
  interval?: number;
  /** ms from a save on the device to the sync that sends it (saves in between wait for the last). */
  debounce?: number;
  pullLimit?: number;
  /** For tests: smaller batches than the server allows. */
  maxBatch?: number;
  maxBytes?: number;
}

const enc = new TextEncoder();
const byteLength = (s: string) => enc.encode(s).length;

export class SyncEngine {
  readonly db: WalkthroughDB;
  readonly #base: string;
  readonly #fetch: typeof fetch;
  readonly #lock: SyncLock;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #interval: number;
  readonly #debounce: number;
  readonly #pullLimit: number;
  readonly #maxBatch: number;
  readonly #maxBytes: number;
  #status: SyncStatus = { phase: 'idle' };
  #listeners = new Set<(s: SyncStatus) => void>();
  #running: Promise<SyncReport | undefined> | undefined;
  #again = false;
  #failures = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stop: (() => void) | undefined;

  constructor(o: EngineOptions) {
    this.db = o.db;
    this.#base = o.baseURL ?? '';
    this.#fetch = o.fetch ?? globalThis.fetch.bind(globalThis);
    this.#lock = o.lock ?? defaultLock(o.db);
    this.#now = o.now ?? Date.now;
    this.#random = o.random ?? Math.random;
    this.#interval = o.interval ?? 60_000;
    this.#debounce = o.debounce ?? 1_200;
    this.#pullLimit = o.pullLimit ?? 500;
    this.#maxBatch = Math.min(o.maxBatch ?? maxChanges, maxChanges);
    this.#maxBytes = Math.min(o.maxBytes ?? maxPushBytes, maxPushBytes);
  }

  get status(): SyncStatus {
    return this.#status;
  }

  subscribe(fn: (s: SyncStatus) => void): () => void {
    this.#listeners.add(fn);
    fn(this.#status);
    return () => this.#listeners.delete(fn);
  }

  #set(s: SyncStatus) {
    this.#status = s;
    for (const fn of this.#listeners) fn(s);
  }

  // ---- session ----------------------------------------------------------

  async session(): Promise<StoredSession | undefined> {
    return getMeta<StoredSession>(this.db, 'session');
  }

  async deviceID(): Promise<string> {
    const id = await getMeta<string>(this.db, 'device_id');
    if (id !== undefined) return id;
    return this.db.transaction('rw', this.db.meta, async () => {
      const again = await getMeta<string>(this.db, 'device_id');
      if (again !== undefined) return again;
      const fresh = uuidv7();
      await setMeta(this.db, 'device_id', fresh);
      return fresh;
    });
  }

  /** Signs in and keeps the session on the device. The outbox is untouched. */
  async signIn(email: string, password: string): Promise<SignedInUser> {
    return this.#open('/api/v1/auth/login', { email, password, device_id: await this.deviceID() });
  }

  /**
   * Finishes a single sign-on: exchanges the one-time code the server
   * handed back from the district's identity provider for the app's own
   * session, kept exactly as after a password sign-in.
   */
  async signInWithCode(code: string): Promise<SignedInUser> {
    return this.#open('/api/v1/auth/sso/exchange', { code, device_id: await this.deviceID() });
  }

  /** The single sign-on button of the district whose provider answers for an e-mail domain; undefined when none does. */
  async ssoButton(domain: string): Promise<SSOButtonAnswer | undefined> {
    const res = await this.#send('GET', '/api/v1/auth/sso/button?domain=' + encodeURIComponent(domain), undefined, false);
    if (!res.ok) throw new HttpError(res.status, await problemDetail(res));
    const b = (await res.json()) as SSOButtonAnswer;
    return b.found ? b : undefined;
  }

  /** Where the browser goes to sign in with a district's identity provider. */
  ssoStartURL(districtID: string): string {
    return this.#base + '/api/v1/auth/sso/start?district=' + encodeURIComponent(districtID);
  }

  async #open(path: string, body: unknown): Promise<SignedInUser> {
    const res = await this.#send('POST', path, body, false);
    if (!res.ok) throw new HttpError(res.status, await problemDetail(res));
    const s = (await res.json()) as SessionAnswer;
    await this.#keep(s);
    this.#failures = 0;
    this.#set({ phase: 'idle', reachable: true });
    void this.syncNow();
    return s.user;
  }

  /** Ends the session; never touches the outbox. */
  async signOut(): Promise<void> {
    const s = await this.session();
    if (s !== undefined) {
      try {
        await this.#fetch(this.#base + '/api/v1/auth/logout', {
          method: 'POST',
          headers: { Authorization: `Bearer ${s.access_token}`, 'Content-Type': 'application/json' },
          body: JSON.stringify({ refresh_token: s.refresh_token }),
        });
      } catch {
        // Best effort: the session is forgotten on this device whatever the answer.
      }
    }
    await this.#forget(s?.user);
  }

  async #keep(s: SessionAnswer) {
    const stored: StoredSession = {
      access_token: s.access_token,
      refresh_token: s.refresh_token,
      expires_at: this.#now() + s.expires_in * 1000,
      user: s.user,
    };
    await this.db.transaction('rw', this.db.meta, async () => {
      await setMeta(this.db, 'session', stored);
      await setMeta(this.db, 'last_user', s.user);
      await this.db.meta.delete('needs_sign_in');
    });
  }

  async #forget(user: SignedInUser | undefined) {
    await this.db.transaction('rw', this.db.meta, async () => {
      await this.db.meta.delete('session');
      if (user !== undefined) await setMeta(this.db, 'last_user', user);
    });
  }

  /** Exchanges the refresh token for a new session; SignedOut when the server refuses it. */
  async #refresh(old: StoredSession): Promise<StoredSession> {
    // Another tab may have refreshed already: use its session instead of reusing a rotated token.
    const cur = await this.session();
    if (cur === undefined) throw new SignedOut('signed out');
    if (cur.refresh_token !== old.refresh_token) return cur;
    const res = await this.#send('POST', '/api/v1/auth/refresh', { refresh_token: cur.refresh_token }, false);
    if (res.status === 401 || res.status === 400 || res.status === 403 || res.status === 422) {
      await this.db.transaction('rw', this.db.meta, async () => {
        await this.db.meta.delete('session');
        await setMeta(this.db, 'last_user', cur.user);
        await setMeta(this.db, 'needs_sign_in', true);
      });
      throw new SignedOut('the session has ended: sign in again');
    }
    if (!res.ok) throw new RetryLater(`refresh failed (HTTP ${res.status})`, false);
    const s = (await res.json()) as SessionAnswer;
    await this.#keep(s);
    return (await this.session())!;
  }

  // ---- transport --------------------------------------------------------

  async #send(method: string, path: string, body: unknown, auth: boolean, token?: string, raw?: RequestInit): Promise<Response> {
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json' };
    const init: RequestInit = { method, headers, credentials: 'same-origin', ...raw };
    if (raw?.headers !== undefined) Object.assign(headers, raw.headers);
    init.headers = headers;
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    if (auth && token !== undefined) headers['Authorization'] = `Bearer ${token}`;
    let res: Response;
    try {
      res = await this.#fetch(this.#base + path, init);
    } catch (err) {
      throw new RetryLater(`could not reach the server: ${String(err)}`, true);
    }
    if (res.status >= 500) throw new RetryLater(`the server failed (HTTP ${res.status})`, false);
    return res;
  }

  /** An authenticated request: refreshes once on 401, then gives up as SignedOut. */
  async #authed(method: string, path: string, body?: unknown, raw?: RequestInit): Promise<Response> {
    let s = await this.session();
    if (s === undefined) throw new SignedOut('not signed in');
    if (s.expires_at - 30_000 < this.#now()) s = await this.#refresh(s);
    let res = await this.#send(method, path, body, true, s.access_token, raw);
    if (res.status !== 401) return res;
    s = await this.#refresh(s);
    res = await this.#send(method, path, body, true, s.access_token, raw);
    if (res.status === 401) {
      await this.db.transaction('rw', this.db.meta, async () => {
        await this.db.meta.delete('session');
        await setMeta(this.db, 'needs_sign_in', true);
      });
      throw new SignedOut('the server refused the session: sign in again');
    }
    return res;
  }

  /**
   * A GET for screens that read the server directly (the dashboard): the
   * session is refreshed as for sync. Throws RetryLater when the server
   * cannot be reached and SignedOut when the session has ended.
   */
  get(path: string, accept = 'application/json, application/problem+json'): Promise<Response> {
    return this.#authed('GET', path, undefined, { headers: { Accept: accept } });
  }

  // ---- online-only requests (administration) ----------------------------

  /** An authenticated request outside the outbox, for the online-only screens. */
  async request(method: string, path: string, body?: unknown, raw?: RequestInit): Promise<Response> {
    return this.#authed(method, path, body, raw);
  }

  /** A fresh access token, for uploads that report progress (XMLHttpRequest). */
  async accessToken(): Promise<string> {
    let s = await this.session();
    if (s === undefined) throw new SignedOut('not signed in');
    if (s.expires_at - 30_000 < this.#now()) s = await this.#refresh(s);
    return s.access_token;
  }

  // ---- the loop ---------------------------------------------------------

  /**
   * Starts syncing on start, on online, when the page becomes visible, on a
   * timer, and shortly after every save on the device (in any tab): a save
   * queues an unsent change, and the sync that sends it starts once the
   * saves have paused for the debounce.
   */
  start(target: { addEventListener: Window['addEventListener']; removeEventListener: Window['removeEventListener'] } = window) {
    const kick = () => void this.syncNow();
    const visible = () => {
      if (typeof document === 'undefined' || document.visibilityState === 'visible') kick();
    };
    target.addEventListener('online', kick);
    target.addEventListener('focus', kick);
    if (typeof document !== 'undefined') document.addEventListener('visibilitychange', visible);
    let saved: ReturnType<typeof setTimeout> | undefined;
    let last: string | undefined;
    const saves = liveQuery(() => this.#unsentMark()).subscribe({
      next: (mark) => {
        const changed = last !== undefined && mark !== last;
        last = mark;
        if (!changed || mark === '') return;
        if (saved !== undefined) clearTimeout(saved);
        saved = setTimeout(() => {
          saved = undefined;
          void this.syncNow();
        }, this.#debounce);
      },
      error: (err) => console.error('watching saves failed', err),
    });
    this.#stop = () => {
      saves.unsubscribe();
      if (saved !== undefined) clearTimeout(saved);
      target.removeEventListener('online', kick);
      target.removeEventListener('focus', kick);
      if (typeof document !== 'undefined') document.removeEventListener('visibilitychange', visible);
    };
    kick();
  }

  stop() {
    this.#stop?.();
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** What changes when a save queues a change not yet sent: the unsent changes' ids ('' when none). */
  async #unsentMark(): Promise<string> {
    const pending = await this.db.outbox.where('state').equals('pending').toArray();
    return pending
      .filter((e) => e.sent_at === undefined)
      .map((e) => e.change_id)
      .sort()
      .join(' ');
  }

  /** Syncs now; joins a sync already running (and runs once more after it). */
  syncNow(): Promise<SyncReport | undefined> {
    if (this.#running !== undefined) {
      this.#again = true;
      return this.#running;
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running = this.#runOnce().finally(() => {
      this.#running = undefined;
      if (this.#again) {
        this.#again = false;
        void this.syncNow();
      }
    });
    return this.#running;
  }

  #schedule(ms: number) {
    if (this.#stop === undefined) return; // not started: tests drive syncNow themselves
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.syncNow(), ms);
  }

  /**
   * Back-off after the n-th failure in a row: 2 s doubling to a minute, with
   * jitter. A minute at most: a server back from an outage gets what waited
   * on the device within a minute, with no press of "Sync now".
   */
  backoff(n: number): number {
    const base = Math.min(2000 * 2 ** Math.max(0, n - 1), 60_000);
    return Math.round(base * (0.5 + this.#random() / 2));
  }

  async #runOnce(): Promise<SyncReport | undefined> {
    if ((await this.session()) === undefined) {
      const needs = await getMeta<boolean>(this.db, 'needs_sign_in');
      this.#set({ phase: 'signed_out', message: needs ? 'Sign in again to sync. Nothing on this device is lost.' : 'Not signed in.' });
      return undefined;
    }
    this.#set({ ...this.#status, phase: 'syncing' });
    try {
      const report = await this.#lock.run((renew) => this.#work(renew));
      if (report === undefined) {
        this.#set({ phase: 'busy_elsewhere', message: 'Another tab is syncing.' });
        this.#schedule(5_000);
        return undefined;
      }
      this.#failures = 0;
      await setMeta(this.db, 'last_sync_at', this.#now());
      const pending = await this.db.outbox.where('state').equals('pending').count();
      const waiting = (await this.db.attachments.filter((a) => !a.uploaded && a.error === undefined).count()) > 0;
      const s: SyncStatus = { phase: 'idle', reachable: true };
      if (pending > 0 || waiting) {
        s.next_attempt_at = this.#now() + this.#interval;
        this.#schedule(this.#interval);
      }
      this.#set(s);
      return report;
    } catch (err) {
      if (err instanceof SignedOut) {
        this.#set({ phase: 'signed_out', message: 'Sign in again to sync. Nothing on this device is lost.', reachable: true });
        return undefined;
      }
      this.#failures++;
      const wait = this.backoff(this.#failures);
      const network = err instanceof RetryLater && err.network;
      this.#set({
        phase: network ? 'offline' : 'retrying',
        message: err instanceof Error ? err.message : String(err),
        next_attempt_at: this.#now() + wait,
        reachable: !network,
      });
      this.#schedule(wait);
      if (!(err instanceof RetryLater)) console.error('sync failed', err);
      return undefined;
    }
  }

  async #work(renew: () => Promise<void>): Promise<SyncReport> {
    const report: SyncReport = { pushed: 0, pulled: 0, uploaded: 0 };
    for (;;) {
      const n = await this.#pushOnce();
      if (n === 0) break;
      report.pushed += n;
      await renew();
    }
    report.uploaded = await this.#uploadAttachments();
    report.pulled = await this.#pull(renew);
    return report;
  }

  /** Sends one batch; returns how many changes it carried (0: nothing to send). */
  async #pushOnce(): Promise<number> {
    const db = this.db;
    const now = this.#now();
    // Pick and freeze the batch in one transaction: a change is marked sent
    // (its base_rev fixed) before it leaves, so it is never edited afterwards.
    const batch = await db.transaction('rw', [db.outbox, db.observations, db.walkthroughs, db.nextSteps, db.followUps, db.cycles, db.cycleActivities, db.supportRequests, db.feedback], async () => {
      const all = await db.outbox.orderBy('seq').toArray();
      const seen = new Set<string>();
      // Records with a change held back to a later batch: a change naming one
      // (feedback on an observation whose submit is still queued) waits too,
      // so the server meets them in the order they were made.
      const held = new Set<string>();
      const out: Change[] = [];
      let bytes = 64;
      for (const e of all) {
        // Refused changes wait for the user; they hold nothing up.
        if (e.state === 'rejected' || e.state === 'forbidden' || e.state === 'gone') continue;
        // One change per record per batch: the next one needs this one's rev.
        if (seen.has(e.id)) {
          if (e.state === 'pending') held.add(e.id);
          continue;
        }
        seen.add(e.id);
        if (e.state !== 'pending') continue;
        if (refsOf(e).some((id) => held.has(id))) {
          held.add(e.id);
          continue;
        }
        if (out.length >= this.#maxBatch) break;
        let baseRev = e.base_rev;
        if (baseRev === undefined) {
          const row = await this.#row(e);
          baseRev = row?.rev ?? 0;
        }
        const c: Change = { change_id: e.change_id, entity: e.entity, op: e.op, id: e.id, base_rev: baseRev };
        if (e.op === 'upsert') c.data = e.data;
        const size = byteLength(JSON.stringify(c)) + 1;
        if (bytes + size > this.#maxBytes) {
          if (out.length === 0) {
            await db.outbox.update(e.seq!, { state: 'rejected', error: { code: 'too_large', message: 'this change is larger than the server accepts (5 MiB)' } });
            continue;
          }
          break;
        }
        bytes += size;
        out.push(c);
        await db.outbox.update(e.seq!, { base_rev: baseRev, sent_at: e.sent_at ?? now, attempts: e.attempts + 1 });
      }
      return out;
    });
    if (batch.length === 0) return 0;

    const deviceID = await this.deviceID();
    // The device's clock as the push leaves: the server measures how far off
    // it is and counts observations on the day they really happened.
    const res = await this.#authed('POST', '/api/v1/sync/push', { device_id: deviceID, device_time: new Date(this.#now()).toISOString(), changes: batch });
    if (!res.ok) {
      const detail = await problemDetail(res);
      if (res.status === 413 || res.status === 422 || res.status === 400) {
        // The envelope itself was refused: mark every change with the reason
        // rather than retry forever; the user can retry from the outbox.
        await db.transaction('rw', db.outbox, async () => {
          for (const c of batch) {
            const e = await db.outbox.where('change_id').equals(c.change_id).first();
            if (e?.seq !== undefined) await db.outbox.update(e.seq, { state: 'rejected', error: { code: `http_${res.status}`, message: detail } });
          }
        });
        return batch.length;
      }
      throw new RetryLater(`push failed (HTTP ${res.status}): ${detail}`, false);
    }
    const answer = (await res.json()) as { results: PushResult[] };
    await this.#applyResults(answer.results ?? []);
    return batch.length;
  }

  /** The device's copy of the record a change is about, for its rev. */
  async #row(e: OutboxEntry): Promise<{ rev: number } | undefined> {
    switch (e.entity) {
      case 'observation':
        return this.db.observations.get(e.id);
      case 'walkthrough':
        return this.db.walkthroughs.get(e.id);
      case 'follow_up':
        return this.db.followUps.get(e.id);
      case 'cycle':
        return this.db.cycles.get(e.id);
      case 'cycle_activity':
        return this.db.cycleActivities.get(e.id);
      case 'next_step':
        return this.db.nextSteps.get(e.id);
      case 'support_request':
        return this.db.supportRequests.get(e.id);
      case 'feedback':
        return this.db.feedback.get(e.id);
      default:
        return undefined;
    }
  }

  async #applyResults(results: PushResult[]) {
    const db = this.db;
    await db.transaction('rw', [db.outbox, db.observations, db.walkthroughs, db.nextSteps, db.followUps, db.cycles, db.cycleActivities, db.supportRequests, db.feedback], async () => {
      for (const r of results) {
        const e = await db.outbox.where('change_id').equals(r.change_id).first();
        if (e === undefined || e.seq === undefined) continue;
        switch (r.status) {
          case 'applied':
          case 'duplicate': {
            await db.outbox.delete(e.seq);
            await this.#setRev(e, r.rev ?? 0);
            break;
          }
          case 'conflict': {
            const patch: Partial<OutboxEntry> = { state: 'conflict' };
            if (r.current !== undefined) patch.current = r.current;
            patch.error = r.error ?? { code: 'stale', message: 'the record changed on the server' };
            await db.outbox.update(e.seq, patch);
            if (e.entity === 'observation' && r.current !== undefined) {
              await db.observations.update(e.id, { conflict: r.current as ServerRecord<never> });
            }
            break;
          }
          case 'rejected':
          case 'forbidden':
          case 'gone': {
            const patch: Partial<OutboxEntry> = { state: r.status, error: r.error ?? { code: r.status, message: r.status } };
            if (r.current !== undefined) patch.current = r.current;
            await db.outbox.update(e.seq, patch);
            break;
          }
        }
      }
    });
  }

  async #setRev(e: OutboxEntry, rev: number) {
    if (e.entity === 'observation') {
      const row = await this.db.observations.get(e.id);
      if (row !== undefined && rev > row.rev) await this.db.observations.update(e.id, { rev });
    } else if (e.entity === 'walkthrough') {
      const row = await this.db.walkthroughs.get(e.id);
      if (row !== undefined && rev >= row.rev) {
        const rest = (await this.db.outbox.where('id').equals(e.id).count()) > 0;
        await this.db.walkthroughs.put({ id: row.id, rev, data: row.data, ...(rest ? { local: true } : {}) });
      }
    } else if (e.entity === 'follow_up' || e.entity === 'cycle' || e.entity === 'cycle_activity' || e.entity === 'support_request' || e.entity === 'feedback') {
      const table = e.entity === 'follow_up' ? this.db.followUps : e.entity === 'cycle' ? this.db.cycles : e.entity === 'cycle_activity' ? this.db.cycleActivities : e.entity === 'feedback' ? this.db.feedback : this.db.supportRequests;
      const row = await table.get(e.id);
      if (row !== undefined && rev > row.rev) await table.update(e.id, { rev });
    }
  }

  /** An authenticated GET of a JSON document the device does not keep (a debrief, a cycle's evidence). */
  async getJSON<T>(path: string): Promise<T> {
    const res = await this.#authed('GET', path);
    if (!res.ok) throw new HttpError(res.status, await problemDetail(res));
    return (await res.json()) as T;
  }

  /** Uploads photos whose observation the server already has. */
  async #uploadAttachments(): Promise<number> {
    const db = this.db;
    const waiting = await db.attachments.filter((a) => !a.uploaded && a.error === undefined).toArray();
    let n = 0;
    for (const a of waiting) {
      const queued = await db.outbox.where('id').equals(a.observation_id).count();
      if (queued > 0) continue; // the server must know the observation (and its attachment_ids) first
      const res = await this.#authed('PUT', `/api/v1/attachments/${a.id}`, undefined, {
        body: a.blob,
        headers: { 'Content-Type': a.content_type, 'X-Content-SHA256': a.sha256 },
      });
      if (res.ok) {
        await db.attachments.update(a.id, { uploaded: true });
        n++;
      } else {
        await db.attachments.update(a.id, { error: await problemDetail(res) });
      }
    }
    return n;
  }

  /**
   * Pulls every page after the stored cursor. On 410 (a cursor the server can
   * no longer vouch for) it starts again from a snapshot, which replaces the
   * device's reference data once its last page has arrived; the outbox is
   * never touched.
   */
  async #pull(renew: () => Promise<void>): Promise<number> {
    const db = this.db;
    let cursor = (await getMeta<string>(db, 'pull_cursor')) ?? '';
    let snapshot = await getMeta<SnapshotState>(db, 'snapshot');
    if (cursor === '' && snapshot === undefined) snapshot = await this.#beginSnapshot(undefined);
    let n = 0;
    let restarts = 0;
    for (let page = 0; page < 1000; page++) {
      const res = await this.#authed('GET', `/api/v1/sync/pull?cursor=${encodeURIComponent(cursor)}&limit=${this.#pullLimit}`);
      if (res.status === 410) {
        const reason = await problemDetail(res);
        // A snapshot is never refused; one that is, again and again, is the server's fault.
        if (cursor === '' || ++restarts > 3) throw new RetryLater(`pull failed (HTTP 410): ${reason}`, false);
        snapshot = await this.#beginSnapshot(reason);
        cursor = '';
        continue;
      }
      if (!res.ok) throw new RetryLater(`pull failed (HTTP ${res.status}): ${await problemDetail(res)}`, false);
      const body = (await res.json()) as { changes: ServerRecord[]; cursor: string; more: boolean };
      await this.#applyPulled(body.changes ?? [], body.cursor, snapshot !== undefined);
      n += body.changes?.length ?? 0;
      cursor = body.cursor;
      if (!body.more) {
        if (snapshot !== undefined) await this.#finishSnapshot(snapshot);
        break;
      }
      await renew();
    }
    await this.#refreshDirectory();
    return n;
  }

  /**
   * Starts a snapshot: the cursor goes back to the start and the records seen
   * so far are forgotten. Until its last page arrives nothing is removed, and
   * an interrupted snapshot goes on at the next sync from where it stopped.
   */
  async #beginSnapshot(reason: string | undefined): Promise<SnapshotState> {
    const db = this.db;
    const state: SnapshotState = { started_at: this.#now() };
    if (reason !== undefined) state.reason = reason;
    await db.transaction('rw', db.meta, db.snapshotSeen, async () => {
      await db.snapshotSeen.clear();
      await setMeta(db, 'snapshot', state);
      await setMeta(db, 'pull_cursor', '');
    });
    return state;
  }

  /**
   * Ends a snapshot whose last page has arrived: every record pulled before
   * that the snapshot did not hand out is removed, except those with an
   * outbox entry (they keep the local version until their change is
   * answered) and those the server never had (local drafts). Photos already
   * uploaded go with their observation; photos waiting to upload stay.
   */
  async #finishSnapshot(state: SnapshotState): Promise<void> {
    const db = this.db;
    const tables = [db.schools, db.teachers, db.rubricVersions, db.frameworks, db.walkthroughs, db.followUps, db.cycles, db.cycleActivities, db.nextSteps, db.supportRequests, db.feedback, db.observations];
    await db.transaction('rw', [...tables, db.outbox, db.attachments, db.snapshotSeen, db.meta], async () => {
      const queued = new Set((await db.outbox.toArray()).map((e) => e.id));
      const seen = new Set((await db.snapshotSeen.toCollection().primaryKeys()) as string[]);
      let removed = 0;
      for (const [entity, table] of snapshotTables(db)) {
        const rows = (await table.toArray()) as { id: string; rev: number; local?: boolean }[];
        const gone = rows.filter((r) => !seen.has(`${entity}/${r.id}`) && !queued.has(r.id) && r.rev > 0 && r.local !== true).map((r) => r.id);
        if (gone.length === 0) continue;
        await table.bulkDelete(gone);
        removed += gone.length;
        if (entity === 'observation') {
          const photos = await db.attachments.where('observation_id').anyOf(gone).filter((a) => a.uploaded).primaryKeys();
          await db.attachments.bulkDelete(photos);
        }
      }
      await db.snapshotSeen.clear();
      await db.meta.delete('snapshot');
      if (state.reason !== undefined) {
        const note: RefreshedNote = { at: this.#now(), removed, reason: state.reason };
        await setMeta(db, 'refreshed', note);
      }
    });
  }

  /** Keeps on the device the colleagues a lead may invite to a team; best effort. */
  async #refreshDirectory(): Promise<void> {
    try {
      const all: Colleague[] = [];
      for (let cursor = ''; ; ) {
        const res = await this.#authed('GET', `/api/v1/directory?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        if (!res.ok) return;
        const page = (await res.json()) as { items?: Colleague[]; cursor?: string; more?: boolean };
        all.push(...(page.items ?? []));
        if (!page.more || !page.cursor) break;
        cursor = page.cursor;
      }
      await setMeta(this.db, 'directory', all);
    } catch {
      // The directory is a convenience: the next sync tries again.
    }
  }

  async #applyPulled(changes: ServerRecord[], cursor: string, snapshot: boolean) {
    const db = this.db;
    const tables = [db.schools, db.teachers, db.rubricVersions, db.frameworks, db.walkthroughs, db.followUps, db.cycles, db.cycleActivities, db.nextSteps, db.supportRequests, db.feedback, db.observations, db.outbox, db.meta, db.snapshotSeen];
    await db.transaction('rw', tables, async () => {
      // In a snapshot, what the server handed out is noted with the page, so
      // that an interrupted snapshot goes on knowing what it has seen.
      if (snapshot) await db.snapshotSeen.bulkPut(changes.filter((c) => !c.deleted).map((c) => ({ key: `${c.entity}/${c.id}` })));
      for (const c of changes) {
        // A record with local changes waiting keeps the local version: its
        // change will meet the server's rev (and a conflict) on push.
        if (c.entity === 'observation' || c.entity === 'walkthrough' || c.entity === 'next_step' || c.entity === 'follow_up' || c.entity === 'cycle' || c.entity === 'cycle_activity' || c.entity === 'support_request' || c.entity === 'feedback') {
          if ((await db.outbox.where('id').equals(c.id).count()) > 0) continue;
        }
        if (c.entity === 'observation') {
          if (c.deleted) await db.observations.delete(c.id);
          else {
            const cur = await db.observations.get(c.id);
            if (cur === undefined || cur.rev <= c.rev) {
              await db.observations.put({ id: c.id, rev: c.rev, data: c.data as never, updated_at: cur?.updated_at ?? (Date.parse((c.data as { started_at?: string } | undefined)?.started_at ?? '') || 0) });
            }
          }
          continue;
        }
        const table = refTable(db, c.entity);
        if (table === undefined) continue;
        if (c.deleted) await table.delete(c.id);
        else await (table as typeof db.schools).put({ id: c.id, rev: c.rev, data: c.data as never });
      }
      await setMeta(db, 'pull_cursor', cursor);
    });
  }
}

/** The tables a snapshot replaces, with the entity each holds. */
function snapshotTables(db: WalkthroughDB) {
  return [
    ['school', db.schools],
    ['teacher', db.teachers],
    ['rubric_version', db.rubricVersions],
    ['framework', db.frameworks],
    ['walkthrough', db.walkthroughs],
    ['follow_up', db.followUps],
    ['cycle', db.cycles],
    ['cycle_activity', db.cycleActivities],
    ['next_step', db.nextSteps],
    ['support_request', db.supportRequests],
    ['feedback', db.feedback],
    ['observation', db.observations],
  ] as const;
}

/** GET /auth/sso/button: what the sign-in screen's single sign-on button says. */
export interface SSOButtonAnswer {
  found: boolean;
  district_id: string;
  label: string;
  /** Sign in with {name}. */
  name: string;
  /** The district refuses passwords to its users but its administrators. */
  passwords_off: boolean;
}

interface SessionAnswer {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  user: SignedInUser;
}

export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function problemDetail(res: Response): Promise<string> {
  try {
    const body = (await res.json()) as { detail?: string; title?: string };
    return body.detail || body.title || `HTTP ${res.status}`;
  } catch {
    return `HTTP ${res.status}`;
  }
}

/** The records a change's data names, which the server must have met first. */
export function refsOf(e: { data?: unknown }): string[] {
  const d = e.data as Record<string, unknown> | undefined;
  if (d === undefined || d === null || typeof d !== 'object') return [];
  return ['observation_id', 'walkthrough_id', 'cycle_id', 'follow_up_id', 'support_request_id'].map((k) => d[k]).filter((v): v is string => typeof v === 'string' && v !== '');
}
