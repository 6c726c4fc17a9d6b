// Dimension means over time: one small chart per dimension, the selection's
// line solid with round points, the district's dashed with square points,
// both named in a legend and in a table of the same figures.
import { getJSON, useLoad } from './api';
import { rubricOf, type Context } from './context';
import { Status } from './status';
import type { Trend } from '../api/types';
import { bucketsOf, fmtMean, mayDrill, pointNotObserved, seriesOf, trendSearch, type Drill, type Filters, type Point, type Series } from './shape';

const W = 320;
const H = 190;
const pad = { l: 30, r: 10, t: 10, b: 28 };

export function Chart({ ctx, filters, onOpen }: { ctx: Context; filters: Filters; onOpen: (d: Drill) => void }) {
  const path = '/trends' + trendSearch(filters, filters.bucket, ['dimension']);
  const [t, retry] = useLoad(path, () => getJSON<Trend>(path));
  return (
    <section aria-labelledby="chart-h" class="panel">
      <h2 id="chart-h">Dimension means by {filters.bucket}</h2>
      <p class="legend">
        <svg width="36" height="12" aria-hidden="true">
          <line x1="0" y1="6" x2="36" y2="6" class="line-selection" />
          <circle cx="18" cy="6" r="4" class="dot-selection" />
        </svg>
        {filters.schools.length === 1 ? 'This school' : 'Selected schools'}
        <svg width="36" height="12" aria-hidden="true">
          <line x1="0" y1="6" x2="36" y2="6" class="line-district" />
          <rect x="14" y="2" width="8" height="8" class="dot-district" />
        </svg>
        District
        <span class="muted">· × below the axis: a suppressed point</span>
      </p>
      {t.state !== 'ok' ? (
        <Status loaded={t} retry={retry} what="the chart" />
      ) : (
        <ChartBody ctx={ctx} t={t.data} filters={filters} onOpen={onOpen} />
      )}
    </section>
  );
}

function ChartBody({ ctx, t, filters, onOpen }: { ctx: Context; t: Trend; filters: Filters; onOpen: (d: Drill) => void }) {
  const rubric = rubricOf(ctx, t.rubric_id)?.latest;
  const series = seriesOf(t, rubric?.dimensions ?? []);
  if (t.cells.length === 0) return <p class="notice" data-testid="chart-empty">No submitted scores match these filters.</p>;
  const buckets = bucketsOf(series);
  const levels = (rubric?.levels ?? [{ value: 1 }, { value: 4 }]).map((l) => l.value);
  const lo = Math.min(...levels);
  const hi = Math.max(...levels);
  const x = (b: string) => pad.l + (buckets.length <= 1 ? (W - pad.l - pad.r) / 2 : (buckets.indexOf(b) * (W - pad.l - pad.r)) / (buckets.length - 1));
  const y = (m: number) => pad.t + ((hi - m) * (H - pad.t - pad.b)) / (hi - lo || 1);
  const schools = filters.schools.length > 0 ? filters.schools : ctx.me.all_schools ? ctx.schools.map((s) => s.id) : ctx.me.school_ids;
  const drillable = (p: Point) => mayDrill(ctx.me.user.grants, schools, p.suppressed);
  const open = (s: Series, p: Point) => onOpen({ span: filters.bucket, bucket: p.bucket, school: filters.schools.length === 1 ? filters.schools[0]! : '', dimension: s.key });
  const label = (b: string) => new Date(b + 'T00:00:00Z').toLocaleDateString([], { month: 'short', day: filters.bucket === 'week' ? 'numeric' : undefined, timeZone: 'UTC' });
  const ticks = buckets.length <= 3 ? buckets : [buckets[0]!, buckets[Math.floor((buckets.length - 1) / 2)]!, buckets[buckets.length - 1]!];

  const partial = [...new Set([...t.cells, ...t.district].filter((c) => c.partial === true).map((c) => c.bucket.slice(0, 10)))].sort();
  const left = t.cells.reduce((n, c) => n + (c.left_out ?? 0), 0);

  return (
    <>
      <p class="muted small" data-testid="chart-covers">
        From {t.from} to {t.to} (not included)
        {partial.length > 0 ? `; ${partial.map(label).join(' and ')} ${partial.length === 1 ? 'is' : 'are'} partial: only the days within count` : ''}
        {left > 0 ? `; ${left} small week${left === 1 ? '' : 's'} of schools whose teachers you do not see left out` : ''}.
      </p>
      <div class="charts">
        {series.map((s) => {
          const last = [...s.selection].reverse().find((p) => p.mean !== undefined);
          return (
            <figure key={s.key} class="chart" data-testid="chart" data-dimension={s.key}>
              <figcaption>
                <strong>{s.name}</strong> <span class="muted">latest {fmtMean(last?.mean)}</span>
              </figcaption>
              <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${s.name}: means by ${filters.bucket}, the selection against the district`}>
                {levels.map((v) => (
                  <g key={v}>
                    <line x1={pad.l} x2={W - pad.r} y1={y(v)} y2={y(v)} class="grid" />
                    <text x={pad.l - 6} y={y(v) + 4} class="tick" text-anchor="end">
                      {v}
                    </text>
                  </g>
                ))}
                {ticks.map((b, i) => (
                  <text key={b} x={x(b)} y={H - 6} class="tick" text-anchor={ticks.length === 1 ? 'middle' : i === 0 ? 'start' : i === ticks.length - 1 ? 'end' : 'middle'}>
                    {label(b)}
                  </text>
                ))}
                <path d={line(s.district, x, y)} class="line-district" />
                <path d={line(s.selection, x, y)} class="line-selection" />
                {s.district.map((p) =>
                  p.mean === undefined ? null : <rect key={'d' + p.bucket} x={x(p.bucket) - 3} y={y(p.mean) - 3} width="6" height="6" class="dot-district" data-testid="district-point" data-dimension={s.key} data-bucket={p.bucket} data-mean={p.mean} />,
                )}
                {s.selection.map((p) =>
                  p.suppressed || p.mean === undefined ? (
                    <text key={p.bucket} x={x(p.bucket)} y={H - pad.b + 4} class="suppressed-mark" text-anchor="middle" data-testid="chart-suppressed" data-dimension={s.key} data-bucket={p.bucket}>
                      ×<title>{`${label(p.bucket)}: suppressed, fewer than ${t.min_cell_size} observations`}</title>
                    </text>
                  ) : (
                    <g key={p.bucket} class={drillable(p) ? 'point drill' : 'point'} onClick={drillable(p) ? () => open(s, p) : undefined}>
                      <circle cx={x(p.bucket)} cy={y(p.mean)} r="4" class="dot-selection" data-testid="chart-point" data-dimension={s.key} data-bucket={p.bucket} data-mean={p.mean} />
                      <circle cx={x(p.bucket)} cy={y(p.mean)} r="11" class="hit">
                        <title>{`${label(p.bucket)}: mean ${fmtMean(p.mean)}, ${p.scores} scores`}</title>
                      </circle>
                    </g>
                  ),
                )}
              </svg>
            </figure>
          );
        })}
      </div>
      <details class="figures">
        <summary>The chart's figures as a table</summary>
        <p class="muted small">
          “Not observed” is the share of the observations submitted in that week or month that scored none of the dimension’s look-fors, with their number (n). Where you may not see a school’s teachers, it counts only that school’s weeks kept in the figure.
        </p>
        <div class="scroll">
          <table class="data">
            <thead>
              <tr>
                <th scope="col">{filters.bucket === 'week' ? 'Week of' : 'Month'}</th>
                {series.map((s) => (
                  <th key={s.key} scope="col">
                    {s.name}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {buckets.map((b) => (
                <tr key={b}>
                  <th scope="row">{b}</th>
                  {series.map((s) => {
                    const p = s.selection.find((q) => q.bucket === b);
                    const d = s.district.find((q) => q.bucket === b);
                    const pn = pointNotObserved(p);
                    const dn = pointNotObserved(d);
                    return (
                      <td key={s.key} data-testid="chart-table-cell" data-dimension={s.key} data-bucket={b}>
                        {p === undefined ? '–' : p.suppressed ? 'suppressed' : drillable(p) ? (
                          <button type="button" class="link" onClick={() => open(s, p)} aria-label={`${s.name}, ${b}: mean ${fmtMean(p.mean)}; open the observations`}>
                            {fmtMean(p.mean)}
                          </button>
                        ) : (
                          fmtMean(p.mean)
                        )}
                        {pn !== '' && (
                          <span class="muted small cell-note" data-testid="chart-not-observed">
                            {pn}
                          </span>
                        )}
                        <span class="muted small cell-note" data-testid="chart-district">
                          (district {d?.suppressed ? 'suppressed' : fmtMean(d?.mean)}
                          {dn !== '' ? `, ${dn}` : ''})
                        </span>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </>
  );
}

/** A polyline through the points with a mean, broken where one is missing. */
function line(ps: Point[], x: (b: string) => number, y: (m: number) => number): string {
  let d = '';
  let pen = false;
  for (const p of ps) {
    if (p.mean === undefined) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${x(p.bucket).toFixed(1)},${y(p.mean).toFixed(1)}`;
    pen = true;
  }
  return d;
}
