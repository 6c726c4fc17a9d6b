import 'fake-indexeddb/auto';
import { beforeEach, describe, expect, it } from 'vitest';
import { WalkthroughDB } from '../db/schema';
import type { StoredSession, SupportRequestData } from '../db/types';
import { uuidv7 } from '../db/uuid';
import { saveSupportRequest } from '../db/writes';
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

const asked: SupportRequestData = {
  school_id: 'school-1',
  teacher_ids: ['teacher-1'],
  indicator_keys: ['respect'],
  reason: 'Little student talk in two visits',
  source: 'teacher_view',
  status: 'open',
};

beforeEach(() => {
  server = new FakeServer();
});

describe('support requests through the outbox', () => {
  it('are asked offline, sent once online, and come back assigned', async () => {
    const principal = await device();
    const id = uuidv7();
    server.offline = true;
    await saveSupportRequest(principal.db, id, asked);
    await principal.syncNow();
    expect(await principal.db.outbox.count()).toBe(1);
    expect((await principal.db.supportRequests.get(id))?.data).toEqual(asked);

    server.offline = false;
    await principal.syncNow();
    expect(server.pushes.at(-1)).toMatchObject([{ entity: 'support_request', id, base_rev: 0, data: asked }]);
    expect(await principal.db.outbox.count()).toBe(0);
    expect((await principal.db.supportRequests.get(id))?.rev).toBe(1);

    // Whoever assigns coaches decides on the server; the requester's device learns the status.
    server.put({ entity: 'support_request', id, rev: 2, deleted: false, data: { ...asked, status: 'assigned', coach_id: 'coach-1' } });
    await principal.syncNow();
    const back = await principal.db.supportRequests.get(id);
    expect(back?.rev).toBe(2);
    expect(back?.data.status).toBe('assigned');
    expect(back?.data.coach_id).toBe('coach-1');
  });
});
