import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { WalkthroughDB } from '../db/schema';
import type { NextStepData, StoredSession } from '../db/types';
import { uuidv7 } from '../db/uuid';
import { saveNextStep, setNextStepDone } from '../db/writes';
import { SyncEngine } from './engine';
import { FakeServer } from './fake-server';

let server: FakeServer;

async function device(): Promise<SyncEngine> {
  const db = new WalkthroughDB(`test-${uuidv7()}`);
  await db.open();
  const e = new SyncEngine({ db, fetch: server.fetch, random: () => 0.5 });
  const s = server.session();
  const stored: StoredSession = { access_token: s.access_token, refresh_token: s.refresh_token, expires_at: Date.now() + 900_000, user: s.user };
  await db.meta.put({ key: 'session', value: stored });
  return e;
}

const step: NextStepData = {
  walkthrough_id: 'walk-1',
  school_id: 'school-1',
  owner_id: 'owner-1',
  action: 'Plan two hinge questions',
  due_on: '2026-12-01',
  indicator_key: 'respect',
  done: false,
};

beforeEach(() => {
  server = new FakeServer();
});

describe('next steps through the outbox', () => {
  it('go from the lead to the owner, come back done, and keep the revision each side saw', async () => {
    const lead = await device();
    const owner = await device();
    const id = uuidv7();

    await saveNextStep(lead.db, id, step);
    expect(await lead.db.outbox.count()).toBe(1);
    await lead.syncNow();
    expect(server.pushes.at(-1)).toMatchObject([{ entity: 'next_step', id, base_rev: 0, data: step }]);
    expect(await lead.db.outbox.count()).toBe(0);
    expect((await lead.db.nextSteps.get(id))?.rev).toBe(1);

    await owner.syncNow();
    expect((await owner.db.nextSteps.get(id))?.data).toEqual(step);

    // Offline, the owner marks it done; a pull meanwhile keeps the local version.
    server.offline = true;
    await setNextStepDone(owner.db, id, true);
    await owner.syncNow();
    expect((await owner.db.nextSteps.get(id))?.data.done).toBe(true);
    server.offline = false;
    await owner.syncNow();
    expect(server.pushes.at(-1)).toMatchObject([{ entity: 'next_step', id, base_rev: 1, data: { ...step, done: true } }]);
    expect((await owner.db.nextSteps.get(id))?.rev).toBe(2);
    expect(await owner.db.outbox.count()).toBe(0);

    await lead.syncNow();
    const back = await lead.db.nextSteps.get(id);
    expect(back?.rev).toBe(2);
    expect(back?.data.done).toBe(true);
  });

  it('keeps a local change over an older server version until it is pushed', async () => {
    const owner = await device();
    const id = uuidv7();
    server.put({ entity: 'next_step', id, rev: 1, deleted: false, data: step });
    await owner.syncNow();
    await setNextStepDone(owner.db, id, true);
    // Another change on the server meanwhile: the push meets a conflict, and the local "done" is kept for the user to resolve.
    server.put({ entity: 'next_step', id, rev: 2, deleted: false, data: { ...step, action: 'Plan three hinge questions' } });
    await owner.syncNow();
    const entry = (await owner.db.outbox.toArray())[0];
    expect(entry?.state).toBe('conflict');
    expect((await owner.db.nextSteps.get(id))?.data.done).toBe(true);
  });
});
