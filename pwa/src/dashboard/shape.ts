// The dashboard's data shaping, with no UI: the filters and the URL, the
// trend's cells as chart series, the school × dimension matrix, the share of
// scores at each level, and the time range behind a cell. The answers are
// those of GET /api/v1/trends (server/internal/trends).
import type { Trend, TrendCell } from '../api/types';
import { addDays } from '../time/zone';
import { trendRoles, type Grant } from './access';

export type Bucket = 'week' | 'month';
export type Span = Bucket | 'range';
export const kinds = ['classroom', 'leadership', 'follow_up', 'informal'] as const;

export interface Filters {
  from: string; // YYYY-MM-DD
  to: string; // YYYY-MM-DD, exclusive
  schools: string[];
  dimension: string;
  indicator: string;
  grade_band: string;
  subject: string;
  kind: string;
  bucket: Bucket;
  /** The framework (rubric id) the figures are about; '' for the district framework. */
  framework?: string | undefined;
}

/** What is open beside the filters: a cell's observations, or one observation. */
export interface Drill {
  span: Span;
  bucket: string; // the cell's first day
  school: string; // '' for the selection's schools together
  dimension: string;
}

export interface View {
  filters: Filters;
  drill?: Drill | undefined;
  observation?: string | undefined;
  /** Coverage: teachers not visited since this day. */
  since: string;
}

const dateRe = /^\d{4}-\d{2}-\d{2}$/;
const idRe = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const keyRe = /^[a-z][a-z0-9_]{0,62}$/;

function isDate(s: string | null): s is string {
  return s !== null && dateRe.test(s) && !Number.isNaN(Date.parse(s + 'T00:00:00Z'));
}

export function addMonths(d: string, n: number): string {
  const t = new Date(d + 'T00:00:00Z');
  t.setUTCMonth(t.getUTCMonth() + n);
  return t.toISOString().slice(0, 10);
}

/** The first day of the school year that holds day, from the district's settings. */
export function schoolYearStart(day: string, month: number, dayOfMonth: number): string {
  const year = Number(day.slice(0, 4));
  const pad = (n: number) => String(n).padStart(2, '0');
  const start = `${year}-${pad(month)}-${pad(dayOfMonth)}`;
  return start <= day ? start : `${year - 1}-${pad(month)}-${pad(dayOfMonth)}`;
}

export interface Defaults {
  from: string;
  to: string;
  since: string;
}

/** The defaults of a district: this school year up to and including today; coverage over the last four weeks. */
export function defaults(settings: { school_year_start_month: number; school_year_start_day: number }, todayDate: string): Defaults {
  return {
    from: schoolYearStart(todayDate, settings.school_year_start_month, settings.school_year_start_day),
    to: addDays(todayDate, 1),
    since: addDays(todayDate, -28),
  };
}

/** Reads the view from the page's query; anything malformed falls back to the default. */
export function parseView(q: URLSearchParams, d: Defaults): View {
  const str = (name: string, re: RegExp) => {
    const v = q.get(name) ?? '';
    return re.test(v) ? v : '';
  };
  let from = isDate(q.get('from')) ? q.get('from')! : d.from;
  let to = isDate(q.get('to')) ? q.get('to')! : d.to;
  if (to <= from) [from, to] = [d.from, d.to];
  const schools = (q.get('schools') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => idRe.test(s));
  const kind = q.get('kind') ?? '';
  const filters: Filters = {
    from,
    to,
    schools: [...new Set(schools)],
    dimension: str('dimension', keyRe),
    indicator: str('indicator', keyRe),
    grade_band: (q.get('grade_band') ?? '').slice(0, 40),
    subject: (q.get('subject') ?? '').slice(0, 80),
    kind: (kinds as readonly string[]).includes(kind) ? kind : '',
    bucket: q.get('bucket') === 'month' ? 'month' : 'week',
  };
  const framework = q.get('framework') ?? '';
  if (idRe.test(framework)) filters.framework = framework;
  const view: View = { filters, since: isDate(q.get('since')) ? q.get('since')! : d.since };
  const span = q.get('cell_span');
  const bucket = q.get('cell_bucket');
  const dim = q.get('cell_dimension') ?? '';
  const school = q.get('cell_school') ?? '';
  if ((span === 'week' || span === 'month' || span === 'range') && isDate(bucket) && keyRe.test(dim) && (school === '' || idRe.test(school))) {
    view.drill = { span, bucket, dimension: dim, school };
  }
  const obs = q.get('observation') ?? '';
  if (idRe.test(obs)) view.observation = obs;
  return view;
}

/** The page's query for a view: a link to it reopens the same view. */
export function viewSearch(v: View): string {
  const q = new URLSearchParams();
  const f = v.filters;
  q.set('from', f.from);
  q.set('to', f.to);
  if (f.schools.length > 0) q.set('schools', f.schools.join(','));
  for (const k of ['dimension', 'indicator', 'grade_band', 'subject', 'kind'] as const) if (f[k] !== '') q.set(k, f[k]);
  q.set('bucket', f.bucket);
  if (f.framework) q.set('framework', f.framework);
  q.set('since', v.since);
  if (v.drill !== undefined) {
    q.set('cell_span', v.drill.span);
    q.set('cell_bucket', v.drill.bucket);
    if (v.drill.school !== '') q.set('cell_school', v.drill.school);
    q.set('cell_dimension', v.drill.dimension);
  }
  if (v.observation !== undefined) q.set('observation', v.observation);
  return '?' + q.toString();
}

/** The query of GET /trends (and /trends.csv) for the filters. */
export function trendSearch(f: Filters, bucket: Span, group: string[]): string {
  const q = new URLSearchParams();
  q.set('from', f.from);
  q.set('to', f.to);
  for (const id of f.schools) q.append('school_id', id);
  for (const k of ['dimension', 'indicator', 'grade_band', 'subject', 'kind'] as const) if (f[k] !== '') q.set(k, f[k]);
  q.set('bucket', bucket);
  for (const g of group) q.append('group', g);
  if (f.framework) q.set('rubric_id', f.framework);
  return '?' + q.toString();
}

// ---- chart ---------------------------------------------------------------

export interface Point {
  bucket: string; // YYYY-MM-DD
  mean?: number | undefined;
  scores: number;
  observations?: number | undefined;
  suppressed: boolean;
  /** The submitted observations behind the point and the share of them not scoring its dimension, where the server gives them. */
  submitted?: number | undefined;
  notObserved?: number | undefined;
}

export interface Series {
  key: string;
  name: string;
  selection: Point[];
  district: Point[];
}

function point(c: TrendCell): Point {
  return {
    bucket: c.bucket.slice(0, 10),
    mean: c.mean,
    scores: c.scores,
    observations: c.observations,
    suppressed: c.suppressed === true,
    submitted: c.submitted,
    notObserved: c.not_observed,
  };
}

/** A point's share not observed in words, or '' where the server gives none (a suppressed point never has one). */
export function pointNotObserved(p: Point | undefined): string {
  if (p === undefined || p.suppressed || p.notObserved === undefined || p.submitted === undefined) return '';
  return notObservedText(p.notObserved, p.submitted);
}

/**
 * One series per dimension of a trend grouped by dimension: the selection's
 * points and the district's, in time order. Dimensions come in the rubric's
 * order; one the rubric does not name (an older version's) comes after.
 */
export function seriesOf(t: Trend, dimensions: { key: string; name: string }[]): Series[] {
  const by = new Map<string, Series>();
  for (const d of dimensions) by.set(d.key, { key: d.key, name: d.name, selection: [], district: [] });
  const add = (c: TrendCell, side: 'selection' | 'district') => {
    const key = c.group['dimension'] ?? '';
    let s = by.get(key);
    if (s === undefined) {
      s = { key, name: key, selection: [], district: [] };
      by.set(key, s);
    }
    s[side].push(point(c));
  };
  for (const c of t.cells) add(c, 'selection');
  for (const c of t.district) add(c, 'district');
  const out = [...by.values()].filter((s) => s.selection.length > 0 || s.district.length > 0);
  for (const s of out) {
    s.selection.sort((a, b) => a.bucket.localeCompare(b.bucket));
    s.district.sort((a, b) => a.bucket.localeCompare(b.bucket));
  }
  return out;
}

/** Every bucket of the series, in order. */
export function bucketsOf(series: Series[]): string[] {
  const set = new Set<string>();
  for (const s of series) for (const p of [...s.selection, ...s.district]) set.add(p.bucket);
  return [...set].sort();
}

// ---- heat map ------------------------------------------------------------

export interface Matrix {
  dimensions: { key: string; name: string }[];
  rows: { school: { id: string; name: string }; cells: (TrendCell | undefined)[] }[];
  district: (TrendCell | undefined)[];
}

/**
 * The school × dimension matrix of a trend grouped by school and dimension
 * (one bucket). Schools are in the order given, then any the list lacks;
 * a school with no cell at all is left out.
 */
export function heatMatrix(t: Trend, schools: { id: string; name: string }[], dimensions: { key: string; name: string }[]): Matrix {
  const dims = [...dimensions];
  for (const c of [...t.cells, ...t.district]) {
    const k = c.group['dimension'];
    if (k !== undefined && !dims.some((d) => d.key === k)) dims.push({ key: k, name: k });
  }
  const col = new Map(dims.map((d, i) => [d.key, i]));
  const rows = new Map<string, (TrendCell | undefined)[]>();
  for (const c of t.cells) {
    const s = c.group['school'] ?? '';
    if (!rows.has(s)) rows.set(s, new Array(dims.length).fill(undefined));
    rows.get(s)![col.get(c.group['dimension'] ?? '')!] = c;
  }
  const ordered = [...schools.filter((s) => rows.has(s.id)), ...[...rows.keys()].filter((id) => !schools.some((s) => s.id === id)).map((id) => ({ id, name: 'School ' + id.slice(0, 8) }))];
  const district: (TrendCell | undefined)[] = new Array(dims.length).fill(undefined);
  for (const c of t.district) district[col.get(c.group['dimension'] ?? '')!] = c;
  return { dimensions: dims, rows: ordered.map((s) => ({ school: s, cells: rows.get(s.id)! })), district };
}

/**
 * A band of a mean, from 1 (lowest) to 4, so a heat-map cell carries a
 * marker besides its colour: the levels' range cut in four.
 */
export function band(mean: number, levels: { value: number }[]): 1 | 2 | 3 | 4 {
  const vs = levels.map((l) => l.value);
  const lo = Math.min(...vs);
  const hi = Math.max(...vs);
  if (!(hi > lo)) return 1;
  const x = (mean - lo) / (hi - lo);
  return x < 0.25 ? 1 : x < 0.5 ? 2 : x < 0.75 ? 3 : 4;
}

// ---- level distribution --------------------------------------------------

export interface Share {
  value: number;
  label: string;
  count: number;
  share: number; // 0..1
}

/** The share of a cell's scores at each of the rubric's levels (lowest first). */
export function levelShares(c: TrendCell, levels: { value: number; label: string }[]): Share[] {
  const total = Object.values(c.levels ?? {}).reduce((a, b) => a + b, 0);
  return [...levels]
    .sort((a, b) => a.value - b.value)
    .map((l) => {
      const count = c.levels?.[String(l.value)] ?? 0;
      return { value: l.value, label: l.label, count, share: total === 0 ? 0 : count / total };
    });
}

/**
 * The lowest level that counts as proficient: the level labelled so, or else
 * the upper half of the scale.
 */
export function proficientLevel(levels: { value: number; label: string }[]): number {
  const named = levels.find((l) => /proficient/i.test(l.label));
  if (named !== undefined) return named.value;
  const vs = levels.map((l) => l.value).sort((a, b) => a - b);
  return vs[Math.floor(vs.length / 2)] ?? 0;
}

/** The share of a cell's scores at proficient or above; undefined without scores. */
export function proficientShare(c: TrendCell, levels: { value: number; label: string }[]): number | undefined {
  const min = proficientLevel(levels);
  let at = 0;
  let total = 0;
  for (const [l, n] of Object.entries(c.levels ?? {})) {
    total += n;
    if (Number(l) >= min) at += n;
  }
  return total === 0 ? undefined : at / total;
}

// ---- drill-down ----------------------------------------------------------

/**
 * The days behind a cell, first included, last excluded: a week or a month
 * clipped to the days the trend covers (`from` and `to` as the server
 * answered them, the range asked widened to whole rollup periods), and a
 * range cell all of them.
 */
export function cellDays(d: Pick<Drill, 'span' | 'bucket'>, covered: { from: string; to: string }): { from: string; to: string } {
  if (d.span === 'range') return { from: covered.from, to: covered.to };
  const end = d.span === 'week' ? addDays(d.bucket, 7) : addMonths(d.bucket, 1);
  return { from: d.bucket < covered.from ? covered.from : d.bucket, to: end > covered.to ? covered.to : end };
}

/**
 * The words a cell's period is shown by: a whole week by its start, and
 * anything else (a month, a week or month clipped at either end of the
 * trend, a range cell) by the whole range of days behind it, first and last
 * both included.
 */
export function cellLabel(d: Pick<Drill, 'span' | 'bucket'>, days: { from: string; to: string }): string {
  if (d.span === 'week' && days.from === d.bucket && days.to === addDays(d.bucket, 7)) return `the week of ${d.bucket}`;
  return `${days.from} to ${addDays(days.to, -1)}`;
}

export interface ObservationLike {
  id: string;
  school_id: string;
  rubric_version_id: string;
  status: string;
  scores: { indicator_key: string; level: number | null }[];
}

/**
 * Whether an observation is behind a cell: submitted, at one of its
 * schools, on one of its rubric's versions, with a score (not "not
 * observed") on one of its indicators.
 */
export function behindCell(o: ObservationLike, schools: Set<string>, versions: Set<string>, indicators: Set<string>): boolean {
  return o.status === 'submitted' && schools.has(o.school_id) && versions.has(o.rubric_version_id) && o.scores.some((s) => s.level !== null && indicators.has(s.indicator_key));
}

/** The figures of the observations behind a cell, to set beside the cell's own. */
export function drillFigures(os: ObservationLike[], indicators: Set<string>): { observations: number; scores: number; mean: number | undefined; levels: Record<string, number> } {
  let scores = 0;
  let sum = 0;
  const levels: Record<string, number> = {};
  for (const o of os) {
    for (const s of o.scores) {
      if (s.level === null || !indicators.has(s.indicator_key)) continue;
      scores++;
      sum += s.level;
      levels[String(s.level)] = (levels[String(s.level)] ?? 0) + 1;
    }
  }
  return { observations: os.length, scores, mean: scores > 0 ? sum / scores : undefined, levels };
}

/**
 * Whether the caller may open the observations behind a cell at these
 * schools: an administrator anywhere, the others where they hold a trend
 * role at every one of them. A suppressed cell never opens.
 */
export function mayDrill(grants: Grant[], schools: string[], suppressed: boolean): boolean {
  if (suppressed || schools.length === 0) return false;
  if (grants.some((g) => g.role === 'district_admin')) return true;
  return schools.every((id) => grants.some((g) => g.school_id === id && trendRoles.includes(g.role)));
}

/** A mean as the dashboard prints it. */
/** The share not observed in words: "not observed 33% of n = 6". */
export function notObservedText(share: number, submitted: number): string {
  return `not observed ${Math.round(share * 100)}% of n = ${submitted}`;
}

export function fmtMean(m: number | undefined): string {
  return m === undefined ? '–' : m.toFixed(2);
}

export function fmtShare(s: number | undefined): string {
  return s === undefined ? '–' : `${Math.round(s * 100)}%`;
}
