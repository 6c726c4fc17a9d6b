import { describe, expect, it } from 'vitest';
import { listWords, reachSentences } from './reach';

const base = { framework: { id: 'k', name: 'K-2 look-fors', main: false }, from: '2026-12-05T10:00:00Z', every_school: false, every_kind: true, kinds: ['classroom', 'leadership', 'follow_up', 'informal'] as never, others: [] };

describe('reachSentences', () => {
  it('says an unassigned framework reaches no one', () => {
    const s = reachSentences({ ...base, schools: [], observers: 0 }, 'K-2 look-fors');
    expect(s.join(' ')).toContain('reaches no one');
  });

  it('names the schools, the kinds, the observers and the other framework there', () => {
    const s = reachSentences({ ...base, schools: [{ id: '1', name: 'Cedar Hollow Elementary' }], observers: 4, others: [{ id: 'm', name: 'Five dimensions', main: true }] }, 'K-2 look-fors').join(' ');
    expect(s).toContain('4 observers');
    expect(s).toContain('Cedar Hollow Elementary');
    expect(s).toContain('every kind of walkthrough');
    expect(s).toContain('Five dimensions (the district framework)');
  });

  it('names only the kinds assigned', () => {
    const s = reachSentences({ ...base, every_kind: false, kinds: ['classroom'] as never, schools: [{ id: '1', name: 'Oak' }], observers: 1 }, 'X').join(' ');
    expect(s).toContain('for team walkthroughs');
    expect(s).toContain('1 observer ');
  });
});

describe('listWords', () => {
  it('joins with commas and "and"', () => {
    expect(listWords(['a', 'b', 'c'])).toBe('a, b and c');
    expect(listWords(['a'])).toBe('a');
  });
});
