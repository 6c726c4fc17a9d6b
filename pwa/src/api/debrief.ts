// GET /api/v1/walkthroughs/{id}/debrief (server/internal/visits/debrief.go).
// A debrief is everyone's observations, so it lives on the server: the
// device keeps the last one it read, to show (marked with its age) offline.
import { getMeta, setMeta, type WalkthroughDB } from '../db/schema';
import type { components } from './schema';

/** The debrief as openapi.json has it (generated into schema.d.ts). */
export type Debrief = components['schemas']['Debrief'];
export type DebriefMember = Debrief['members'][number];
export type DebriefIndicator = Debrief['indicators'][number];
export type DebriefClassroom = Debrief['classrooms'][number];
export type DebriefObservation = DebriefClassroom['observations'][number];
export type ClassroomIndicator = DebriefClassroom['indicators'][number];
export type ObserverLevel = ClassroomIndicator['marks'][number];
export type NextStepItem = Debrief['next_steps'][number];
/** What a debrief says of how far a team's levels lie apart, for the whole visit or one classroom. */
export type Agreement = Omit<DebriefIndicator, 'key' | 'name' | 'dimension' | 'focus' | 'classrooms'>;
export type AgreementLabel = Agreement['label'];

export interface KeptDebrief {
  fetched_at: number;
  debrief: Debrief;
}

interface Reader {
  getJSON<T>(path: string): Promise<T>;
}

/**
 * Reads the debrief from the server and keeps it on the device. rubricId
 * names the framework to read (one at a time); left out, the server's
 * default.
 */
export async function fetchDebrief(engine: Reader, db: WalkthroughDB, id: string, now = Date.now(), rubricId?: string): Promise<KeptDebrief> {
  const q = rubricId ? `?rubric_id=${encodeURIComponent(rubricId)}` : '';
  const debrief = await engine.getJSON<Debrief>(`/api/v1/walkthroughs/${encodeURIComponent(id)}/debrief${q}`);
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
