// GET /api/v1/walkthroughs/{id}/debrief (server/internal/visits/debrief.go).
// A debrief is everyone's observations, so it lives on the server: the
// device keeps the last one it read, to show (marked with its age) offline.
import { getMeta, setMeta, type WalkthroughDB } from '../db/schema';
import type { Level } from '../db/types';

export type AgreementLabel = 'none' | 'single' | 'agree' | 'within_one' | 'apart';

export interface Agreement {
  scores: number;
  not_observed: number;
  min: number | null;
  max: number | null;
  spread: number | null;
  median: number | null;
  mean: number | null;
  levels: Record<string, number>;
  pairs: number;
  exact_agreement: number | null;
  within_one_agreement: number | null;
  label: AgreementLabel;
}

export interface DebriefMember {
  user_id: string;
  name: string;
  lead: boolean;
  submitted: number;
  drafts: number;
  status: 'submitted' | 'drafts_only' | 'not_synced';
  last_synced_at: string | null;
  synced_since_visit: boolean;
}

export interface DebriefIndicator extends Agreement {
  key: string;
  name: string;
  dimension: string;
  focus: boolean;
  classrooms: number;
}

export interface ObserverLevel {
  observation_id: string;
  observer_id: string;
  observer_name: string;
  level: number | null;
  evidence: string;
}

export interface ClassroomIndicator extends Agreement {
  key: string;
  name: string;
  focus: boolean;
  marks: ObserverLevel[];
}

export interface DebriefObservation {
  id: string;
  rev: number;
  observer_id: string;
  observer_name: string;
  started_at: string;
  submitted_at: string | null;
  evidence: string;
}

export interface DebriefClassroom {
  key: string;
  teacher_id?: string;
  label: string;
  grade?: string;
  subject?: string;
  max_spread: number | null;
  observations: DebriefObservation[];
  indicators: ClassroomIndicator[];
}

export interface NextStepItem {
  id: string;
  rev: number;
  walkthrough_id?: string;
  school_id: string;
  owner_id: string;
  owner_name: string;
  action: string;
  due_on: string | null;
  indicator_key?: string;
  done: boolean;
  done_at: string | null;
  overdue: boolean;
}

export interface Debrief {
  walkthrough_id: string;
  rev: number;
  school_id: string;
  school_name: string;
  date: string;
  kind: string;
  lead_id: string;
  focus: string[];
  debrief_notes: string;
  generated_at: string;
  levels: Level[];
  teachers_shown: boolean;
  observations: number;
  waiting: number;
  members: DebriefMember[];
  indicators: DebriefIndicator[];
  classrooms: DebriefClassroom[];
  next_steps: NextStepItem[];
}

export interface KeptDebrief {
  fetched_at: number;
  debrief: Debrief;
}

interface Reader {
  getJSON<T>(path: string): Promise<T>;
}

/** Reads the debrief from the server and keeps it on the device. */
export async function fetchDebrief(engine: Reader, db: WalkthroughDB, id: string, now = Date.now()): Promise<KeptDebrief> {
  const debrief = await engine.getJSON<Debrief>(`/api/v1/walkthroughs/${encodeURIComponent(id)}/debrief`);
  const kept = { fetched_at: now, debrief };
  await setMeta(db, `debrief:${id}`, kept);
  return kept;
}

/** The debrief this device last read, if any. */
export function keptDebrief(db: WalkthroughDB, id: string): Promise<KeptDebrief | undefined> {
  return getMeta<KeptDebrief>(db, `debrief:${id}`);
}

/** Says in words how far apart a team was; never colour alone. */
export function agreementText(a: Pick<Agreement, 'label' | 'spread'>): string {
  switch (a.label) {
    case 'agree':
      return 'Agree';
    case 'within_one':
      return 'Within one level';
    case 'apart':
      return `Apart by ${a.spread ?? '?'} levels`;
    case 'single':
      return 'One score';
    default:
      return 'Not scored';
  }
}

/** A symbol that carries the same meaning as the label's colour. */
export function agreementSymbol(label: AgreementLabel): string {
  return { agree: '=', within_one: '≈', apart: '≠', single: '·', none: '–' }[label];
}

export function percent(x: number | null): string {
  return x === null ? '—' : `${Math.round(x * 100)}%`;
}
