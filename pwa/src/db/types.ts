// The records as the server's pull and push carry them
// (server/internal/sync: entities.go, observation.go, pull.go), as
// openapi.json has them (generated into ../api/schema.d.ts), and what the
// device keeps of its own.
import type { components } from '../api/schema';

type Schemas = components['schemas'];

export type Entity =
  | 'school'
  | 'teacher'
  | 'rubric_version'
  | 'framework'
  | 'walkthrough'
  | 'observation'
  | 'follow_up'
  | 'cycle'
  | 'cycle_activity'
  | 'next_step'
  | 'support_request'
  | 'feedback';

/** Entities a device writes through push. */
export type WritableEntity = 'walkthrough' | 'observation' | 'cycle' | 'cycle_activity' | 'follow_up' | 'next_step' | 'support_request' | 'feedback';

export type WalkthroughKind = Schemas['WalkthroughData']['kind'];

export type SchoolData = Schemas['SchoolData'];

export type TeacherData = Schemas['TeacherData'];

export type Level = Schemas['Level'];
export type Descriptor = Schemas['Descriptor'];
export type Indicator = Schemas['Indicator'];
export type Dimension = Schemas['Dimension'];
export type RubricVersionData = Schemas['RubricVersionData'];
/** Where a framework applies now (pull): main, retired, assignments in force. */
export type FrameworkData = Schemas['FrameworkData'];

export type WalkthroughData = Schemas['WalkthroughData'];

export type Score = Schemas['Score'];

export type ObservationData = Schemas['ObservationData'];

export type FollowUpStatus = Schemas['FollowUpData']['status'];

export type FollowUpData = Schemas['FollowUpData'];

export type CycleStatus = Schemas['CycleData']['status'];

export type CycleData = Schemas['CycleData'];

export type ActivityKind = Schemas['CycleActivityData']['kind'];

export type ActivityData = Schemas['CycleActivityData'];

/** One focus-indicator score in a cycle's evidence (GET /cycles/{id}/evidence). */
export type EvidencePoint = Schemas['EvidencePoint'];

export type CycleEvidence = Schemas['CycleEvidence'];

export type NextStepData = Schemas['NextStepData'];

export type SupportRequestData = Schemas['SupportRequestData'];

export type FeedbackData = Schemas['FeedbackData'];

export type FeedbackStep = Schemas['FeedbackData']['next_steps'][number];

export type SupportStatus = Schemas['SupportRequestData']['status'];

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
export type Colleague = Schemas['Colleague'];
