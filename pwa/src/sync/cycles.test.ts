import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { WalkthroughDB } from '../db/schema';
import type { CycleData, FollowUpData, StoredSession } from '../db/types';
import { uuidv7 } from '../db/uuid';
import { saveActivity, saveCycle, saveFollowUp } from '../db/writes';
import { SyncEngine } from './engine';
import { FakeServer } from './fake-server';

let db: WalkthroughDB;
let server: FakeServer;
let e: SyncEngine;

beforeEach(async () => {
  db = new WalkthroughDB(`test-${uuidv7()}`);
  await db.open();
  server = new FakeServer();
  e = new SyncEngine({ db, fetch: server.fetch, random: () => 0.5 });
  const s = server.session();
  const stored: StoredSession = { access_token: s.access_token, refresh_token: s.refresh_token, expires_at: Date.now() + 900_000, user: s.user };
  await db.meta.put({ key: 'session', value: stored });
});

function followUp(start: string): FollowUpData {
  const s = Date.parse(start);
  return { cycle_id: 'cycle-1', teacher_id: 'teacher-1', starts_at: new Date(s).toISOString(), ends_at: new Date(s + 1_800_000).toISOString(), observer_ids: ['me'], status: 'scheduled' };
}

describe('follow-ups and activities from the device', () => {
  it('a follow-up moved after it synced is pushed on the revision the device holds', async () => {
    const id = uuidv7();
    await saveFollowUp(db, id, followUp('2026-10-06T14:00:00Z'));
    await e.syncNow();
    expect(await db.outbox.count()).toBe(0);
    expect((await db.followUps.get(id))?.rev).toBe(1);

    await saveFollowUp(db, id, followUp('2026-10-07T14:00:00Z'));
    const pushed = server.pushes.length;
    await e.syncNow();
    const change = server.pushes[pushed]!.find((c) => c.id === id)!;
    expect(change.base_rev).toBe(1);
    expect(await db.outbox.count()).toBe(0);
    expect((await db.followUps.get(id))?.data.starts_at).toBe('2026-10-07T14:00:00.000Z');
    expect((await db.followUps.get(id))?.rev).toBe(2);
  });

  it('a pull does not overwrite a follow-up whose change waits in the outbox; the conflict keeps both', async () => {
    const id = uuidv7();
    server.put({ entity: 'follow_up', id, rev: 1, deleted: false, data: followUp('2026-10-06T14:00:00Z') });
    await e.syncNow();
    expect((await db.followUps.get(id))?.rev).toBe(1);
    // Moved on this device, and meanwhile on the server by someone else.
    await saveFollowUp(db, id, followUp('2026-10-08T14:00:00Z'));
    server.put({ entity: 'follow_up', id, rev: 2, deleted: false, data: followUp('2026-10-09T14:00:00Z') });
    await e.syncNow();
    expect((await db.followUps.get(id))?.data.starts_at).toBe('2026-10-08T14:00:00.000Z');
    const [entry] = await db.outbox.toArray();
    expect(entry?.state).toBe('conflict');
    expect((entry?.current?.data as FollowUpData).starts_at).toBe('2026-10-09T14:00:00.000Z');
  });

  it('an activity logged offline syncs once', async () => {
    const act = uuidv7();
    server.offline = true;
    await saveActivity(db, act, { cycle_id: 'cycle-1', kind: 'modeling', occurred_on: '2026-10-01' });
    await e.syncNow();
    expect(await db.outbox.count()).toBe(1);
    server.offline = false;
    await e.syncNow();
    expect(await db.outbox.count()).toBe(0);
    expect((await db.cycleActivities.get(act))?.rev).toBe(1);
    expect(server.records.get(act)?.data).toMatchObject({ kind: 'modeling' });
  });

  it('a cycle completed offline is pushed once, on the revision the device pulled, and keeps its outcome', async () => {
    const id = uuidv7();
    const open: CycleData = { school_id: 's', coach_id: 'me', teacher_ids: ['teacher-1'], focus_indicator_key: 'k', status: 'active', started_on: '2026-10-01' };
    server.put({ entity: 'cycle', id, rev: 3, deleted: false, data: open });
    await e.syncNow();
    expect((await db.cycles.get(id))?.rev).toBe(3);
    server.offline = true;
    await saveCycle(db, id, { ...open, status: 'completed', outcome: 'seen', outcome_evidence: 'seen twice', ended_on: '2026-11-02' });
    await e.syncNow();
    expect(await db.outbox.count()).toBe(1);
    server.offline = false;
    const pushed = server.pushes.length;
    await e.syncNow();
    const change = server.pushes[pushed]!.find((c) => c.id === id)!;
    expect(change).toMatchObject({ entity: 'cycle', base_rev: 3 });
    expect(await db.outbox.count()).toBe(0);
    expect((await db.cycles.get(id))?.rev).toBe(4);
    expect((await db.cycles.get(id))?.data).toMatchObject({ status: 'completed', outcome: 'seen' });
  });
});
