import type { ObservationData } from '../db/types';

/**
 * The note an observation gets when its device's clock was off: the server
 * then counts it (in trends, coverage and the dashboard) on another day
 * than the start it shows, and says which. Undefined when the clock was
 * right or the server has not said yet.
 */
export function clockNote(o: Pick<ObservationData, 'clock_skewed' | 'counted_at'>, timeZone?: string): string | undefined {
  if (!o.clock_skewed || o.counted_at === undefined) return undefined;
  const at = new Date(o.counted_at);
  if (Number.isNaN(at.getTime())) return undefined;
  return `device clock was off; counted on ${at.toLocaleDateString([], { timeZone, dateStyle: 'medium' })}`;
}
