import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { WalkthroughDB, getMeta } from '../db/schema';
import type { ObservationData, StoredSession } from '../db/types';
import { uuidv7 } from '../db/uuid';
import { addAttachment, discardObservation, discardRefused, queueChange, resolveConflict, retryEntry, saveFeedback, saveObservation, updateObservation } from '../db/writes';
import { SyncEngine } from './engine';
import { FakeServer } from './fake-server';

let db: WalkthroughDB;
let server: FakeServer;

function engine(d = db, s = server) {
  return new SyncEngine({ db: d, fetch: s.fetch, random: () => 0.5 });
}

async function signedIn(e: SyncEngine) {
  const s = server.session();
  const stored: StoredSession = { access_token: s.access_token, refresh_token: s.refresh_token, expires_at: Date.now() + 900_000, user: s.user };
  await e.db.meta.put({ key: 'session', value: stored });
}

function obs(level: number | null = 3, evidence = ''): ObservationData {
  return {
    school_id: 'school-1',
    teacher_id: 'teacher-1',
    rubric_version_id: 'rubric-1',
    kind: 'classroom',
    started_at: new Date().toISOString(),
    status: 'draft',
    scores: [{ indicator_key: 'respect', level }],
    evidence,
  };
}

beforeEach(async () => {
  db = new WalkthroughDB(`test-${uuidv7()}`);
  await db.open();
  server = new FakeServer();
});

describe('uuidv7', () => {
  it('is a version 7 UUID and sorts by time', () => {
    const a = uuidv7(1_000);
    const b = uuidv7(2_000);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a < b).toBe(true);
    const many = Array.from({ length: 100 }, () => uuidv7(5_000));
    expect([...many].sort()).toEqual(many);
    expect(new Set(many).size).toBe(100);
  });
});

describe('local writes', () => {
  it('writes the record and its outbox entry in one transaction', async () => {
    const id = uuidv7();
    await saveObservation(db, id, obs());
    expect(await db.observations.get(id)).toBeDefined();
    expect(await db.outbox.where('id').equals(id).count()).toBe(1);

    // When the transaction fails after both writes, neither is kept.
    const other = uuidv7();
    await expect(
      db.transaction('rw', db.observations, db.outbox, async () => {
        await saveObservation(db, other, obs());
        throw new Error('power cut');
      }),
    ).rejects.toThrow('power cut');
    expect(await db.observations.get(other)).toBeUndefined();
    expect(await db.outbox.where('id').equals(other).count()).toBe(0);
  });

  it('keeps one unsent change per record however many taps', async () => {
    const id = uuidv7();
    await saveObservation(db, id, obs(1));
    for (const level of [2, 3, 4]) await updateObservation(db, id, (d) => ({ ...d, scores: [{ indicator_key: 'respect', level }] }));
    const entries = await db.outbox.toArray();
    expect(entries).toHaveLength(1);
    expect((entries[0]!.data as ObservationData).scores[0]!.level).toBe(4);
  });

  it('never edits a change that was sent: a new one is queued after it', async () => {
    const id = uuidv7();
    await saveObservation(db, id, obs(1));
    const e = (await db.outbox.toArray())[0]!;
    await db.outbox.update(e.seq!, { sent_at: Date.now(), base_rev: 0 });
    await updateObservation(db, id, (d) => ({ ...d, evidence: 'more' }));
    const entries = await db.outbox.orderBy('seq').toArray();
    expect(entries).toHaveLength(2);
    expect(entries[0]!.change_id).toBe(e.change_id);
  });
});

describe('push', () => {
  it('removes an entry only when the server answered for it', async () => {
    const e = engine();
    await signedIn(e);
    const id = uuidv7();
    await saveObservation(db, id, obs());

    server.offline = true;
    await e.syncNow();
    expect(e.status.phase).toBe('offline');
    expect(await db.outbox.count()).toBe(1);

    // The server applies the change but the answer is lost on the way back.
    server.offline = false;
    const real = server.fetch;
    const lossy = new SyncEngine({
      db,
      random: () => 0.5,
      fetch: async (input, init) => {
        const res = await real(input, init);
        if (String(input).includes('/sync/push')) throw new TypeError('connection reset');
        return res;
      },
    });
    await lossy.syncNow();
    expect(await db.outbox.count()).toBe(1);
    expect(server.records.get(id)?.rev).toBe(1);

    await e.syncNow();
    expect(await db.outbox.count()).toBe(0);
    expect(server.records.get(id)?.rev).toBe(1); // exactly once: the retry was a duplicate
    expect((await db.observations.get(id))?.rev).toBe(1);
  });

  it('stamps every send with the device clock, a retry too, outside the frozen change', async () => {
    // A tablet whose clock is a year ahead.
    let clock = Date.now() + 365 * 24 * 3600 * 1000;
    const e = new SyncEngine({ db, fetch: server.fetch, random: () => 0.5, now: () => clock });
    await signedIn(e);
    const id = uuidv7();
    await saveObservation(db, id, obs());

    // The server applies the push but the answer is lost; the retry goes a minute later.
    const real = server.fetch;
    const lossy = new SyncEngine({
      db,
      random: () => 0.5,
      now: () => clock,
      fetch: async (input, init) => {
        const res = await real(input, init);
        if (String(input).includes('/sync/push')) throw new TypeError('connection reset');
        return res;
      },
    });
    await lossy.syncNow();
    const first = clock;
    clock += 60_000;
    await e.syncNow();
    expect(await db.outbox.count()).toBe(0);
    expect(server.pushTimes).toEqual([new Date(first).toISOString(), new Date(clock).toISOString()]);
    expect(server.pushes[1]).toEqual(server.pushes[0]);
  });

  it('retries after a 5xx and after a network error, with growing back-off', async () => {
    const e = engine();
    await signedIn(e);
    await saveObservation(db, uuidv7(), obs());
    server.fail5xx = 1;
    await e.syncNow();
    expect(e.status.phase).toBe('retrying');
    expect(e.status.next_attempt_at).toBeGreaterThan(Date.now());
    expect(await db.outbox.count()).toBe(1);
    expect(e.backoff(1)).toBeLessThan(e.backoff(3));
    expect(e.backoff(30)).toBeLessThanOrEqual(300_000);

    server.offline = true;
    await e.syncNow();
    expect(e.status.phase).toBe('offline');
    server.offline = false;
    await e.syncNow();
    expect(e.status.phase).toBe('idle');
    expect(await db.outbox.count()).toBe(0);
    expect(await getMeta<number>(db, 'last_sync_at')).toBeGreaterThan(0);
  });

  it('marks a rejected change with its reason and goes on with the queue', async () => {
    const e = engine();
    await signedIn(e);
    const [a, bad, c, forbidden] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    await saveObservation(db, a, obs(2));
    await saveObservation(db, bad, obs(7));
    await saveObservation(db, c, obs(3));
    await saveObservation(db, forbidden, { ...obs(3), teacher_id: 'teacher-elsewhere' });
    await e.syncNow();
    const left = await db.outbox.toArray();
    expect(left.map((x) => [x.id, x.state])).toEqual([
      [bad, 'rejected'],
      [forbidden, 'forbidden'],
    ]);
    expect(left[0]!.error?.message).toContain('7 is not a level');
    expect(server.records.has(a) && server.records.has(c)).toBe(true);

    // Later syncs do not send it again; a fix sends it as a new change.
    const pushes = server.pushes.length;
    await e.syncNow();
    expect(server.pushes.length).toBe(pushes);
    await updateObservation(db, bad, (d) => ({ ...d, scores: [{ indicator_key: 'respect', level: 4 }] }));
    await e.syncNow();
    expect(await db.outbox.where('id').equals(bad).count()).toBe(0);
    expect(server.records.get(bad)?.rev).toBe(1);
  });

  it('refreshes once on 401, and pauses without dropping anything when the refresh is refused', async () => {
    const e = engine();
    await signedIn(e);
    await saveObservation(db, uuidv7(), obs());
    server.expireAccessTokens();
    await e.syncNow();
    expect(server.refreshCalls).toBe(1);
    expect(await db.outbox.count()).toBe(0);

    const id = uuidv7();
    await saveObservation(db, id, obs());
    server.expireAccessTokens();
    server.refresh.clear();
    await e.syncNow();
    expect(e.status.phase).toBe('signed_out');
    expect(await db.outbox.count()).toBe(1);
    expect(await db.observations.get(id)).toBeDefined();
    expect(await e.session()).toBeUndefined();
    expect(await getMeta<boolean>(db, 'needs_sign_in')).toBe(true);

    await e.syncNow(); // still paused, still everything kept
    expect(await db.outbox.count()).toBe(1);

    await e.signIn('coach@demo.test', 'pw');
    await e.syncNow();
    expect(await db.outbox.count()).toBe(0);
    expect(server.records.get(id)?.rev).toBe(1);
  });

  it('keeps a single sign-on as a password sign-in is kept, and refuses a spent code with the outbox untouched', async () => {
    const e = engine();
    const id = uuidv7();
    await saveObservation(db, id, obs());
    server.ssoCodes.add('one-time');
    await e.signInWithCode('one-time');
    const s = await e.session();
    expect(s?.user.email).toBeDefined();
    expect(await getMeta(db, 'last_user')).toEqual(s?.user);
    await e.syncNow();
    expect(await db.outbox.count()).toBe(0);

    await e.signOut();
    await saveObservation(db, uuidv7(), obs());
    await expect(e.signInWithCode('one-time')).rejects.toMatchObject({ status: 401 });
    expect(await e.session()).toBeUndefined();
    expect(await db.outbox.count()).toBe(1);
  });

  it('keeps the local version as a conflicted copy beside the server’s, and resolves either way', async () => {
    const e = engine();
    await signedIn(e);
    const id = uuidv7();
    await saveObservation(db, id, obs(2, 'mine'));
    await e.syncNow();
    // Someone else (another device of the same observer) changes it on the server.
    server.put({ entity: 'observation', id, rev: 2, deleted: false, data: { ...obs(1, 'theirs') } });
    await db.outbox.clear();
    await updateObservation(db, id, (d) => ({ ...d, evidence: 'mine, edited' }));
    // Pull must not overwrite the local edit.
    await e.syncNow();
    const entry = (await db.outbox.toArray())[0]!;
    expect(entry.state).toBe('conflict');
    expect(entry.current?.rev).toBe(2);
    const row = await db.observations.get(id);
    expect(row?.data.evidence).toBe('mine, edited');
    expect((row?.conflict?.data as ObservationData).evidence).toBe('theirs');

    await resolveConflict(db, entry.seq!, 'mine');
    await e.syncNow();
    expect(await db.outbox.count()).toBe(0);
    expect(server.records.get(id)?.rev).toBe(3);
    expect((server.records.get(id)?.data as ObservationData).evidence).toBe('mine, edited');

    // And taking the server's version drops the local change.
    server.put({ entity: 'observation', id, rev: 4, deleted: false, data: { ...obs(1, 'theirs again') } });
    await updateObservation(db, id, (d) => ({ ...d, evidence: 'mine again' }));
    await e.syncNow();
    const again = (await db.outbox.toArray())[0]!;
    expect(again.state).toBe('conflict');
    await resolveConflict(db, again.seq!, 'theirs');
    expect(await db.outbox.count()).toBe(0);
    expect((await db.observations.get(id))?.data.evidence).toBe('theirs again');
  });

  it('retries a refused change as a new change on request', async () => {
    const e = engine();
    await signedIn(e);
    const id = uuidv7();
    await saveObservation(db, id, obs(9));
    await e.syncNow();
    const entry = (await db.outbox.toArray())[0]!;
    expect(entry.state).toBe('rejected');
    await retryEntry(db, entry.seq!);
    const retried = (await db.outbox.toArray())[0]!;
    expect(retried.state).toBe('pending');
    expect(retried.change_id).not.toBe(entry.change_id);
  });

  it('holds a change back while a record it names has an earlier change waiting: feedback goes after its observation’s submit', async () => {
    const e = engine();
    await signedIn(e);
    const id = uuidv7();
    // Offline, a draft was frozen by a send that failed; the submit and the share came after it.
    await saveObservation(db, id, obs());
    const first = (await db.outbox.toArray())[0]!;
    await db.outbox.update(first.seq!, { sent_at: Date.now(), base_rev: 0 });
    await updateObservation(db, id, (d) => ({ ...d, status: 'submitted' }));
    const fb = uuidv7();
    await saveFeedback(db, fb, { observation_id: id, shared: true, indicator_keys: ['respect'], share_evidence: true, strength: 'Clear', next_move: '', next_steps: [], read: false, reply: '' });
    await e.syncNow();
    expect(server.pushes.map((b) => b.map((c) => c.id))).toEqual([[id], [id, fb]]);
    expect(await db.outbox.count()).toBe(0);
  });

  it('sends batches within the server’s limits: 500 changes and 5 MiB', async () => {
    const e = engine();
    await signedIn(e);
    await db.transaction('rw', db.observations, db.outbox, async () => {
      for (let i = 0; i < 1100; i++) await queueChange(db, 'observation', uuidv7(), 'upsert', obs(2));
    });
    const big = 'x'.repeat(900 * 1024);
    for (let i = 0; i < 12; i++) await saveObservation(db, uuidv7(), obs(3, big));
    await e.syncNow();
    expect(await db.outbox.count()).toBe(0);
    expect(Math.max(...server.pushes.map((p) => p.length))).toBeLessThanOrEqual(500);
    expect(Math.max(...server.pushBytes)).toBeLessThanOrEqual(5 << 20);
    expect(server.pushes.length).toBeGreaterThanOrEqual(5);
    expect(new Set(server.seen).size).toBe(server.seen.length);
  }, 120_000);

  it('uploads a photo after the server has its observation', async () => {
    const e = engine();
    await signedIn(e);
    const id = uuidv7();
    await saveObservation(db, id, obs());
    const att = await addAttachment(db, id, new Blob([new Uint8Array([1, 2, 3])], { type: 'image/png' }));
    await e.syncNow();
    expect(server.attachments.get(att)).toEqual({
      type: 'image/png',
      sha: '039058c6f2c0cb492c533b0a4d14ef77cc0f78abccced5287d84a1a2011cfb81',
      size: 3,
    });
    expect((server.records.get(id)?.data as ObservationData).attachment_ids).toEqual([att]);
    expect((await db.attachments.get(att))?.uploaded).toBe(true);
  });
});

describe('two tabs', () => {
  it('never push the same change twice', async () => {
    const name = db.name;
    const other = new WalkthroughDB(name);
    await other.open();
    const a = engine(db);
    const b = engine(other);
    await signedIn(a);
    server.pushDelay = 20;
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 20; i++) await saveObservation(i % 2 ? db : other, uuidv7(), obs(2));
      await Promise.all([a.syncNow(), b.syncNow(), a.syncNow(), b.syncNow()]);
      // Whichever tab lost the lock catches up on its next run.
      await Promise.all([a.syncNow(), b.syncNow()]);
    }
    expect(await db.outbox.count()).toBe(0);
    expect(server.seen.length).toBe(100);
    expect(new Set(server.seen).size).toBe(100);
    other.close();
  });
});

describe('pull', () => {
  it('applies pages, follows more, deletes tombstones and starts over on 410', async () => {
    const e = new SyncEngine({ db, fetch: server.fetch, pullLimit: 2 });
    await signedIn(e);
    await e.syncNow();
    expect(await db.schools.count()).toBe(1);
    expect(await db.teachers.count()).toBe(1);
    expect(await db.rubricVersions.count()).toBe(1);

    server.put({ entity: 'teacher', id: 'teacher-1', rev: 2, deleted: true, data: undefined });
    server.put({ entity: 'walkthrough', id: 'w-1', rev: 1, deleted: false, data: { school_id: 'school-1' } });
    await e.syncNow();
    expect(await db.teachers.count()).toBe(0);
    expect(await db.walkthroughs.count()).toBe(1);

    // The device was away too long: the server answers 410 and the device re-reads a snapshot.
    server.compact();
    server.put({ entity: 'teacher', id: 'teacher-2', rev: 1, deleted: false, data: { school_id: 'school-1' } });
    await e.syncNow();
    expect(e.status.phase).toBe('idle');
    expect(await db.teachers.get('teacher-2'), JSON.stringify(e.status)).toBeDefined();
  });
});

describe('sync after a save', () => {
  function target() {
    const listeners = new Map<string, () => void>();
    return {
      addEventListener: ((type: string, fn: () => void) => void listeners.set(type, fn)) as unknown as Window['addEventListener'],
      removeEventListener: ((type: string) => void listeners.delete(type)) as unknown as Window['removeEventListener'],
      fire: (type: string) => listeners.get(type)?.(),
    };
  }
  const until = async (ok: () => boolean | Promise<boolean>, ms = 3000) => {
    const end = Date.now() + ms;
    while (!(await ok())) {
      if (Date.now() > end) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it('sends a save once the saves pause, with no press of sync', async () => {
    const e = new SyncEngine({ db, fetch: server.fetch, random: () => 0.5, debounce: 100 });
    await signedIn(e);
    const t = target();
    e.start(t);
    await until(() => e.status.phase === 'idle' && server.pulls.length > 0);
    const pushesBefore = server.pushes.length;
    const id = uuidv7();
    await saveObservation(db, id, obs(1));
    await updateObservation(db, id, (d) => ({ ...d, scores: [{ indicator_key: 'respect', level: 2 }] }));
    await updateObservation(db, id, (d) => ({ ...d, scores: [{ indicator_key: 'respect', level: 3 }] }));
    await until(async () => (await db.outbox.count()) === 0);
    e.stop();
    // Three quick saves travel in one push, the last version.
    expect(server.pushes.length - pushesBefore).toBe(1);
    expect(server.pushes.at(-1)![0]!.data).toMatchObject({ scores: [{ indicator_key: 'respect', level: 3 }] });
  });

  it('sends what waited offline when the device comes back online', async () => {
    const e = new SyncEngine({ db, fetch: server.fetch, random: () => 0.5, debounce: 50 });
    await signedIn(e);
    server.offline = true;
    const t = target();
    e.start(t);
    await saveObservation(db, uuidv7(), obs(2));
    await until(() => e.status.phase === 'offline');
    server.offline = false;
    t.fire('online');
    await until(async () => (await db.outbox.count()) === 0);
    e.stop();
  });
});

describe('discarding', () => {
  it('a draft the server never had leaves the device with its queued change; nothing is sent', async () => {
    const e = engine();
    await signedIn(e);
    const id = uuidv7();
    await saveObservation(db, id, obs(2));
    await discardObservation(db, id);
    expect(await db.observations.get(id)).toBeUndefined();
    expect(await db.outbox.count()).toBe(0);
    await e.syncNow();
    expect(server.pushes.flat().some((c) => c.id === id)).toBe(false);
  });

  it('a draft the server has is deleted there too', async () => {
    const e = engine();
    await signedIn(e);
    const id = uuidv7();
    await saveObservation(db, id, obs(2));
    await e.syncNow();
    expect((await db.observations.get(id))?.rev).toBe(1);
    await discardObservation(db, id);
    expect(await db.observations.get(id)).toBeUndefined();
    await e.syncNow();
    const last = server.pushes.flat().filter((c) => c.id === id).at(-1)!;
    expect(last).toMatchObject({ op: 'delete', base_rev: 1 });
    expect(await db.outbox.count()).toBe(0);
  });

  it('a refused change of a record the server never had goes with the record', async () => {
    const e = engine();
    await signedIn(e);
    const id = uuidv7();
    await saveObservation(db, id, obs(9));
    await e.syncNow();
    const refused = (await db.outbox.where('id').equals(id).first())!;
    expect(refused.state).toBe('rejected');
    await discardRefused(db, refused.seq!);
    expect(await db.outbox.count()).toBe(0);
    expect(await db.observations.get(id)).toBeUndefined();
  });
});
