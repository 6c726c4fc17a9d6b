// Drill-down: from a cell to the observations behind it, then to one
// observation with its scores and evidence. The server decides what the
// caller sees (a supervisor reads the evidence without the teacher).
import { ClockNote } from '../components/ClockNote';
import type { Level } from '../db/types';
import type { Observation, Teacher, Trend } from '../api/types';
import { getAll, getJSON, useLoad } from './api';
import { rubricOf, type Context } from './context';
import { behindCell, cellDays, cellLabel, drillFigures, fmtMean, mayDrill, trendSearch, type Drill, type View } from './shape';
import { Status } from './status';

const most = 2000;

interface Behind {
  cell: Trend['cells'][number] | undefined;
  rubricID: string;
  observations: Observation[];
  more: boolean;
  /** The days behind the cell, from the days the trend covers. */
  days: { from: string; to: string };
}

export function DrillDown({ ctx, view, drill, go }: { ctx: Context; view: View; drill: Drill; go: (v: View) => void }) {
  const f = view.filters;
  const schools = drill.school !== '' ? [drill.school] : f.schools.length > 0 ? f.schools : ctx.me.all_schools ? ctx.schools.map((s) => s.id) : ctx.me.school_ids;
  const back = () => go({ ...view, drill: undefined, observation: undefined });

  const key = JSON.stringify([f, drill]);
  const [data, retry] = useLoad(key, async (): Promise<Behind> => {
    const t = await getJSON<Trend>('/trends' + trendSearch({ ...f, schools: drill.school !== '' ? [drill.school] : f.schools, dimension: drill.dimension }, drill.span, []));
    const cell = t.cells.find((c) => c.bucket.slice(0, 10) === drill.bucket);
    const days = cellDays(drill, { from: t.from ?? f.from, to: t.to ?? f.to });
    // from and to are days in the district's time zone, as the trend's.
    const q = new URLSearchParams({ status: 'submitted', from: days.from, to: days.to });
    if (drill.school !== '' || f.schools.length > 0) for (const id of schools) q.append('school_id', id);
    for (const k of ['kind', 'grade_band', 'subject'] as const) if (f[k] !== '') q.set(k, f[k]);
    const { items, more } = await getAll<Observation>('/observations?' + q.toString(), most);
    return { cell, rubricID: t.rubric_id, observations: items, more, days };
  });

  const rubric = rubricOf(ctx, data.state === 'ok' ? data.data.rubricID : undefined);
  const dim = rubric?.latest.dimensions.find((d) => d.key === drill.dimension);
  const indicators = new Set((dim?.indicators ?? []).map((i) => i.key).filter((k) => f.indicator === '' || k === f.indicator));
  const schoolName = (id: string) => ctx.schools.find((s) => s.id === id)?.name ?? 'School';
  const where = drill.school !== '' ? schoolName(drill.school) : f.schools.length > 0 ? f.schools.map(schoolName).join(', ') : 'All your schools';
  const period = data.state === 'ok' ? cellLabel(drill, data.data.days) : '…';

  return (
    <main class="screen dashboard">
      <p>
        <button type="button" class="link" onClick={back}>
          ← Back to the dashboard
        </button>
      </p>
      <h1>Observations behind the cell</h1>
      <p data-testid="drill-title">
        <strong>{where}</strong> · {dim?.name ?? drill.dimension}
        {f.indicator !== '' ? ` · ${dim?.indicators.find((i) => i.key === f.indicator)?.name ?? f.indicator}` : ''} · {period}
      </p>
      {data.state !== 'ok' ? (
        <Status loaded={data} retry={retry} what="the observations" />
      ) : !mayDrill(ctx.me.user.grants, schools, data.data.cell?.suppressed === true) ? (
        <p class="notice">Your role sees this cell as an aggregate only.</p>
      ) : (
        <List ctx={ctx} view={view} go={go} behind={data.data} schools={schools} indicators={indicators} versions={rubric?.versions ?? []} levels={rubric?.latest.levels ?? []} />
      )}
    </main>
  );
}

function List(props: { ctx: Context; view: View; go: (v: View) => void; behind: Behind; schools: string[]; indicators: Set<string>; versions: string[]; levels: Level[] }) {
  const { ctx, view, go, behind, indicators, levels } = props;
  const os = behind.observations.filter((o) => behindCell(o, new Set(props.schools), new Set(props.versions), indicators));
  const fig = drillFigures(os, indicators);
  const cell = behind.cell;
  const names = useTeachers(os.some((o) => o.teacher_id !== ''));
  const ind = new Map(rubricOf(ctx, behind.rubricID)?.latest.dimensions.flatMap((d) => d.indicators.map((i) => [i.key, i.name] as const)) ?? []);
  const label = (v: number | null) => (v === null ? 'not observed' : `${v} ${levels.find((l) => l.value === v)?.label ?? ''}`);
  const schoolName = (id: string) => ctx.schools.find((s) => s.id === id)?.name ?? 'School';
  const agrees = cell !== undefined && !behind.more && fig.scores === cell.scores && cell.mean !== undefined && fig.mean !== undefined && Math.abs(fig.mean - cell.mean) < 1e-9;
  return (
    <>
      <p data-testid="drill-figures" data-observations={fig.observations} data-scores={fig.scores} data-mean={fig.mean}>
        {fig.observations} {fig.observations === 1 ? 'observation' : 'observations'} with {fig.scores} scores here, mean <strong>{fmtMean(fig.mean)}</strong>.{' '}
        {cell === undefined ? (
          <span class="muted">The cell has no scores now.</span>
        ) : agrees ? (
          <span class="muted">They make up the cell exactly ({cell.scores} scores, mean {fmtMean(cell.mean)}).</span>
        ) : (
          <span class="notice">
            The cell holds {cell.scores} scores, mean {fmtMean(cell.mean)}
            {behind.more ? `: only the first ${most} observations of the period are listed` : ': scores changed since, or some are on another framework'}.
          </span>
        )}
      </p>
      {os.length === 0 ? (
        <p class="notice">No submitted observations are behind this cell.</p>
      ) : (
        <ul class="cards">
          {os.map((o) => (
            <li key={o.id} class="card" data-testid="drill-observation" data-observation={o.id}>
              <div class="row-between">
                <span>
                  <strong>{new Date(o.started_at).toLocaleDateString([], { timeZone: ctx.me.district.time_zone, dateStyle: 'medium' })}</strong>
                  <ClockNote o={o} timeZone={ctx.me.district.time_zone} /> · {schoolName(o.school_id)} ·{' '}
                  {o.teacher_id ? names.get(o.teacher_id) ?? 'Teacher' : <span class="muted">teacher not shown to your role</span>}
                </span>
                <button type="button" onClick={() => go({ ...view, observation: o.id })}>
                  Open observation
                </button>
              </div>
              <span class="muted">
                {o.grade ? `Grade ${o.grade}` : 'No grade'} · {o.subject || 'No subject'} · {o.kind.replace('_', '-')}
              </span>
              <ul class="scores-inline">
                {o.scores
                  .filter((s) => indicators.has(s.indicator_key))
                  .map((s) => (
                    <li key={s.indicator_key}>
                      {ind.get(s.indicator_key) ?? s.indicator_key}: <strong>{label(s.level)}</strong>
                      {s.evidence ? <span class="muted"> — {s.evidence}</span> : null}
                    </li>
                  ))}
              </ul>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** Teacher names of the caller's schools, for roles that see teachers. */
function useTeachers(wanted: boolean): Map<string, string> {
  const [t] = useLoad(wanted ? 'teachers' : undefined, () => getAll<Teacher>('/teachers', Infinity));
  return new Map(t.state === 'ok' ? t.data.items.map((x) => [x.id, `${x.given_name} ${x.family_name}`]) : []);
}

export function ObservationView({ ctx, view, go }: { ctx: Context; view: View; go: (v: View) => void }) {
  const id = view.observation!;
  const [o, retry] = useLoad(id, () => getJSON<Observation>(`/observations/${id}`));
  const names = useTeachers(o.state === 'ok' && o.data.teacher_id !== '');
  const back = () => go({ ...view, observation: undefined });
  const v = o.state === 'ok' ? ctx.rubrics.find((r) => r.versions.includes(o.data.rubric_version_id)) : undefined;
  const levels = v?.latest.levels ?? [];
  const label = (x: number | null) => (x === null ? 'Not observed' : `${x} · ${levels.find((l) => l.value === x)?.label ?? ''}`);
  return (
    <main class="screen dashboard">
      <p>
        <button type="button" class="link" onClick={back}>
          ← Back to {view.drill !== undefined ? 'the observations' : 'the dashboard'}
        </button>
      </p>
      <h1>Observation</h1>
      {o.state !== 'ok' ? (
        <Status loaded={o} retry={retry} what="the observation" />
      ) : (
        <div data-testid="observation">
          <p>
            <strong>{new Date(o.data.started_at).toLocaleString([], { timeZone: ctx.me.district.time_zone, dateStyle: 'medium', timeStyle: 'short' })}</strong>
            <ClockNote o={o.data} timeZone={ctx.me.district.time_zone} /> ·{' '}
            {ctx.schools.find((s) => s.id === o.data.school_id)?.name ?? 'School'} ·{' '}
            {o.data.teacher_id ? names.get(o.data.teacher_id) ?? 'Teacher' : <span class="muted" data-testid="teacher-hidden">teacher not shown to your role</span>}
          </p>
          <p class="muted">
            {o.data.grade ? `Grade ${o.data.grade}` : 'No grade'} · {o.data.subject || 'No subject'} · {o.data.kind.replace('_', '-')} visit
          </p>
          {(v?.latest.dimensions ?? []).map((d) => {
            const scores = o.data.scores.filter((s) => d.indicators.some((i) => i.key === s.indicator_key));
            if (scores.length === 0) return null;
            return (
              <table key={d.key} class="scores">
                <caption>{d.name}</caption>
                <thead>
                  <tr>
                    <th scope="col">Indicator</th>
                    <th scope="col">Level</th>
                    <th scope="col">Evidence</th>
                  </tr>
                </thead>
                <tbody>
                  {scores.map((s) => (
                    <tr key={s.indicator_key} data-testid="observation-score">
                      <th scope="row">{d.indicators.find((i) => i.key === s.indicator_key)?.name ?? s.indicator_key}</th>
                      <td>{label(s.level)}</td>
                      <td class="prewrap">{s.evidence ?? ''}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            );
          })}
          {o.data.evidence && (
            <>
              <h2>Overall evidence</h2>
              <p class="prewrap" data-testid="overall-evidence">
                {o.data.evidence}
              </p>
            </>
          )}
          {(o.data.tags ?? []).length > 0 && <p>Tags: {o.data.tags!.join(', ')}</p>}
        </div>
      )}
    </main>
  );
}
