// Clash detection and the next free slot, on the device's follow-ups: the
// same rule as the server (server/internal/domain/followup.go): two windows
// clash when they overlap in time and share the teacher or an observer.
// Windows are instants, so time zones and clock changes cannot fool it.
import type { FollowUpData } from '../db/types';

export interface Window {
  /** The follow-up being scheduled or moved, left out of the check. */
  id?: string;
  teacher_id: string;
  observer_ids: string[];
  start: number;
  end: number;
}

export interface Clash {
  id: string;
  data: FollowUpData;
  /** "teacher", or the id of the observer who would be in two places. */
  who: string;
}

function holdsTime(f: FollowUpData): boolean {
  return f.status !== 'cancelled';
}

/** The first follow-up (by start) that the window clashes with, if any. */
export function findClash(w: Window, followUps: { id: string; data: FollowUpData }[]): Clash | undefined {
  const hits = followUps
    .filter((f) => f.id !== w.id && holdsTime(f.data))
    .filter((f) => Date.parse(f.data.starts_at) < w.end && w.start < Date.parse(f.data.ends_at))
    .map((f) => {
      if (f.data.teacher_id === w.teacher_id) return { id: f.id, data: f.data, who: 'teacher' };
      const o = w.observer_ids.find((u) => f.data.observer_ids.includes(u));
      return o === undefined ? undefined : { id: f.id, data: f.data, who: o };
    })
    .filter((c): c is Clash => c !== undefined);
  hits.sort((a, b) => a.data.starts_at.localeCompare(b.data.starts_at) || a.id.localeCompare(b.id));
  return hits[0];
}

/**
 * The earliest window of the same length, starting at or after w, on a
 * step-minute grid, that clashes with nothing; within `days` days.
 */
export function nextFreeSlot(w: Window, followUps: { id: string; data: FollowUpData }[], stepMinutes = 15, days = 14): Window | undefined {
  const step = stepMinutes * 60_000;
  const length = w.end - w.start;
  const limit = w.start + days * 86_400_000;
  for (let start = w.start; start <= limit; start += step) {
    const candidate = { ...w, start, end: start + length };
    const clash = findClash(candidate, followUps);
    if (clash === undefined) return candidate;
    // Jump to the end of what is in the way, rounded up to the grid.
    const next = Date.parse(clash.data.ends_at);
    if (next > start + step) start = w.start + Math.ceil((next - w.start) / step) * step - step;
  }
  return undefined;
}
