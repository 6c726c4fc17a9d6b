// Local writes. Each one puts the record and its outbox entry in ONE Dexie
// transaction: either both are on the device or neither is.
import type { EntityTable } from 'dexie';
import { type OutboxEntry, type ObservationRow, type RefRow, type WalkthroughDB } from './schema';
import type { ActivityData, CycleData, FollowUpData, NextStepData, ObservationData, SupportRequestData, WalkthroughData, WritableEntity, FeedbackData } from './types';
import { uuidv7 } from './uuid';

/**
 * Queues a change for a record inside the caller's transaction. A change that
 * was never sent is replaced in place (the latest data wins, one change per
 * record while offline); once a change has been sent its bytes are frozen, so
 * a new change is queued after it.
 */
export async function queueChange(
  db: WalkthroughDB,
  entity: WritableEntity,
  id: string,
  op: 'upsert' | 'delete',
  data: unknown,
  now = Date.now(),
): Promise<void> {
  const existing = await db.outbox.where('id').equals(id).toArray();
  // A change never sent, or one the server refused (rejected, forbidden: it
  // was not applied), is replaced by the edit.
  const open = existing
    .filter((e) => (e.state === 'pending' && e.sent_at === undefined) || e.state === 'rejected' || e.state === 'forbidden')
    .pop();
  if (open !== undefined && open.seq !== undefined) {
    const next: OutboxEntry = { ...open, change_id: uuidv7(now), op, data, state: 'pending', updated_at: now, attempts: 0 };
    delete next.sent_at;
    delete next.base_rev;
    delete next.error;
    delete next.current;
    await db.outbox.put(next);
    return;
  }
  const conflicted = existing.find((e) => e.state === 'conflict' && e.sent_at !== undefined);
  if (conflicted !== undefined && conflicted.seq !== undefined) {
    // Edits while in conflict change "mine"; the user still chooses.
    await db.outbox.update(conflicted.seq, { data, updated_at: now });
    return;
  }
  const entry: OutboxEntry = {
    change_id: uuidv7(now),
    entity,
    op,
    id,
    data,
    state: 'pending',
    created_at: now,
    updated_at: now,
    attempts: 0,
  };
  await db.outbox.add(entry);
}

/** Saves an observation (every tap) and queues it, in one transaction. */
export async function saveObservation(db: WalkthroughDB, id: string, data: ObservationData, now = Date.now()): Promise<void> {
  await db.transaction('rw', db.observations, db.outbox, async () => {
    const cur = await db.observations.get(id);
    const row: ObservationRow = { id, rev: cur?.rev ?? 0, data, updated_at: now };
    if (cur?.conflict !== undefined) row.conflict = cur.conflict;
    await db.observations.put(row);
    await queueChange(db, 'observation', id, 'upsert', data, now);
  });
}

/** Changes part of an observation, read and written in one transaction. */
export async function updateObservation(
  db: WalkthroughDB,
  id: string,
  change: (d: ObservationData) => ObservationData,
  now = Date.now(),
): Promise<ObservationData> {
  return db.transaction('rw', db.observations, db.outbox, async () => {
    const cur = await db.observations.get(id);
    if (cur === undefined) throw new Error(`no observation ${id} on this device`);
    const data = change(structuredClone(cur.data));
    await db.observations.put({ ...cur, data, updated_at: now });
    await queueChange(db, 'observation', id, 'upsert', data, now);
    return data;
  });
}

/** Starts a walkthrough on this device and queues it. */
export async function saveWalkthrough(db: WalkthroughDB, id: string, data: WalkthroughData, now = Date.now()): Promise<void> {
  await db.transaction('rw', db.walkthroughs, db.outbox, async () => {
    const cur = await db.walkthroughs.get(id);
    await db.walkthroughs.put({ id, rev: cur?.rev ?? 0, data, local: true });
    await queueChange(db, 'walkthrough', id, 'upsert', data, now);
  });
}

/** Writes a record of a plain entity (no local-only fields) on the device and queues it, in one transaction. */
async function saveRecord<T>(db: WalkthroughDB, table: EntityTable<RefRow<T>, 'id'>, entity: WritableEntity, id: string, data: T, now: number): Promise<void> {
  await db.transaction('rw', table, db.outbox, async () => {
    const cur = await table.get(id);
    const row: RefRow<T> = { id, rev: cur?.rev ?? 0, data };
    await table.put(row as Parameters<typeof table.put>[0]);
    await queueChange(db, entity, id, 'upsert', data, now);
  });
}

/**
 * Opens or changes a cycle of support on this device (complete it with its
 * outcome, reopen it, abandon it) and queues the change.
 */
export function saveCycle(db: WalkthroughDB, id: string, data: CycleData, now = Date.now()): Promise<void> {
  return saveRecord(db, db.cycles, 'cycle', id, data, now);
}

/** Records a next step (the debrief's lead) and queues it. */
export function saveNextStep(db: WalkthroughDB, id: string, data: NextStepData, now = Date.now()): Promise<void> {
  return saveRecord(db, db.nextSteps, 'next_step', id, data, now);
}

/** Marks a next step done (or open again) on the device and queues the change. */
export async function setNextStepDone(db: WalkthroughDB, id: string, done: boolean, now = Date.now()): Promise<void> {
  await db.transaction('rw', db.nextSteps, db.outbox, async () => {
    const cur = await db.nextSteps.get(id);
    if (cur === undefined) throw new Error(`no next step ${id} on this device`);
    const data = { ...cur.data, done };
    await db.nextSteps.put({ ...cur, data });
    await queueChange(db, 'next_step', id, 'upsert', data, now);
  });
}

/** Schedules or changes a follow-up on this device and queues it. */
export function saveFollowUp(db: WalkthroughDB, id: string, data: FollowUpData, now = Date.now()): Promise<void> {
  return saveRecord(db, db.followUps, 'follow_up', id, data, now);
}

/** Asks for coaching support (or withdraws the request) on this device and queues it. */
export function saveSupportRequest(db: WalkthroughDB, id: string, data: SupportRequestData, now = Date.now()): Promise<void> {
  return saveRecord(db, db.supportRequests, 'support_request', id, data, now);
}

/** Shares an observation with the teacher (or changes or unshares it) on this device and queues it; the teacher's read, reply and steps done go the same way. */
export function saveFeedback(db: WalkthroughDB, id: string, data: FeedbackData, now = Date.now()): Promise<void> {
  return saveRecord(db, db.feedback, 'feedback', id, data, now);
}

/** Logs a support activity on this device and queues it. */
export function saveActivity(db: WalkthroughDB, id: string, data: ActivityData, now = Date.now()): Promise<void> {
  return saveRecord(db, db.cycleActivities, 'cycle_activity', id, data, now);
}

export async function sha256Hex(blob: Blob): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return Array.from(new Uint8Array(digest), (x) => x.toString(16).padStart(2, '0')).join('');
}

/**
 * Keeps a photo of student work with its observation: the blob, the id in
 * attachment_ids, and the queued change, in one transaction. The sync loop
 * uploads the bytes once the server has the observation.
 */
export async function addAttachment(db: WalkthroughDB, observationId: string, blob: Blob, now = Date.now()): Promise<string> {
  const sha256 = await sha256Hex(blob);
  const id = uuidv7(now);
  await db.transaction('rw', db.observations, db.outbox, db.attachments, async () => {
    const cur = await db.observations.get(observationId);
    if (cur === undefined) throw new Error(`no observation ${observationId} on this device`);
    const data = structuredClone(cur.data);
    data.attachment_ids = [...(data.attachment_ids ?? []), id];
    await db.attachments.add({
      id,
      observation_id: observationId,
      blob,
      content_type: blob.type || 'image/jpeg',
      sha256,
      uploaded: false,
      created_at: now,
    });
    await db.observations.put({ ...cur, data, updated_at: now });
    await queueChange(db, 'observation', observationId, 'upsert', data, now);
  });
  return id;
}

/** Puts a change that was refused back in the queue as a new change. */
export async function retryEntry(db: WalkthroughDB, seq: number, now = Date.now()): Promise<void> {
  await db.transaction('rw', db.outbox, async () => {
    const e = await db.outbox.get(seq);
    if (e === undefined || e.state === 'pending') return;
    const next: OutboxEntry = { ...e, change_id: uuidv7(now), state: 'pending', updated_at: now, attempts: 0 };
    delete next.error;
    delete next.current;
    delete next.sent_at;
    delete next.base_rev;
    await db.outbox.put(next);
  });
}

/**
 * Resolves a conflict. "mine" pushes the device's version again on top of the
 * server's rev; "theirs" takes the server's version and drops the local change.
 */
export async function resolveConflict(db: WalkthroughDB, seq: number, keep: 'mine' | 'theirs', now = Date.now()): Promise<void> {
  await db.transaction('rw', [db.outbox, db.observations, db.walkthroughs, db.nextSteps], async () => {
    const e = await db.outbox.get(seq);
    if (e === undefined || e.state !== 'conflict' || e.current === undefined) return;
    const current = e.current;
    if (keep === 'mine') {
      const next: OutboxEntry = {
        ...e,
        change_id: uuidv7(now),
        state: 'pending',
        base_rev: current.rev,
        updated_at: now,
        attempts: 0,
      };
      delete next.error;
      delete next.current;
      delete next.sent_at;
      await db.outbox.put(next);
    } else {
      await db.outbox.delete(seq);
    }
    if (e.entity === 'observation') {
      const row = await db.observations.get(e.id);
      if (row !== undefined) {
        const next: ObservationRow = { ...row, rev: current.rev };
        delete next.conflict;
        if (keep === 'theirs' && current.data !== undefined) next.data = current.data as ObservationData;
        await db.observations.put(next);
      }
    } else if (e.entity === 'next_step') {
      const row = await db.nextSteps.get(e.id);
      if (row !== undefined) {
        await db.nextSteps.put(
          keep === 'theirs' && current.data !== undefined ? { id: row.id, rev: current.rev, data: current.data as NextStepData } : { ...row, rev: current.rev },
        );
      }
    } else if (e.entity === 'walkthrough') {
      const row = await db.walkthroughs.get(e.id);
      if (row !== undefined) {
        await db.walkthroughs.put(
          keep === 'theirs' && current.data !== undefined
            ? { id: row.id, rev: current.rev, data: current.data as WalkthroughData }
            : { ...row, rev: current.rev },
        );
      }
    }
  });
}

/** Everything not yet on the server, as one JSON document the user can keep. */
export async function exportUnsynced(db: WalkthroughDB, now = Date.now()): Promise<string> {
  const outbox = await db.outbox.toArray();
  const ids = new Set(outbox.map((e) => e.id));
  const observations = (await db.observations.toArray()).filter((o) => ids.has(o.id) || o.rev === 0);
  const attachments = [];
  for (const a of (await db.attachments.toArray()).filter((a) => !a.uploaded)) {
    const bytes = new Uint8Array(await a.blob.arrayBuffer());
    let bin = '';
    for (const x of bytes) bin += String.fromCharCode(x);
    attachments.push({ id: a.id, observation_id: a.observation_id, content_type: a.content_type, sha256: a.sha256, base64: btoa(bin) });
  }
  await db.meta.put({ key: 'exported_at', value: now });
  return JSON.stringify({ exported_at: new Date(now).toISOString(), outbox, observations, attachments }, null, 2);
}

/** Whether anything on this device has not reached the server. */
export async function unsyncedCount(db: WalkthroughDB): Promise<number> {
  return (await db.outbox.count()) + (await db.attachments.filter((a) => !a.uploaded).count());
}

/**
 * Discards a draft observation. One the server never had goes from the device
 * with its queued change and photos; one the server has is deleted there too
 * (a delete is queued at the rev this device last saw).
 */
export async function discardObservation(db: WalkthroughDB, id: string, now = Date.now()): Promise<void> {
  await db.transaction('rw', db.observations, db.outbox, db.attachments, async () => {
    const cur = await db.observations.get(id);
    if (cur === undefined) return;
    const entries = await db.outbox.where('id').equals(id).toArray();
    const inDoubt = entries.some((e) => e.sent_at !== undefined);
    await db.attachments.where('observation_id').equals(id).delete();
    await db.observations.delete(id);
    if (cur.rev === 0 && !inDoubt) {
      await db.outbox.where('id').equals(id).delete();
      return;
    }
    await queueChange(db, 'observation', id, 'delete', undefined, now);
    const queued = (await db.outbox.where('id').equals(id).toArray()).find((e) => e.state === 'pending' && e.sent_at === undefined);
    if (queued?.seq !== undefined) await db.outbox.update(queued.seq, { base_rev: cur.rev });
  });
}

/**
 * Discards a change the server refused: the change leaves the outbox and the
 * device's copy goes back to the server's version (the one the refusal
 * carried), or goes altogether when the server never had the record.
 */
export async function discardRefused(db: WalkthroughDB, seq: number): Promise<void> {
  await db.transaction('rw', [db.outbox, db.observations, db.walkthroughs, db.nextSteps, db.followUps, db.cycles, db.cycleActivities, db.supportRequests, db.feedback, db.attachments], async () => {
    const e = await db.outbox.get(seq);
    if (e === undefined || e.state === 'pending') return;
    await db.outbox.delete(seq);
    if ((await db.outbox.where('id').equals(e.id).count()) > 0) return;
    const table =
      e.entity === 'observation'
        ? db.observations
        : e.entity === 'walkthrough'
          ? db.walkthroughs
          : e.entity === 'next_step'
            ? db.nextSteps
            : e.entity === 'follow_up'
              ? db.followUps
              : e.entity === 'cycle'
                ? db.cycles
              : e.entity === 'cycle_activity'
                ? db.cycleActivities
                : e.entity === 'support_request'
                  ? db.supportRequests
                  : e.entity === 'feedback'
                    ? db.feedback
                    : undefined;
    if (table === undefined) return;
    const row = (await table.get(e.id)) as { rev: number } | undefined;
    if (row === undefined) return;
    const current = e.current;
    if (current !== undefined && !current.deleted && current.data !== undefined) {
      const next = { ...row, rev: current.rev, data: current.data } as Record<string, unknown>;
      delete next['local'];
      delete next['conflict'];
      await (table as unknown as { put(r: unknown): Promise<unknown> }).put(next);
    } else if (row.rev === 0 || current?.deleted === true) {
      await table.delete(e.id);
      if (e.entity === 'observation') await db.attachments.where('observation_id').equals(e.id).delete();
    }
  });
}
