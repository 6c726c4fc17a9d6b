import { describe, expect, test } from 'vitest';
import type { Trend } from '../api/types';
import {
  band,
  behindCell,
  cellDays,
  cellLabel,
  defaults,
  drillFigures,
  heatMatrix,
  levelShares,
  mayDrill,
  notObservedText,
  parseView,
  pointNotObserved,
  proficientLevel,
  proficientShare,
  schoolYearStart,
  seriesOf,
  trendSearch,
  viewSearch,
  type View,
} from './shape';

const levels = [
  { value: 1, label: 'Beginning' },
  { value: 2, label: 'Developing' },
  { value: 3, label: 'Proficient' },
  { value: 4, label: 'Exemplary' },
];
const dims = [
  { key: 'classroom_culture', name: 'Classroom culture' },
  { key: 'student_engagement', name: 'Student engagement' },
];
const A = '0190a000-0000-7000-8000-00000000000a';
const B = '0190a000-0000-7000-8000-00000000000b';
const d = { from: '2026-08-15', to: '2026-11-24', since: '2026-10-26' };

describe('the view and the URL', () => {
  test('a view survives the round trip through the query', () => {
    const v: View = {
      filters: { from: '2026-09-01', to: '2026-11-01', schools: [A, B], dimension: 'student_engagement', indicator: '', grade_band: '3-5', subject: 'ELA', kind: 'classroom', bucket: 'month' },
      drill: { span: 'range', bucket: '2026-09-01', school: A, dimension: 'student_engagement' },
      observation: '0190a000-0000-7000-8000-0000000000ff',
      since: '2026-10-01',
    };
    expect(parseView(new URLSearchParams(viewSearch(v)), d)).toEqual(v);
  });

  test('an empty query gives the defaults; malformed values are ignored, never sent on', () => {
    const v = parseView(new URLSearchParams('from=yesterday&to=2026-13-45&schools=x,' + A + '&kind=party&dimension=Bad Key&bucket=year&cell_span=range&cell_bucket=2026-09-01&cell_dimension=x&cell_school=nope'), d);
    expect(v.filters).toEqual({ from: d.from, to: d.to, schools: [A], dimension: '', indicator: '', grade_band: '', subject: '', kind: '', bucket: 'week' });
    expect(v.drill).toBeUndefined();
    expect(v.since).toBe(d.since);
  });

  test('a range that ends before it starts falls back to the default', () => {
    expect(parseView(new URLSearchParams('from=2026-10-01&to=2026-09-01'), d).filters).toMatchObject({ from: d.from, to: d.to });
  });

  test('the trend query carries every filter the API takes', () => {
    const v = parseView(new URLSearchParams(`from=2026-09-01&to=2026-10-01&schools=${A},${B}&indicator=academic_discourse&kind=leadership&subject=Science`), d);
    const q = new URLSearchParams(trendSearch(v.filters, 'range', ['school', 'dimension']));
    // Lists are the parameter repeated, as every id filter of the API.
    expect([...q.entries()]).toEqual([
      ['from', '2026-09-01'],
      ['to', '2026-10-01'],
      ['school_id', A],
      ['school_id', B],
      ['indicator', 'academic_discourse'],
      ['subject', 'Science'],
      ['kind', 'leadership'],
      ['bucket', 'range'],
      ['group', 'school'],
      ['group', 'dimension'],
    ]);
  });

  test('the school year starts on the district day on or before today', () => {
    expect(schoolYearStart('2026-11-23', 8, 15)).toBe('2026-08-15');
    expect(schoolYearStart('2026-08-14', 8, 15)).toBe('2025-08-15');
    expect(schoolYearStart('2026-08-15', 8, 15)).toBe('2026-08-15');
    expect(defaults({ school_year_start_month: 8, school_year_start_day: 15 }, '2026-11-23')).toEqual({ from: '2026-08-15', to: '2026-11-24', since: '2026-10-26' });
  });
});

const weekly: Trend = {
  rubric_id: 'r',
  bucket: 'week',
  group: ['dimension'],
  min_cell_size: 5,
  cells: [
    { bucket: '2026-09-14T00:00:00Z', group: { dimension: 'student_engagement' }, scores: 12, mean: 2.5, levels: { '2': 6, '3': 6 } },
    { bucket: '2026-09-07T00:00:00Z', group: { dimension: 'student_engagement' }, scores: 0, suppressed: true },
    { bucket: '2026-09-07T00:00:00Z', group: { dimension: 'classroom_culture' }, scores: 8, mean: 3, levels: { '3': 8 } },
  ],
  district: [
    { bucket: '2026-09-07T00:00:00Z', group: { dimension: 'student_engagement' }, scores: 40, mean: 2.25, levels: { '2': 30, '3': 10 } },
    { bucket: '2026-09-14T00:00:00Z', group: { dimension: 'student_engagement' }, scores: 44, mean: 2.4, levels: { '2': 26, '3': 18 } },
    { bucket: '2026-09-07T00:00:00Z', group: { dimension: 'lesson_content' }, scores: 9, mean: 2, levels: { '2': 9 } },
  ],
};

describe('cells as series', () => {
  test('one series per dimension in the rubric order, points in time order, the district beside', () => {
    const s = seriesOf(weekly, dims);
    expect(s.map((x) => x.key)).toEqual(['classroom_culture', 'student_engagement', 'lesson_content']);
    const eng = s[1]!;
    expect(eng.name).toBe('Student engagement');
    expect(eng.selection.map((p) => [p.bucket, p.mean, p.suppressed])).toEqual([
      ['2026-09-07', undefined, true],
      ['2026-09-14', 2.5, false],
    ]);
    expect(eng.district.map((p) => p.mean)).toEqual([2.25, 2.4]);
    // A dimension only the district has still gets its district line.
    expect(s[2]!.selection).toEqual([]);
    expect(s[2]!.district).toHaveLength(1);
  });
});

describe('the heat map', () => {
  const t: Trend = {
    rubric_id: 'r',
    bucket: 'range',
    group: ['school', 'dimension'],
    min_cell_size: 5,
    cells: [
      { bucket: '2026-08-15T00:00:00Z', group: { school: B, dimension: 'student_engagement' }, scores: 30, mean: 2.1 },
      { bucket: '2026-08-15T00:00:00Z', group: { school: A, dimension: 'classroom_culture' }, scores: 0, suppressed: true },
      { bucket: '2026-08-15T00:00:00Z', group: { school: A, dimension: 'student_engagement' }, scores: 3, mean: 3 },
    ],
    district: [{ bucket: '2026-08-15T00:00:00Z', group: { dimension: 'student_engagement' }, scores: 90, mean: 2.4 }],
  };

  test('rows are schools in the given order, columns the dimensions, holes stay holes', () => {
    const m = heatMatrix(t, [{ id: A, name: 'Alder' }, { id: B, name: 'Birch' }, { id: 'c', name: 'No data' }], dims);
    expect(m.rows.map((r) => r.school.name)).toEqual(['Alder', 'Birch']);
    expect(m.rows[0]!.cells.map((c) => (c?.suppressed ? 'suppressed' : c?.mean))).toEqual(['suppressed', 3]);
    expect(m.rows[1]!.cells.map((c) => c?.mean)).toEqual([undefined, 2.1]);
    expect(m.district.map((c) => c?.mean)).toEqual([undefined, 2.4]);
  });

  test('a mean falls in one of four bands of the scale', () => {
    expect([1, 1.74, 1.76, 2.5, 3.3, 4].map((m) => band(m, levels))).toEqual([1, 1, 2, 3, 4, 4]);
  });
});

describe('level shares', () => {
  test('shares add up to one, lowest level first, missing levels at zero', () => {
    const s = levelShares({ bucket: '', group: {}, scores: 8, levels: { '4': 2, '2': 6 } }, levels);
    expect(s.map((x) => [x.label, x.count, x.share])).toEqual([
      ['Beginning', 0, 0],
      ['Developing', 6, 0.75],
      ['Proficient', 0, 0],
      ['Exemplary', 2, 0.25],
    ]);
  });

  test('proficient or above counts the level labelled proficient and those above it', () => {
    expect(proficientLevel(levels)).toBe(3);
    expect(proficientShare({ bucket: '', group: {}, scores: 10, levels: { '1': 1, '2': 4, '3': 3, '4': 2 } }, levels)).toBe(0.5);
    expect(proficientShare({ bucket: '', group: {}, scores: 0, suppressed: true }, levels)).toBeUndefined();
    // A scale without the word: its upper half.
    expect(proficientLevel([{ value: 0, label: 'No' }, { value: 1, label: 'Some' }, { value: 2, label: 'Most' }, { value: 3, label: 'All' }])).toBe(2);
  });
});

describe('drill-down', () => {
  test('the days behind a week, a month and a whole range, clipped to the days the trend covers', () => {
    const year = { from: '2026-08-01', to: '2027-08-01' };
    expect(cellDays({ span: 'week', bucket: '2026-09-28' }, year)).toEqual({ from: '2026-09-28', to: '2026-10-05' });
    expect(cellDays({ span: 'month', bucket: '2026-12-01' }, year)).toEqual({ from: '2026-12-01', to: '2027-01-01' });
    // The server widened 2026-08-15 (a Saturday) to the start of its week, Monday the 10th.
    expect(cellDays({ span: 'range', bucket: '2026-08-10' }, { from: '2026-08-10', to: '2026-11-30' })).toEqual({ from: '2026-08-10', to: '2026-11-30' });
    expect(cellDays({ span: 'month', bucket: '2026-08-01' }, { from: '2026-08-10', to: '2026-11-30' })).toEqual({ from: '2026-08-10', to: '2026-09-01' });
    expect(cellDays({ span: 'month', bucket: '2026-11-01' }, { from: '2026-08-10', to: '2026-11-23' })).toEqual({ from: '2026-11-01', to: '2026-11-23' });
  });
  test('a cell is labelled by its whole week, or else by the whole range of days behind it', () => {
    const covered = { from: '2026-08-10', to: '2026-11-30' };
    const label = (d: { span: 'week' | 'month' | 'range'; bucket: string }) => cellLabel(d, cellDays(d, covered));
    expect(label({ span: 'week', bucket: '2026-09-28' })).toBe('the week of 2026-09-28');
    expect(label({ span: 'month', bucket: '2026-10-01' })).toBe('2026-10-01 to 2026-10-31');
    // A month clipped at the start of the trend names the days it counts.
    expect(label({ span: 'month', bucket: '2026-08-01' })).toBe('2026-08-10 to 2026-08-31');
    expect(label({ span: 'range', bucket: '2026-08-10' })).toBe('2026-08-10 to 2026-11-29');
  });

  test('only submitted observations at the cell schools, on its rubric, scoring its indicators are behind it', () => {
    const base = { id: '1', school_id: A, rubric_version_id: 'v1', status: 'submitted', scores: [{ indicator_key: 'academic_discourse', level: 3 }] };
    const schools = new Set([A]);
    const versions = new Set(['v1']);
    const inds = new Set(['academic_discourse']);
    expect(behindCell(base, schools, versions, inds)).toBe(true);
    expect(behindCell({ ...base, status: 'draft' }, schools, versions, inds)).toBe(false);
    expect(behindCell({ ...base, school_id: B }, schools, versions, inds)).toBe(false);
    expect(behindCell({ ...base, rubric_version_id: 'v0' }, schools, versions, inds)).toBe(false);
    expect(behindCell({ ...base, scores: [{ indicator_key: 'academic_discourse', level: null }] }, schools, versions, inds)).toBe(false);
    expect(behindCell({ ...base, scores: [{ indicator_key: 'other', level: 2 }] }, schools, versions, inds)).toBe(false);
  });

  test('the figures behind a cell recompute its scores, mean and levels', () => {
    const inds = new Set(['a', 'b']);
    const f = drillFigures(
      [
        { id: '1', school_id: A, rubric_version_id: 'v', status: 'submitted', scores: [{ indicator_key: 'a', level: 2 }, { indicator_key: 'b', level: 4 }, { indicator_key: 'c', level: 1 }] },
        { id: '2', school_id: A, rubric_version_id: 'v', status: 'submitted', scores: [{ indicator_key: 'a', level: 3 }, { indicator_key: 'b', level: null }] },
      ],
      inds,
    );
    expect(f).toEqual({ observations: 2, scores: 3, mean: 3, levels: { '2': 1, '3': 1, '4': 1 } });
  });

  test('who may open a cell', () => {
    const sup = [{ role: 'supervisor', school_id: A }];
    expect(mayDrill(sup, [A], false)).toBe(true);
    expect(mayDrill(sup, [A], true)).toBe(false); // suppressed stays aggregate
    expect(mayDrill(sup, [A, B], false)).toBe(false);
    expect(mayDrill([{ role: 'observer', school_id: A }], [A], false)).toBe(false);
    expect(mayDrill([{ role: 'district_admin' }], [A, B], false)).toBe(true);
    expect(mayDrill(sup, [], false)).toBe(false);
  });
});

describe('the share not observed', () => {
  test('is said as a percentage of the observations submitted', () => {
    expect(notObservedText(2 / 6, 6)).toBe('not observed 33% of n = 6');
    expect(notObservedText(0, 12)).toBe('not observed 0% of n = 12');
  });
  test("goes with a chart's point where the server gives it, and never with a suppressed one", () => {
    const t: Trend = {
      rubric_id: 'r',
      bucket: 'week',
      group: ['dimension'],
      min_cell_size: 5,
      from: '2026-09-07',
      to: '2026-09-21',
      cells: [
        { bucket: '2026-09-07T00:00:00Z', group: { dimension: 'classroom_culture' }, observations: 4, scores: 6, mean: 2.5, submitted: 6, not_observed: 2 / 6 },
        { bucket: '2026-09-14T00:00:00Z', group: { dimension: 'classroom_culture' }, scores: 0, suppressed: true, left_out: 1 },
        { bucket: '2026-09-07T00:00:00Z', group: { dimension: 'student_engagement' }, scores: 4, mean: 3 },
      ],
      district: [{ bucket: '2026-09-07T00:00:00Z', group: { dimension: 'classroom_culture' }, observations: 20, scores: 30, mean: 2.4, submitted: 25, not_observed: 0.2 }],
    };
    const [culture, engagement] = seriesOf(t, dims);
    expect(culture!.selection.map(pointNotObserved)).toEqual(['not observed 33% of n = 6', '']);
    expect(pointNotObserved(culture!.district[0])).toBe('not observed 20% of n = 25');
    expect(pointNotObserved(engagement!.selection[0])).toBe('');
    expect(pointNotObserved(undefined)).toBe('');
    expect(pointNotObserved({ bucket: '2026-09-14', scores: 0, suppressed: true, submitted: 6, notObserved: 0.5 })).toBe('');
  });
});
