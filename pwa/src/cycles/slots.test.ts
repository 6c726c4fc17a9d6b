import { describe, expect, test } from 'vitest';
import type { FollowUpData } from '../db/types';
import { findClash, nextFreeSlot } from './slots';

const at = (iso: string) => Date.parse(iso);
function fu(id: string, teacher: string, start: string, minutes: number, observers: string[], status: FollowUpData['status'] = 'scheduled') {
  const s = at(start);
  return {
    id,
    data: { cycle_id: 'c', teacher_id: teacher, starts_at: new Date(s).toISOString(), ends_at: new Date(s + minutes * 60_000).toISOString(), observer_ids: observers, status },
  };
}

describe('clash detection on the device', () => {
  const booked = [fu('a', 't1', '2026-10-06T09:00:00-05:00', 30, ['coach']), fu('b', 't2', '2026-10-06T09:45:00-05:00', 30, ['principal'])];

  test('the same teacher overlapping clashes, written in another zone', () => {
    const c = findClash({ teacher_id: 't1', observer_ids: ['x'], start: at('2026-10-06T23:15:00+09:00'), end: at('2026-10-06T23:45:00+09:00') }, booked);
    expect(c?.id).toBe('a');
    expect(c?.who).toBe('teacher');
  });

  test('an observer in two places clashes; back to back does not', () => {
    expect(findClash({ teacher_id: 't3', observer_ids: ['principal'], start: at('2026-10-06T10:00:00-05:00'), end: at('2026-10-06T10:20:00-05:00') }, booked)?.who).toBe('principal');
    expect(findClash({ teacher_id: 't1', observer_ids: ['coach'], start: at('2026-10-06T09:30:00-05:00'), end: at('2026-10-06T10:00:00-05:00') }, booked)).toBeUndefined();
  });

  test('a cancelled follow-up and the follow-up being moved free their time', () => {
    const withCancelled = [...booked, fu('c', 't4', '2026-10-06T12:00:00-05:00', 30, ['coach'], 'cancelled')];
    expect(findClash({ teacher_id: 't4', observer_ids: ['coach'], start: at('2026-10-06T12:00:00-05:00'), end: at('2026-10-06T12:30:00-05:00') }, withCancelled)).toBeUndefined();
    expect(findClash({ id: 'a', teacher_id: 't1', observer_ids: ['coach'], start: at('2026-10-06T09:10:00-05:00'), end: at('2026-10-06T09:40:00-05:00') }, booked)).toBeUndefined();
  });

  test('the next free slot skips everything in the way', () => {
    // The coach is booked 09:00-09:30 with t1; the principal 09:45-10:15 with t2.
    const slot = nextFreeSlot({ teacher_id: 't1', observer_ids: ['coach', 'principal'], start: at('2026-10-06T09:00:00-05:00'), end: at('2026-10-06T09:30:00-05:00') }, booked);
    expect(new Date(slot!.start).toISOString()).toBe('2026-10-06T15:15:00.000Z'); // 10:15 CDT
    expect(slot!.end - slot!.start).toBe(30 * 60_000);
  });
});
