import { describe, expect, it } from 'vitest';
import type { FollowUpData } from '../db/types';
import { dueThisWeek } from './due';

const tz = 'America/Chicago';
const f = (id: string, starts: string, status: FollowUpData['status'] = 'scheduled', observer = 'me'): { id: string; data: FollowUpData } => ({
  id,
  data: { cycle_id: 'c', teacher_id: 't', starts_at: starts, ends_at: new Date(Date.parse(starts) + 30 * 60_000).toISOString(), observer_ids: [observer], status },
});
const mine = (d: FollowUpData) => d.observer_ids.includes('me');

describe('due this week', () => {
  // Friday 4 December 2026, 15:00 in Chicago.
  const friday = Date.parse('2026-12-04T21:00:00Z');

  it('on a Friday holds the follow-ups of Monday to Thursday, done or not, and the rest of the week', () => {
    const all = [
      f('mon', '2026-11-30T15:00:00Z', 'done'),
      f('tue', '2026-12-01T15:00:00Z', 'done'),
      f('thu', '2026-12-03T15:00:00Z'),
      f('sun', '2026-12-06T17:00:00Z'),
      // Sunday 23:30 in Chicago is Monday in UTC: still this week in the district.
      f('sun-late', '2026-12-07T05:30:00Z'),
    ];
    expect(dueThisWeek(all, mine, friday, tz).map((x) => x.id)).toEqual(['thu', 'mon', 'tue', 'sun', 'sun-late']);
  });

  it('leaves out next week, last week\'s done ones, cancelled ones and other people\'s', () => {
    const all = [
      f('next-mon', '2026-12-07T06:30:00Z'),
      f('last-week-done', '2026-11-27T15:00:00Z', 'done'),
      f('cancelled', '2026-12-02T15:00:00Z', 'cancelled'),
      f('other', '2026-12-02T15:00:00Z', 'scheduled', 'someone'),
      f('last-week-open', '2026-11-27T15:00:00Z'),
    ];
    expect(dueThisWeek(all, mine, friday, tz).map((x) => x.id)).toEqual(['last-week-open']);
  });
});
