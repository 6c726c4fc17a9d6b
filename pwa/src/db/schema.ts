// The device's database. Every write lands here first; the screens read from
// here; the sync engine (src/sync) moves it to and from the server.
import { Dexie, type EntityTable } from 'dexie';
import type {
  ActivityData,
  ChangeProblem,
  CycleData,
  FollowUpData,
  NextStepData,
  ObservationData,
  FrameworkData,
  RubricVersionData,
  SchoolData,
  ServerRecord,
  SupportRequestData,
  FeedbackData,
  TeacherData,
  WalkthroughData,
  WritableEntity,
} from './types';

/** Reference data from pull, kept as the server sent it. */
export interface RefRow<T> {
  id: string;
  rev: number;
  data: T;
}

/** A walkthrough: from pull, or started on this device. */
export interface WalkthroughRow extends RefRow<WalkthroughData> {
  /** Set when this device wrote it and the server has not answered yet. */
  local?: boolean;
}

/** The user's own observation: a draft or submitted, synced or not. */
export interface ObservationRow {
  id: string;
  /** The server's rev this device last saw: 0 when the server never had it. */
  rev: number;
  data: ObservationData;
  /** Epoch ms of the last local edit. */
  updated_at: number;
  /** The server's version when a push came back "conflict": shown beside ours. */
  conflict?: ServerRecord<ObservationData>;
}

export type OutboxState = 'pending' | 'rejected' | 'forbidden' | 'conflict' | 'gone';

/** One queued change. It leaves the outbox only when the server answered applied or duplicate. */
export interface OutboxEntry {
  seq?: number;
  change_id: string;
  entity: WritableEntity;
  op: 'upsert' | 'delete';
  /** The record's id. */
  id: string;
  /** Fixed when the change is first sent, so a retry is byte-for-byte the same change. */
  base_rev?: number;
  data?: unknown;
  state: OutboxState;
  /** The server's reason for rejected, forbidden, conflict and gone. */
  error?: ChangeProblem;
  /** The server's record, for a conflict. */
  current?: ServerRecord;
  created_at: number;
  updated_at: number;
  /** Epoch ms of the first send; a sent change is never edited again (a new one is queued). */
  sent_at?: number;
  attempts: number;
}

/** A photo of student work waiting to be uploaded (PUT /attachments/{id}). */
export interface AttachmentRow {
  id: string;
  observation_id: string;
  blob: Blob;
  content_type: string;
  sha256: string;
  uploaded: boolean;
  error?: string;
  created_at: number;
}

export interface MetaRow {
  key: string;
  value: unknown;
}

/** A record a snapshot in progress has handed out, keyed `entity/id`. */
export interface SeenRow {
  key: string;
}

/** Meta `snapshot`: present while a snapshot (a pull from the empty cursor) is in progress. */
export interface SnapshotState {
  started_at: number;
  /** Why: the server's reason for its 410, or absent for a device's first snapshot. */
  reason?: string;
}

/** Meta `refreshed`: the device replaced its data with a snapshot after a 410, until the user dismisses the note. */
export interface RefreshedNote {
  at: number;
  /** Records removed because the snapshot no longer had them. */
  removed: number;
  reason: string;
}

export class WalkthroughDB extends Dexie {
  schools!: EntityTable<RefRow<SchoolData>, 'id'>;
  teachers!: EntityTable<RefRow<TeacherData>, 'id'>;
  rubricVersions!: EntityTable<RefRow<RubricVersionData>, 'id'>;
  frameworks!: EntityTable<RefRow<FrameworkData>, 'id'>;
  walkthroughs!: EntityTable<WalkthroughRow, 'id'>;
  followUps!: EntityTable<RefRow<FollowUpData>, 'id'>;
  cycles!: EntityTable<RefRow<CycleData>, 'id'>;
  cycleActivities!: EntityTable<RefRow<ActivityData>, 'id'>;
  nextSteps!: EntityTable<RefRow<NextStepData>, 'id'>;
  supportRequests!: EntityTable<RefRow<SupportRequestData>, 'id'>;
  feedback!: EntityTable<RefRow<FeedbackData>, 'id'>;
  observations!: EntityTable<ObservationRow, 'id'>;
  outbox!: EntityTable<OutboxEntry, 'seq'>;
  attachments!: EntityTable<AttachmentRow, 'id'>;
  meta!: EntityTable<MetaRow, 'key'>;
  snapshotSeen!: EntityTable<SeenRow, 'key'>;

  constructor(name = 'walkthrough') {
    super(name);
    this.version(1).stores({
      schools: 'id',
      teachers: 'id, data.school_id',
      rubricVersions: 'id',
      walkthroughs: 'id, data.date',
      followUps: 'id, data.starts_at',
      cycles: 'id',
      cycleActivities: 'id',
      nextSteps: 'id',
      observations: 'id, updated_at, data.walkthrough_id',
      outbox: '++seq, &change_id, id, state',
      attachments: 'id, observation_id',
      meta: 'key',
    });
    // Cycles of support: a cycle's activities and follow-ups by cycle.
    this.version(2).stores({
      followUps: 'id, data.starts_at, data.cycle_id',
      cycleActivities: 'id, data.cycle_id',
    });
    // Snapshots replace the reference data: the records a snapshot in
    // progress has handed out, kept until its last page (src/sync).
    this.version(3).stores({
      snapshotSeen: 'key',
    });
    // Support requests: asked for on this device (even offline) or pulled
    // (the requester's, the coach's and the school leaders').
    this.version(4).stores({
      supportRequests: 'id',
    });
    // Frameworks side by side: where each applies, so that a visit's
    // framework is picked offline from its school and kind.
    this.version(5).stores({
      frameworks: 'id',
    });
    // Feedback: observations shared with the teacher observed, by
    // observation (the observer's and coach's side) and newest first (the
    // teacher's).
    this.version(6).stores({
      feedback: 'id, data.observation_id',
    });
  }
}

/** The tables pull writes, by entity. */
export function refTable(db: WalkthroughDB, entity: string) {
  switch (entity) {
    case 'school':
      return db.schools;
    case 'teacher':
      return db.teachers;
    case 'rubric_version':
      return db.rubricVersions;
    case 'framework':
      return db.frameworks;
    case 'walkthrough':
      return db.walkthroughs;
    case 'follow_up':
      return db.followUps;
    case 'cycle':
      return db.cycles;
    case 'cycle_activity':
      return db.cycleActivities;
    case 'next_step':
      return db.nextSteps;
    case 'support_request':
      return db.supportRequests;
    case 'feedback':
      return db.feedback;
    default:
      return undefined;
  }
}

export async function getMeta<T>(db: WalkthroughDB, key: string): Promise<T | undefined> {
  const row = await db.meta.get(key);
  return row?.value as T | undefined;
}

export async function setMeta(db: WalkthroughDB, key: string, value: unknown): Promise<void> {
  await db.meta.put({ key, value });
}
