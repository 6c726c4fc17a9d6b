import { describe, expect, it } from 'vitest';
import type { FeedbackData, RubricVersionData } from '../db/types';
import { growth } from './growth';

const rubric = {
  rubric_id: 'r',
  version: 1,
  name: 'Framework',
  levels: [1, 2, 3, 4].map((value) => ({ value, label: `L${value}` })),
  dimensions: [
    { key: 'culture', name: 'Classroom culture', indicators: [{ key: 'a', name: 'A', descriptors: [] }, { key: 'b', name: 'B', descriptors: [] }] },
    { key: 'engagement', name: 'Student engagement', indicators: [{ key: 'c', name: 'C', descriptors: [] }] },
  ],
} as unknown as RubricVersionData;

function fb(at: string, scores: { indicator_key: string; level: number | null }[], shared = true): FeedbackData {
  return {
    observation_id: 'o',
    shared,
    indicator_keys: scores.map((s) => s.indicator_key),
    share_evidence: false,
    strength: '',
    next_move: '',
    next_steps: [],
    read: false,
    reply: '',
    view: { kind: 'follow_up', observed_at: at, rubric_version_id: 'v1', observer_name: 'Coach', scores },
  };
}

describe('growth', () => {
  it('averages each visit per dimension, oldest first, leaving out not observed and unshared', () => {
    const g = growth(
      [
        { id: '2', data: fb('2026-10-02T10:00:00Z', [{ indicator_key: 'a', level: 3 }, { indicator_key: 'b', level: 4 }, { indicator_key: 'c', level: null }]) },
        { id: '1', data: fb('2026-09-01T10:00:00Z', [{ indicator_key: 'a', level: 1 }, { indicator_key: 'c', level: 2 }]) },
        { id: '3', data: fb('2026-11-01T10:00:00Z', [{ indicator_key: 'a', level: 4 }], false) },
      ],
      new Map([['v1', rubric]]),
    );
    expect(g.visits.map((v) => v.id)).toEqual(['1', '2']);
    expect(g.visits[0]!.means).toEqual({ culture: 1, engagement: 2 });
    expect(g.visits[1]!.means).toEqual({ culture: 3.5 });
    expect(g.dimensions.map((d) => d.name).sort()).toEqual(['Classroom culture', 'Student engagement']);
  });
});
