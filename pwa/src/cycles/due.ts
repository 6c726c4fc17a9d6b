// What "Due this week" lists: every follow-up of the user's in the
// Monday-to-Sunday week of the district (done ones too, so the week reads
// whole), and every one still scheduled from before it (overdue).
import type { FollowUpData } from '../db/types';
import { weekOf } from '../time/zone';

export interface DueItem {
  id: string;
  data: FollowUpData;
}

/** The follow-ups due this week for a user, overdue first, then by start. */
export function dueThisWeek<T extends DueItem>(followUps: T[], mine: (f: FollowUpData) => boolean, now: number, tz: string): T[] {
  const week = weekOf(now, tz);
  const late = (f: FollowUpData) => f.status === 'scheduled' && Date.parse(f.ends_at) < now;
  return followUps
    .filter((f) => mine(f.data) && f.data.status !== 'cancelled')
    .filter((f) => {
      const start = Date.parse(f.data.starts_at);
      if (f.data.status === 'scheduled') return start < week.end;
      return week.start <= start && start < week.end;
    })
    .sort((a, b) => Number(late(b.data)) - Number(late(a.data)) || a.data.starts_at.localeCompare(b.data.starts_at));
}
