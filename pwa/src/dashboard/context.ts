// What every part of the dashboard needs once: the caller, their schools
// and the district's published rubrics.
import type { Me, RubricSummary, RubricVersion, School } from '../api/types';
import { getAll, getJSON } from './api';

export interface Context {
  me: Me;
  schools: School[];
  /** The newest published version of each rubric, and every version id of each; the district framework first. */
  rubrics: { latest: RubricVersion; versions: string[]; main: boolean; retired: boolean }[];
}

/**
 * The rubric a trend is about (its newest version's names and all its
 * version ids); without an id, the district framework, as the trends
 * default to.
 */
export function rubricOf(ctx: Context, rubricID: string | undefined) {
  return ctx.rubrics.find((r) => r.latest.rubric_id === rubricID) ?? ctx.rubrics[0];
}

export async function loadContext(): Promise<Context> {
  const [me, schools, rubrics] = await Promise.all([
    getJSON<Me>('/me'),
    getAll<School>('/schools', Infinity),
    getAll<RubricSummary>('/rubrics', Infinity),
  ]);
  const published = rubrics.items
    .map((r) => ({ r, versions: r.versions.filter((v) => v.status === 'published').sort((a, b) => b.version - a.version) }))
    .filter((x) => x.versions.length > 0)
    .sort((a, b) => (a.r.main !== b.r.main ? (a.r.main ? -1 : 1) : (b.versions[0]!.published_at ?? '').localeCompare(a.versions[0]!.published_at ?? '')));
  const latest = await Promise.all(published.map((x) => getJSON<RubricVersion>(`/rubrics/${x.versions[0]!.id}`)));
  return {
    me,
    schools: schools.items.sort((a, b) => a.name.localeCompare(b.name)),
    rubrics: published.map((x, i) => ({ latest: latest[i]!, versions: x.versions.map((v) => v.id), main: x.r.main, retired: x.r.retired })),
  };
}

