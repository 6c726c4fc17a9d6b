import { describe, expect, it } from 'vitest';
import { clockNote } from './clockNote';

describe('clockNote', () => {
  it('says nothing when the clock was right or the server has not answered', () => {
    expect(clockNote({})).toBeUndefined();
    expect(clockNote({ clock_skewed: false, counted_at: '2026-03-09T15:00:00Z' })).toBeUndefined();
    expect(clockNote({ clock_skewed: true })).toBeUndefined();
  });

  it('names the day the observation counts on, in the zone asked for', () => {
    const o = { clock_skewed: true, counted_at: '2026-03-10T03:00:00Z' };
    expect(clockNote(o, 'UTC')).toBe(`device clock was off; counted on ${new Date('2026-03-10T12:00:00Z').toLocaleDateString([], { timeZone: 'UTC', dateStyle: 'medium' })}`);
    // 03:00 UTC is still the evening before in Chicago.
    expect(clockNote(o, 'America/Chicago')).toContain(new Date('2026-03-09T12:00:00Z').toLocaleDateString([], { timeZone: 'UTC', dateStyle: 'medium' }));
  });
});
