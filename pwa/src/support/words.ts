// Support requests in the user's words.
import type { SupportStatus } from '../db/types';

export const statusText: Record<SupportStatus, string> = {
  open: 'Waiting for a coach',
  assigned: 'Coach assigned',
  declined: 'Declined',
  withdrawn: 'Withdrawn',
};

export const sourceText: Record<string, string> = {
  '': '',
  teacher_view: 'from the teacher view',
  trend: 'from a trend',
  heat_map: 'from the heat map',
  debrief: 'from a debrief',
  next_step: 'from a next step',
};

/** A mean level as text, two decimals; a dash for none. */
export function meanText(mean: number | null | undefined): string {
  return mean === null || mean === undefined ? '—' : mean.toFixed(2);
}
