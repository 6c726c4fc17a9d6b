import { describe, expect, it } from 'vitest';
import type { AuditEntry } from '../api/types';
import { auditSentence, type Names } from './auditWords';

const names: Names = {
  user: (id) => (id === undefined ? 'The system' : ({ u1: 'Maria Lopez', u2: 'Sam Greer' } as Record<string, string>)[id] ?? 'someone no longer listed'),
  school: (id) => ({ s1: 'Cedar Hollow Elementary', s2: 'Oak Ridge Middle' } as Record<string, string>)[id] ?? 'a school',
  teacher: () => 'Elena Rivera',
};
const entry = (action: string, detail: Record<string, unknown> = {}, entity_id?: string): AuditEntry => ({ id: 'a', at: '2026-12-05T10:00:00Z', actor_id: 'u1', action, detail, ...(entity_id ? { entity_id } : {}) }) as AuditEntry;

describe('auditSentence', () => {
  it('says who published which version for which schools', () => {
    expect(auditSentence(entry('rubric.publish', { name: 'K-2 Look-fors', version: 2, every_school: false, school_ids: ['s1'] }), names)).toBe('Maria Lopez published K-2 Look-fors v2 for Cedar Hollow Elementary');
    expect(auditSentence(entry('rubric.publish', { name: 'Five dimensions', version: 3, every_school: true, school_ids: [] }), names)).toBe('Maria Lopez published Five dimensions v3 for every school');
  });

  it('names the schools and kinds of an assignment and its roll-back', () => {
    expect(auditSentence(entry('framework.assign', { name: 'K-2 Look-fors', school_ids: ['s1', 's2'], kinds: ['classroom'] }), names)).toBe('Maria Lopez assigned K-2 Look-fors to Cedar Hollow Elementary and Oak Ridge Middle for team walkthroughs');
    expect(auditSentence(entry('framework.rollback', { name: 'K-2 Look-fors', school_ids: [], kinds: [] }), names)).toBe('Maria Lopez rolled back K-2 Look-fors at every school');
  });

  it('names the former main framework when the main one changes', () => {
    expect(auditSentence(entry('framework.main', { name: 'K-2 Look-fors', previous_id: 'r1', previous_name: 'Five dimensions', kept_previous: true }), names)).toBe(
      "Maria Lopez made K-2 Look-fors the district's main framework in place of Five dimensions, keeping Five dimensions on offer at every school",
    );
    expect(auditSentence(entry('framework.main', { name: 'Five dimensions', previous_id: 'r2', previous_name: 'K-2 Look-fors', kept_previous: false }), names)).toBe(
      "Maria Lopez made Five dimensions the district's main framework in place of K-2 Look-fors",
    );
  });

  it('names people and roles, never ids or JSON', () => {
    const s = auditSentence(entry('role.grant', { role: 'observer', school_id: 's1' }, 'u2'), names);
    expect(s).toBe('Maria Lopez made Sam Greer an observer at Cedar Hollow Elementary');
    const imp = auditSentence(entry('roster.import', { kind: 'teachers', mode: 'full', teachers: { created: 3, updated: 0, unchanged: 0, deactivated: 60 } }), names);
    expect(imp).toBe('Maria Lopez imported a full teachers file: 3 added, 0 changed, 60 deactivated');
    for (const x of [s, imp]) expect(x).not.toMatch(/[{}"]|u2|s1/);
  });
});
