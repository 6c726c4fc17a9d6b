// The trends dashboard: loaded only when opened (src/app.tsx), online only,
// every view named by its URL.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { useOnline } from '../components/useOnline';
import { fetchAPI, getJSON, saveAs, useLoad } from './api';
import { loadContext, rubricOf, type Context } from './context';
import { Shell, Status, OfflineNote } from './status';
import { Chart } from './Chart';
import { Coverage } from './Coverage';
import { DrillDown, ObservationView } from './Drill';
import { HeatMap } from './HeatMap';
import { Levels } from './Levels';
import { Headline } from '../screens/Headline';
import { askHref, asksAt } from '../support/askLink';
import { addDays, dateIn } from '../time/zone';
import type { Trend } from '../api/types';
import { defaults, kinds, parseView, trendSearch, viewSearch, type Drill, type Filters, type View } from './shape';
import './dashboard.css';

export default function Dashboard() {
  const online = useOnline();
  const [ctx, retry] = useLoad(online ? 'context' : undefined, loadContext);
  if (!online) return <Shell><OfflineNote /></Shell>;
  if (ctx.state !== 'ok') return <Shell><Status loaded={ctx} retry={retry} what="the dashboard" /></Shell>;
  return <Board ctx={ctx.data} />;
}

function Board({ ctx }: { ctx: Context }) {
  const { url, route } = useLocation();
  const current = new URL(url, location.origin).search;
  const s = ctx.me.district.settings;
  const todayDate = dateIn(Date.now(), ctx.me.district.time_zone);
  const defs = useMemo(() => defaults(s, todayDate), [s.school_year_start_month, s.school_year_start_day, todayDate]);
  const view = parseView(new URLSearchParams(current), defs);
  const go = (v: View) => route('/dashboard' + viewSearch(v));
  // The address always names the whole view, defaults included, so a link
  // to it shows the same figures tomorrow.
  const search = viewSearch(view);
  useEffect(() => {
    if (current !== search) route('/dashboard' + search, true);
  }, [current, search]);
  const f = view.filters;
  const rubric = rubricOf(ctx, f.framework);

  if (view.observation !== undefined) return <ObservationView ctx={ctx} view={view} go={go} />;
  if (view.drill !== undefined) return <DrillDown ctx={ctx} view={view} drill={view.drill} go={go} />;

  const open = (d: Drill) => go({ ...view, drill: d });
  return (
    <main class="screen dashboard">
      <div class="title-row">
        <h1>Trends</h1>
        <CsvExport filters={f} />
      </div>
      <p class="muted">
        {ctx.me.district.name} · {f.schools.length === 0 ? (ctx.me.all_schools ? 'all schools' : 'all your schools') : f.schools.map((id) => ctx.schools.find((x) => x.id === id)?.name ?? 'a school').join(', ')} ·{' '}
        {f.from} to {addDays(f.to, -1)}
      </p>
      <Headline title="This school year at a glance" schools={f.schools} inTrends />
      <FilterForm ctx={ctx} view={view} go={go} />
      {rubric === undefined ? (
        <p class="notice">The district has no published framework yet: there is nothing to chart.</p>
      ) : (
        <>
          <Chart ctx={ctx} filters={f} onOpen={open} />
          <AskFromTrend ctx={ctx} filters={f} />
          <HeatMap ctx={ctx} filters={f} onOpen={open} />
          <Levels ctx={ctx} filters={f} />
          <Coverage ctx={ctx} view={view} go={go} />
        </>
      )}
    </main>
  );
}

function FilterForm({ ctx, view, go }: { ctx: Context; view: View; go: (v: View) => void }) {
  const { route } = useLocation();
  const f = view.filters;
  const set = (p: Partial<Filters>) => go({ ...view, filters: { ...f, ...p } });
  const rubric = rubricOf(ctx, f.framework)?.latest;
  const dims = rubric?.dimensions ?? [];
  const indicators = dims.filter((d) => f.dimension === '' || d.key === f.dimension).flatMap((d) => d.indicators);
  // The grade bands and subjects that have scores in the range.
  const [opts] = useLoad(`opts${f.from}${f.to}`, () => getJSON<Trend>('/trends' + trendSearch({ ...f, schools: [], dimension: '', indicator: '', grade_band: '', subject: '', kind: '' }, 'range', ['grade_band', 'subject'])));
  const bands = new Set<string>();
  const subjects = new Set<string>();
  if (opts.state === 'ok') {
    for (const c of opts.data.cells) {
      if (c.group['grade_band']) bands.add(c.group['grade_band']);
      if (c.group['subject']) subjects.add(c.group['subject']);
    }
  }
  if (f.grade_band) bands.add(f.grade_band);
  if (f.subject) subjects.add(f.subject);
  const scope = ctx.schools.filter((x) => ctx.me.all_schools || ctx.me.school_ids.includes(x.id));
  // Filters below the dimension would cut a school's week below the
  // district's minimum: the server answers them only where the caller sees
  // teachers (a supervisor never does).
  const fine = ctx.me.user.grants.some((g) => ['district_admin', 'principal', 'coach'].includes(g.role));
  const [from, setFrom] = useState(f.from);
  const [through, setThrough] = useState(addDays(f.to, -1));
  const [dateError, setDateError] = useState<string | null>(null);
  // Keep the inputs in step when the URL changes (back, a shared link).
  const key = f.from + f.to;
  const [seen, setSeen] = useState(key);
  if (seen !== key) {
    setSeen(key);
    setFrom(f.from);
    setThrough(addDays(f.to, -1));
    setDateError(null);
  }
  const applyDates = (fr: string, th: string) => {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(fr) || !/^\d{4}-\d{2}-\d{2}$/.test(th)) return setDateError('Enter both dates.');
    if (th < fr) return setDateError('“Through” must be on or after “From”.');
    setDateError(null);
    set({ from: fr, to: addDays(th, 1) });
  };
  const toggleSchool = (id: string, on: boolean) => set({ schools: on ? [...f.schools, id] : f.schools.filter((x) => x !== id) });

  // The filters are folded away under a line that says which are set, so
  // the screen opens on its figures.
  const set_ = [
    f.bucket === 'month' ? 'by month' : 'by week',
    f.schools.length > 0 ? `${f.schools.length} ${f.schools.length === 1 ? 'school' : 'schools'}` : '',
    dims.find((d) => d.key === f.dimension)?.name ?? '',
    indicators.find((i) => i.key === f.indicator)?.name ?? '',
    f.grade_band,
    f.subject,
    f.kind ? f.kind.replace('_', '-') : '',
  ].filter((x) => x !== '');
  return (
    <>
      {ctx.rubrics.length > 1 && (
        <div class="field framework-pick">
          <label for="f-framework">Framework</label>
          <select id="f-framework" value={rubric?.rubric_id ?? ''} onChange={(e) => {
            const id = e.currentTarget.value;
            set({ framework: ctx.rubrics[0]?.latest.rubric_id === id ? undefined : id, dimension: '', indicator: '' });
          }}>
            {ctx.rubrics.map((r) => (
              <option key={r.latest.rubric_id} value={r.latest.rubric_id}>
                {r.latest.name}
                {r.main ? ' (district framework)' : r.retired ? ' (retired)' : ''}
              </option>
            ))}
          </select>
        </div>
      )}
    <details class="filters-fold" data-testid="filters-fold">
      <summary>
        Filters <span class="muted">· {from} to {through} · {set_.join(' · ')}</span>
      </summary>
    <form class="filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
      <div class="field">
        <label for="f-from">From</label>
        <input id="f-from" type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} onChange={(e) => applyDates(e.currentTarget.value, through)} aria-invalid={dateError !== null} />
      </div>
      <div class="field">
        <label for="f-through">Through</label>
        <input id="f-through" type="date" value={through} onInput={(e) => setThrough(e.currentTarget.value)} onChange={(e) => applyDates(from, e.currentTarget.value)} aria-invalid={dateError !== null} />
      </div>
      <div class="field">
        <label for="f-bucket">Chart by</label>
        <select id="f-bucket" value={f.bucket} onChange={(e) => set({ bucket: e.currentTarget.value === 'month' ? 'month' : 'week' })}>
          <option value="week">Week</option>
          <option value="month">Month</option>
        </select>
      </div>
      <div class="field">
        <label for="f-dimension">Dimension</label>
        <select id="f-dimension" value={f.dimension} onChange={(e) => set({ dimension: e.currentTarget.value, indicator: '' })}>
          <option value="">All dimensions</option>
          {dims.map((d) => (
            <option key={d.key} value={d.key}>
              {d.name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-indicator">Indicator</label>
        <select id="f-indicator" disabled={!fine} value={f.indicator} onChange={(e) => set({ indicator: e.currentTarget.value })}>
          <option value="">All indicators</option>
          {indicators.map((i) => (
            <option key={i.key} value={i.key}>
              {i.name}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-grade-band">Grade band</label>
        <select id="f-grade-band" disabled={!fine} value={f.grade_band} onChange={(e) => set({ grade_band: e.currentTarget.value })}>
          <option value="">All grade bands</option>
          {[...bands].sort().map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-subject">Subject</label>
        <select id="f-subject" disabled={!fine} value={f.subject} onChange={(e) => set({ subject: e.currentTarget.value })}>
          <option value="">All subjects</option>
          {[...subjects].sort().map((x) => (
            <option key={x} value={x}>
              {x}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="f-kind">Kind of visit</label>
        <select id="f-kind" disabled={!fine} value={f.kind} onChange={(e) => set({ kind: e.currentTarget.value })}>
          <option value="">All kinds</option>
          {kinds.map((k) => (
            <option key={k} value={k}>
              {k.replace('_', '-').replace(/^./, (c) => c.toUpperCase())}
            </option>
          ))}
        </select>
      </div>
      {!fine && (
        <p class="muted small" data-testid="filters-for-teachers">
          Indicator, grade band, subject and kind would show a school’s weeks in pieces too small to keep teachers unknown; they are for principals and coaches.
        </p>
      )}
      {scope.length > 1 && (
        <fieldset class="schools">
          <legend>Schools {f.schools.length === 0 && <span class="muted">(none ticked: all)</span>}</legend>
          {scope.map((x) => (
            <label key={x.id} class="choice">
              <input type="checkbox" checked={f.schools.includes(x.id)} onChange={(e) => toggleSchool(x.id, e.currentTarget.checked)} />
              {x.name}
            </label>
          ))}
        </fieldset>
      )}
      {dateError && (
        <p class="field-error" role="alert">
          {dateError}
        </p>
      )}
      <div class="actions">
        <button type="button" onClick={() => route('/dashboard')}>
          Reset filters
        </button>
        <CopyLink />
      </div>
    </form>
    </details>
    </>
  );
}

function CopyLink() {
  const [done, setDone] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      setDone('Link copied.');
    } catch {
      setDone('Copy the address from the address bar: it names this view.');
    }
  };
  return (
    <>
      <button type="button" onClick={() => void copy()}>
        Copy link to this view
      </button>
      {done && (
        <span role="status" class="muted">
          {done}
        </span>
      )}
    </>
  );
}

function CsvExport({ filters }: { filters: Filters }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      const res = await fetchAPI('/trends.csv' + trendSearch(filters, filters.bucket, ['school', 'dimension']), 'text/csv');
      await saveAs(res, `trends-${filters.from}-to-${addDays(filters.to, -1)}.csv`);
    } catch (err) {
      setError(`Could not export: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="export">
      <button type="button" class="primary" onClick={() => void run()} disabled={busy} aria-busy={busy}>
        {busy ? 'Exporting…' : 'Export CSV'}
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** From the trend on screen to a request for coaching support: one school, the indicator or the dimension's indicators filled in. */
function AskFromTrend({ ctx, filters: f }: { ctx: Context; filters: Filters }) {
  const grants = ctx.me.user.grants;
  const school = f.schools.length === 1 ? f.schools[0]! : undefined;
  if (school === undefined) {
    const any = ctx.schools.some((s) => asksAt(grants, s.id));
    return any ? <p class="muted" data-testid="ask-from-trend-hint">Choose one school to ask for coaching support from this trend.</p> : null;
  }
  if (!asksAt(grants, school)) return null;
  const dims = rubricOf(ctx, f.framework)?.latest.dimensions ?? [];
  const indicators = f.indicator ? [f.indicator] : f.dimension ? (dims.find((d) => d.key === f.dimension)?.indicators ?? []).map((i) => i.key) : [];
  const name = ctx.schools.find((s) => s.id === school)?.name ?? 'the school';
  const what = f.indicator ? dims.flatMap((d) => d.indicators).find((i) => i.key === f.indicator)?.name : f.dimension ? dims.find((d) => d.key === f.dimension)?.name : undefined;
  return (
    <p class="actions">
      <a class="button" data-testid="ask-from-trend" href={askHref(grants, { school, indicators, source: 'trend', reason: `The trend of ${name}${what ? ` on ${what}` : ''}, ${f.from} to the day before ${f.to}.` })}>
        Ask for coaching support at {name}
      </a>
    </p>
  );
}
