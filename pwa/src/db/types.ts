// The records as the server's pull and push carry them
// (server/internal/sync: entities.go, observation.go, pull.go).

export type Entity =
  | 'school'
  | 'teacher'
  | 'rubric_version'
  | 'walkthrough'
  | 'observation'
  | 'follow_up'
  | 'cycle'
  | 'cycle_activity'
  | 'next_step';

/** Entities a device writes through push. */
export type WritableEntity = 'walkthrough' | 'observation' | 'cycle_activity' | 'follow_up' | 'next_step';

export type WalkthroughKind = 'classroom' | 'leadership' | 'follow_up' | 'informal';

export interface SchoolData {
  name: string;
  external_id?: string;
  grade_band?: string;
  active: boolean;
}

export interface TeacherData {
  school_id: string;
  given_name: string;
  family_name: string;
  grades: string[];
  subjects: string[];
  active: boolean;
}

export interface Level {
  value: number;
  label: string;
}
export interface Descriptor {
  level: number;
  text: string;
}
export interface Indicator {
  key: string;
  name: string;
  descriptors: Descriptor[];
}
export interface Dimension {
  key: string;
  name: string;
  indicators: Indicator[];
}
export interface RubricVersionData {
  rubric_id: string;
  version: number;
  name: string;
  description?: string;
  published_at?: string;
  levels: Level[];
  dimensions: Dimension[];
}

export interface WalkthroughData {
  school_id: string;
  rubric_version_id: string;
  kind: WalkthroughKind;
  date: string;
  lead_id?: string;
  team: string[];
  focus: string[];
  debrief_notes?: string;
}

export interface Score {
  indicator_key: string;
  /** null: "not observed". */
  level: number | null;
  evidence?: string;
}

export interface ObservationData {
  school_id: string;
  teacher_id: string;
  observer_id?: string;
  walkthrough_id?: string;
  follow_up_id?: string;
  rubric_version_id: string;
  kind: WalkthroughKind;
  grade?: string;
  subject?: string;
  started_at: string;
  ended_at?: string;
  status: 'draft' | 'submitted';
  scores: Score[];
  evidence?: string;
  tags?: string[];
  attachment_ids?: string[];
  submitted_at?: string;
  received_at?: string;
  /** When the server counts it (its day, week and month): started_at unless the device's clock was off. */
  counted_at?: string;
  /** The device's clock was off: counted_at is not started_at. */
  clock_skewed?: boolean;
}

export type FollowUpStatus = 'scheduled' | 'done' | 'cancelled';

export interface FollowUpData {
  cycle_id: string;
  teacher_id: string;
  starts_at: string;
  ends_at: string;
  observer_ids: string[];
  status: FollowUpStatus;
  observation_id?: string;
  notes?: string;
  school_id?: string;
}

export type CycleStatus = 'planned' | 'active' | 'completed' | 'abandoned';

export interface CycleData {
  school_id: string;
  coach_id: string;
  teacher_ids: string[];
  focus_indicator_key: string;
  focus_shift?: string;
  status: CycleStatus;
  outcome?: 'seen' | 'partly' | 'not_yet';
  outcome_evidence?: string;
  started_on?: string;
  ended_on?: string;
}

export type ActivityKind = 'pl_session' | 'plc_meeting' | 'one_on_one' | 'co_teaching' | 'modeling' | 'other';

export interface ActivityData {
  cycle_id: string;
  kind: ActivityKind;
  occurred_on: string;
  notes?: string;
  author_id?: string;
}

/** One focus-indicator score in a cycle's evidence (GET /cycles/{id}/evidence). */
export interface EvidencePoint {
  observation_id: string;
  teacher_id: string;
  follow_up_id?: string;
  observed_at: string;
  level: number;
}

export interface CycleEvidence {
  cycle_id: string;
  indicator_key: string;
  support_from: string;
  before: EvidencePoint[];
  follow_ups: EvidencePoint[];
  before_mean: number | null;
  follow_up_mean: number | null;
}

export interface NextStepData {
  walkthrough_id?: string;
  school_id: string;
  owner_id: string;
  action: string;
  due_on?: string;
  indicator_key?: string;
  done: boolean;
}

/** One record as pull hands it out, and as a conflict shows the server's version. */
export interface ServerRecord<T = unknown> {
  entity: Entity;
  id: string;
  rev: number;
  deleted: boolean;
  data?: T;
}

export interface ChangeProblem {
  code: string;
  message: string;
  field?: string;
}

export type ResultStatus = 'applied' | 'duplicate' | 'conflict' | 'gone' | 'rejected' | 'forbidden';

export interface PushResult {
  change_id: string;
  status: ResultStatus;
  rev?: number;
  current?: ServerRecord;
  error?: ChangeProblem;
}

export interface Change {
  change_id: string;
  entity: WritableEntity;
  op: 'upsert' | 'delete';
  id: string;
  base_rev: number;
  data?: unknown;
}

export interface SignedInUser {
  id: string;
  email: string;
  name?: string;
  /** The roles as sign-in answered them (the server checks every request itself). */
  grants?: { role: string; school_id?: string }[];
}

export interface StoredSession {
  access_token: string;
  refresh_token: string;
  /** Epoch ms when access_token expires. */
  expires_at: number;
  user: SignedInUser;
}

/** A user a walkthrough lead may invite to the team (GET /api/v1/directory). */
export interface Colleague {
  id: string;
  name: string;
  grants: { role: string; school_id?: string }[];
}
