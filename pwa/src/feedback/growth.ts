// A teacher's own growth over time on the framework's dimensions, from
// what was shared with them: per shared visit, the mean of its shared
// levels on each dimension. Only the teacher's own visits; no colleague's
// figure is ever in it.
import type { FeedbackData, RubricVersionData } from '../db/types';

export interface GrowthVisit {
  id: string;
  at: string;
  /** Mean level per dimension key; absent where nothing of the dimension was shared and scored. */
  means: Record<string, number>;
}

export interface Growth {
  dimensions: { key: string; name: string }[];
  /** Oldest first. */
  visits: GrowthVisit[];
}

/** Growth from the teacher's shared feedback and the rubric versions it was scored on. */
export function growth(items: { id: string; data: FeedbackData }[], rubrics: Map<string, RubricVersionData>): Growth {
  const dims = new Map<string, string>();
  const visits: GrowthVisit[] = [];
  for (const { id, data } of items) {
    const v = data.view;
    if (!data.shared || v === undefined) continue;
    const rubric = rubrics.get(v.rubric_version_id);
    if (rubric === undefined) continue;
    const dimOf = new Map<string, { key: string; name: string }>();
    for (const d of rubric.dimensions) for (const i of d.indicators) dimOf.set(i.key, { key: d.key, name: d.name });
    const sums: Record<string, { sum: number; n: number }> = {};
    for (const s of v.scores) {
      const d = dimOf.get(s.indicator_key);
      if (d === undefined || s.level === null || s.level === undefined) continue;
      dims.set(d.key, d.name);
      const cell = (sums[d.key] ??= { sum: 0, n: 0 });
      cell.sum += s.level;
      cell.n++;
    }
    const means: Record<string, number> = {};
    for (const [k, c] of Object.entries(sums)) means[k] = c.sum / c.n;
    if (Object.keys(means).length > 0) visits.push({ id, at: v.observed_at, means });
  }
  visits.sort((a, b) => a.at.localeCompare(b.at));
  return { dimensions: [...dims].map(([key, name]) => ({ key, name })), visits };
}
