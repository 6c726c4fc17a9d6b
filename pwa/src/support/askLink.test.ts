import { describe, expect, it } from 'vitest';
import { askHref, asksAt } from './askLink';

describe('askHref', () => {
  it('fills in the school, the indicators and the teachers where the user sees them', () => {
    const principal = [{ role: 'principal', school_id: 's1' }];
    const href = askHref(principal, { school: 's1', indicators: ['a', 'b'], teachers: ['t1'], source: 'debrief', reason: 'Flat' });
    const q = new URL(href, 'http://x').searchParams;
    expect(q.get('school')).toBe('s1');
    expect(q.getAll('indicator')).toEqual(['a', 'b']);
    expect(q.getAll('teacher')).toEqual(['t1']);
    expect(q.get('source')).toBe('debrief');
    expect(q.get('reason')).toBe('Flat');
  });
  it('never names teachers for a supervisor', () => {
    const supervisor = [{ role: 'supervisor', school_id: 's1' }];
    const q = new URL(askHref(supervisor, { school: 's1', indicators: ['a'], teachers: ['t1'], source: 'heat_map' }), 'http://x').searchParams;
    expect(q.getAll('teacher')).toEqual([]);
    expect(asksAt(supervisor, 's1')).toBe(true);
    expect(asksAt(supervisor, 's2')).toBe(false);
    expect(asksAt([{ role: 'coach', school_id: 's1' }], 's1')).toBe(false);
  });
});
