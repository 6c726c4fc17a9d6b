// Which framework a visit is scored with, decided on the device from what
// pull brought (server/internal/domain/assignment.go holds the same rule):
// the district's main framework applies at every school and kind; another
// applies where one of its assignments in force names the school and kind
// (an empty list: all); a retired framework applies nowhere. Those assigned
// there come first, the most recently assigned first, the main one last.
import type { RefRow } from './schema';
import type { FrameworkData, RubricVersionData, WalkthroughKind } from './types';

export interface FrameworkChoice {
  rubricId: string;
  /** The newest published version on the device: what a new visit is scored with. */
  versionId: string;
  version: number;
  name: string;
  main: boolean;
  data: RubricVersionData;
}

/** The newest version of each framework on the device, by rubric id. */
function newestVersions(versions: RefRow<RubricVersionData>[]): Map<string, RefRow<RubricVersionData>> {
  const newest = new Map<string, RefRow<RubricVersionData>>();
  for (const v of versions) {
    const cur = newest.get(v.data.rubric_id);
    if (cur === undefined || cur.data.version < v.data.version) newest.set(v.data.rubric_id, v);
  }
  return newest;
}

function choice(v: RefRow<RubricVersionData>, main: boolean): FrameworkChoice {
  return { rubricId: v.data.rubric_id, versionId: v.id, version: v.data.version, name: v.data.name, main, data: v.data };
}

/**
 * The frameworks that apply at a school for a kind of walkthrough, in the
 * order to offer them; the first is the default.
 */
export function frameworksFor(
  frameworks: RefRow<FrameworkData>[],
  versions: RefRow<RubricVersionData>[],
  schoolId: string,
  kind: WalkthroughKind,
  now = Date.now(),
): FrameworkChoice[] {
  const newest = newestVersions(versions);
  const picks: { c: FrameworkChoice; since: number }[] = [];
  for (const f of frameworks) {
    const v = newest.get(f.id);
    if (v === undefined) continue;
    if (f.data.retired_at !== undefined && Date.parse(f.data.retired_at) <= now) continue;
    const since = Math.max(
      -1,
      ...f.data.assignments
        .filter((a) => Date.parse(a.starts_at) <= now && (a.school_ids.length === 0 || a.school_ids.includes(schoolId)) && (a.kinds.length === 0 || a.kinds.includes(kind)))
        .map((a) => Date.parse(a.starts_at)),
    );
    if (f.data.main || since >= 0) picks.push({ c: choice(v, f.data.main), since });
  }
  if (picks.length === 0 && frameworks.length === 0) {
    // A server from before frameworks were assigned: the newest published one.
    return mainFramework(frameworks, versions) ? [mainFramework(frameworks, versions)!] : [];
  }
  picks.sort((a, b) => (a.c.main !== b.c.main ? (a.c.main ? 1 : -1) : b.since - a.since));
  return picks.map((p) => p.c);
}

/** The district's main framework (what figures default to), or the newest published one. */
export function mainFramework(frameworks: RefRow<FrameworkData>[], versions: RefRow<RubricVersionData>[]): FrameworkChoice | undefined {
  const newest = newestVersions(versions);
  const main = frameworks.find((f) => f.data.main && newest.has(f.id));
  if (main !== undefined) return choice(newest.get(main.id)!, true);
  const all = [...newest.values()].sort((a, b) => (b.data.published_at ?? '').localeCompare(a.data.published_at ?? ''));
  return all[0] === undefined ? undefined : choice(all[0], false);
}
