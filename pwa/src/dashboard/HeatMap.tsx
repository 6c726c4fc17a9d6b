// The school × dimension heat map over the whole range. Each cell prints its
// mean and carries a bar and a band marker besides its shade, so it reads
// without colour; a suppressed cell is hatched and says why.
import { getJSON, useLoad } from './api';
import { rubricOf, type Context } from './context';
import type { Trend, TrendCell } from '../api/types';
import { askHref, asksAt } from '../support/askLink';
import { band, fmtMean, heatMatrix, mayDrill, notObservedText, trendSearch, type Drill, type Filters } from './shape';
import { Status } from './status';

const bandWords = ['', 'lowest quarter', 'second quarter', 'third quarter', 'top quarter'];

export function HeatMap({ ctx, filters, onOpen }: { ctx: Context; filters: Filters; onOpen: (d: Drill) => void }) {
  const path = '/trends' + trendSearch(filters, 'range', ['school', 'dimension']);
  const [t, retry] = useLoad(path, () => getJSON<Trend>(path));
  return (
    <section aria-labelledby="heat-h" class="panel">
      <h2 id="heat-h">Schools by dimension</h2>
      {t.state !== 'ok' ? <Status loaded={t} retry={retry} what="the heat map" /> : <Body ctx={ctx} t={t.data} filters={filters} onOpen={onOpen} />}
    </section>
  );
}

function Body({ ctx, t, filters, onOpen }: { ctx: Context; t: Trend; filters: Filters; onOpen: (d: Drill) => void }) {
  const rubric = rubricOf(ctx, t.rubric_id)?.latest;
  const levels = rubric?.levels ?? [];
  const m = heatMatrix(t, ctx.schools, rubric?.dimensions ?? []);
  if (m.rows.length === 0) return <p class="notice" data-testid="heat-empty">No submitted scores match these filters.</p>;
  const reason = `every week had fewer than ${t.min_cell_size} observations`;
  const leftOut = (c: TrendCell) =>
    (c.left_out ?? 0) > 0 ? (
      <span class="n left-out" data-testid="heat-left-out">
        {c.left_out} small week{c.left_out === 1 ? '' : 's'} left out
      </span>
    ) : null;

  const cell = (c: TrendCell | undefined, school: string | undefined, dim: string, name: string) => {
    if (c === undefined) return <td class="heat none">no scores</td>;
    if (c.suppressed) {
      return (
        <td class="heat suppressed" data-testid="heat-cell" data-school={school ?? ''} data-dimension={dim} data-suppressed="true">
          <span class="value">Suppressed</span>
          <span class="why">{reason}</span>
          {leftOut(c)}
        </td>
      );
    }
    const b = c.mean === undefined ? 1 : band(c.mean, levels);
    const lo = Math.min(...levels.map((l) => l.value));
    const hi = Math.max(...levels.map((l) => l.value));
    const width = c.mean === undefined || hi <= lo ? 0 : ((c.mean - lo) / (hi - lo)) * 100;
    const body = (
      <>
        <span class="value">{fmtMean(c.mean)}</span>
        <span class="mark" aria-hidden="true">
          {[1, 2, 3, 4].map((i) => (
            <i key={i} class={i <= b ? 'on' : undefined} style={{ height: `${3 + 3 * i}px` }} />
          ))}
        </span>
        <span class="bar" aria-hidden="true">
          <span style={{ width: `${width.toFixed(0)}%` }} />
        </span>
        <span class="n">
          {c.scores} scores<span class="sr-only">, {bandWords[b]}</span>
        </span>
        {c.not_observed !== undefined && c.submitted !== undefined && (
          <span class="n" data-testid="not-observed">
            {notObservedText(c.not_observed, c.submitted)}
          </span>
        )}
        {leftOut(c)}
      </>
    );
    const drill = school !== undefined && mayDrill(ctx.me.user.grants, [school], false);
    return (
      <td class={`heat band-${b}`} data-testid="heat-cell" data-school={school ?? 'district'} data-dimension={dim} data-mean={c.mean} data-scores={c.scores} data-left-out={c.left_out ?? 0} data-not-observed={c.not_observed} data-submitted={c.submitted}>
        {drill ? (
          <button type="button" class="cell-open" onClick={() => onOpen({ span: 'range', bucket: filters.from, school: school!, dimension: dim })} title="Open the observations">
            <span class="sr-only">{name}: mean </span>
            {body}
            <span class="sr-only">; open the observations</span>
          </button>
        ) : (
          body
        )}
        {school !== undefined && asksAt(ctx.me.user.grants, school) && (
          <a
            class="cell-ask"
            href={askHref(ctx.me.user.grants, { school, indicators: (rubric?.dimensions.find((d) => d.key === dim)?.indicators ?? []).map((i) => i.key), source: 'heat_map', reason: `${name}: mean ${fmtMean(c.mean)} over ${c.scores} scores, ${t.from} to the day before ${t.to}.` })}
          >
            Ask for support<span class="sr-only">: {name}</span>
          </a>
        )}
      </td>
    );
  };

  return (
    <>
      <div class="scroll">
        <table class="heatmap">
          <caption class="sr-only">Mean score of each school on each dimension, {t.from} to the day before {t.to}</caption>
          <thead>
            <tr>
              <th scope="col">School</th>
              {m.dimensions.map((d) => (
                <th key={d.key} scope="col">
                  {d.name}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {m.rows.map((r) => (
              <tr key={r.school.id}>
                <th scope="row">{r.school.name}</th>
                {r.cells.map((c, i) => cell(c, r.school.id, m.dimensions[i]!.key, `${r.school.name}, ${m.dimensions[i]!.name}`))}
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">District</th>
              {m.district.map((c, i) => cell(c, undefined, m.dimensions[i]!.key, `District, ${m.dimensions[i]!.name}`))}
            </tr>
          </tfoot>
        </table>
      </div>
      <p class="muted small" data-testid="heat-covers">
        Each cell covers {t.from} to the day before {t.to}, the dates asked widened to whole weeks.
      </p>
      <p class="muted small">
        Each cell: the mean on the {levels.length > 0 ? `${levels[0]!.value}–${levels[levels.length - 1]!.value}` : ''} scale, a bar of its length, steps filled for its quarter of the scale (one step: the lowest quarter, four: the top) and the number of scores. Open a school's cell for the observations behind it. “Not observed” is the share of the observations submitted there that scored none of the dimension’s
        look-fors, with their number (n); where you may not see a school’s teachers, it counts only the weeks kept in the figure, and the district’s row has none.
        Where you may not see a school’s teachers, its figures count only weeks (of one dimension, split at a month’s end) with at least {t.min_cell_size} observations; smaller weeks are left out of every figure, the district’s included, and each cell says how many. A suppressed cell had no week that large.
      </p>
    </>
  );
}
