import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { WalkthroughDB, getMeta, type RefreshedNote } from '../db/schema';
import type { ObservationData, StoredSession } from '../db/types';
import { uuidv7 } from '../db/uuid';
import { addAttachment, saveObservation, saveWalkthrough, updateObservation } from '../db/writes';
import { SyncEngine } from './engine';
import { FakeServer } from './fake-server';

let db: WalkthroughDB;
let server: FakeServer;

async function device(pullLimit = 500): Promise<SyncEngine> {
  const e = new SyncEngine({ db, fetch: server.fetch, random: () => 0.5, pullLimit });
  const s = server.session();
  const stored: StoredSession = { access_token: s.access_token, refresh_token: s.refresh_token, expires_at: Date.now() + 900_000, user: s.user };
  await db.meta.put({ key: 'session', value: stored });
  return e;
}

function obs(school: string, teacher: string, level = 3): ObservationData {
  return {
    school_id: school,
    teacher_id: teacher,
    rubric_version_id: 'rubric-1',
    kind: 'classroom',
    started_at: new Date().toISOString(),
    status: 'submitted',
    scores: [{ indicator_key: 'respect', level }],
  };
}

/** A second school with a teacher, a walkthrough, a cycle, a follow-up and the user's own observation there. */
function secondSchool() {
  server.put({ entity: 'school', id: 'school-2', rev: 1, deleted: false, data: { name: 'Birch Lane', active: true } });
  server.put({ entity: 'teacher', id: 'teacher-2', rev: 1, deleted: false, data: { school_id: 'school-2', given_name: 'Ben', family_name: 'Okafor', grades: ['5'], subjects: ['Science'], active: true } });
  server.put({ entity: 'walkthrough', id: 'walk-2', rev: 1, deleted: false, data: { school_id: 'school-2', rubric_version_id: 'rubric-1', kind: 'classroom', date: '2026-11-02', team: ['user-1'], focus: [] } });
  server.put({ entity: 'cycle', id: 'cycle-2', rev: 1, deleted: false, data: { school_id: 'school-2', coach_id: 'user-1', teacher_ids: ['teacher-2'], focus_indicator_key: 'respect', status: 'active' } });
  server.put({ entity: 'follow_up', id: 'follow-2', rev: 1, deleted: false, data: { cycle_id: 'cycle-2', school_id: 'school-2', teacher_id: 'teacher-2', starts_at: '2026-11-20T14:00:00Z', ends_at: '2026-11-20T14:30:00Z', observer_ids: ['user-1'], status: 'scheduled' } });
  server.put({ entity: 'observation', id: 'obs-2', rev: 1, deleted: false, data: obs('school-2', 'teacher-2') });
}

async function ids(table: { toCollection(): { primaryKeys(): Promise<unknown[]> } }): Promise<string[]> {
  return ((await table.toCollection().primaryKeys()) as string[]).sort();
}

beforeEach(async () => {
  db = new WalkthroughDB(`test-${uuidv7()}`);
  await db.open();
  server = new FakeServer();
});

describe('a snapshot after 410', () => {
  it('replaces the reference data when a school is taken away, keeps the outbox and shows refused changes with their reason', async () => {
    secondSchool();
    const e = await device(2);
    await e.syncNow();
    expect(await ids(db.schools)).toEqual(['school-1', 'school-2']);
    expect(await ids(db.observations)).toEqual(['obs-2']);

    // Offline, the user observes at school-2; an administrator then takes
    // school-2 away.
    const queued = uuidv7();
    await saveObservation(db, queued, obs('school-2', 'teacher-2'));
    server.setSchools(['school-1']);
    await e.syncNow();
    expect(e.status.phase).toBe('idle');

    expect(await ids(db.schools)).toEqual(['school-1']);
    expect(await ids(db.teachers)).toEqual(['teacher-1']);
    expect(await ids(db.rubricVersions)).toEqual(['rubric-1']);
    expect(await db.walkthroughs.count()).toBe(0);
    expect(await db.cycles.count()).toBe(0);
    expect(await db.followUps.count()).toBe(0);
    // The refused change stays, with its record and the server's reason.
    expect(await ids(db.observations)).toEqual([queued]);
    const [entry, ...rest] = await db.outbox.toArray();
    expect(rest).toHaveLength(0);
    expect(entry).toMatchObject({ id: queued, state: 'rejected', error: { code: 'out_of_scope', message: 'the school is not one you observe at' } });

    const note = await getMeta<RefreshedNote>(db, 'refreshed');
    expect(note?.removed).toBe(6);
    expect(note?.reason).toContain('schools or roles');
    expect(await getMeta(db, 'snapshot')).toBeUndefined();
    expect(await db.snapshotSeen.count()).toBe(0);

    // The next sync pulls on from the new cursor: no second snapshot.
    const pulls = server.pulls.length;
    await e.syncNow();
    expect(server.pulls.slice(pulls)).not.toContain('');
  });

  it('brings a gained school’s older records', async () => {
    secondSchool();
    server.setSchools(['school-1']);
    const e = await device();
    await e.syncNow();
    expect(await ids(db.schools)).toEqual(['school-1']);
    server.setSchools(['school-1', 'school-2']);
    await e.syncNow();
    expect(await ids(db.schools)).toEqual(['school-1', 'school-2']);
    expect(await ids(db.teachers)).toEqual(['teacher-1', 'teacher-2']);
    expect(await ids(db.observations)).toEqual(['obs-2']);
    expect((await getMeta<RefreshedNote>(db, 'refreshed'))?.removed).toBe(0);
  });

  it('keeps records whose changes wait in the outbox, and local drafts, whatever the snapshot says', async () => {
    secondSchool();
    const e = await device(2);
    await e.syncNow();
    server.setSchools(['school-1']);
    // The user goes on working while the snapshot comes in: an edit of the
    // observation at school-2, a walkthrough started there, a photo.
    let once = false;
    let walk = '';
    server.onPull = async (cursor) => {
      if (cursor !== '' || once) return;
      once = true;
      await updateObservation(db, 'obs-2', (d) => ({ ...d, evidence: 'added while syncing' }));
      walk = uuidv7();
      await saveWalkthrough(db, walk, { school_id: 'school-2', rubric_version_id: 'rubric-1', kind: 'classroom', date: '2026-11-23', team: ['user-1'], focus: [] });
      await addAttachment(db, 'obs-2', new Blob([new Uint8Array([1])], { type: 'image/png' }));
    };
    await e.syncNow();
    expect(once).toBe(true);
    expect((await db.observations.get('obs-2'))?.data.evidence).toBe('added while syncing');
    expect((await db.walkthroughs.get(walk))?.local).toBe(true);
    expect(await db.attachments.count()).toBe(1);
    expect(await ids(db.teachers)).toEqual(['teacher-1']);
    expect((await db.outbox.toArray()).map((x) => x.id).sort()).toEqual(['obs-2', walk].sort());
  });

  it('after compaction (the device was away too long) keeps the outbox and refused drafts', async () => {
    const e = await device();
    await e.syncNow();
    const bad = uuidv7();
    await saveObservation(db, bad, obs('school-1', 'teacher-1', 9)); // off the scale: rejected, kept for the user
    server.put({ entity: 'teacher', id: 'teacher-1', rev: 2, deleted: true, data: undefined });
    server.compact();
    await e.syncNow();
    expect(await db.teachers.count()).toBe(0);
    expect((await db.outbox.toArray()).map((x) => [x.id, x.state])).toEqual([[bad, 'rejected']]);
    expect(await db.observations.get(bad)).toBeDefined();
    expect((await getMeta<RefreshedNote>(db, 'refreshed'))?.reason).toContain('away longer');
  });

  it('deletes nothing when it is interrupted, and finishes at the next sync from where it stopped', async () => {
    secondSchool();
    const e = await device(2);
    await e.syncNow();
    server.setSchools(['school-1']);
    server.pullPagesLeft = 2; // the 410 and one page of the snapshot, then the connection drops
    await e.syncNow();
    expect(e.status.phase).toBe('offline');
    expect(await ids(db.schools)).toEqual(['school-1', 'school-2']);
    expect(await ids(db.teachers)).toEqual(['teacher-1', 'teacher-2']);
    expect(await ids(db.observations)).toEqual(['obs-2']);
    expect(await getMeta(db, 'snapshot')).toBeDefined();
    expect(await db.snapshotSeen.count()).toBeGreaterThan(0);
    expect(await getMeta(db, 'refreshed')).toBeUndefined();

    // A reload in between changes nothing: the state is in IndexedDB.
    const again = new SyncEngine({ db: new WalkthroughDB(db.name), fetch: server.fetch, random: () => 0.5, pullLimit: 2 });
    server.pullPagesLeft = undefined;
    const pulls = server.pulls.length;
    await again.syncNow();
    expect(server.pulls[pulls]).not.toBe('');
    expect(await ids(db.schools)).toEqual(['school-1']);
    expect(await ids(db.teachers)).toEqual(['teacher-1']);
    expect(await db.observations.count()).toBe(0);
    expect(await getMeta(db, 'snapshot')).toBeUndefined();
    expect((await getMeta<RefreshedNote>(db, 'refreshed'))?.removed).toBe(6);
  });
});
