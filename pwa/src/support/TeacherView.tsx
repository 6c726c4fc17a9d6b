// /teachers: the teacher view. Teachers × dimensions (and × the focus
// indicators of current cycles) over a period, for those who may see
// teachers: every cell says how many observations and scores are behind
// it, in numbers and words, so nothing depends on colour. Online only: the
// figures are not kept on the device.
import { useMemo, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { components } from '../api/schema';
import { getJSON, useLoad } from '../dashboard/api';
import type { SignedInUser } from '../db/types';
import { db, districtZone, useLive } from '../state';
import { shortDate, shortDay } from '../time/format';
import { addDays, dateIn } from '../time/zone';
import { requestSchools, teacherSchools } from './access';
import { meanText } from './words';

type View = components['schemas']['TeacherView'];
type Row = components['schemas']['TeacherViewRow'];
type Cell = components['schemas']['TeacherCell'];

type SortKey = { by: 'name' | 'observations' | 'last' | 'cycle' | 'trend' } | { by: 'dimension' | 'indicator'; key: string };

export function TeacherView({ user }: { user: SignedInUser }) {
  const { route, query } = useLocation();
  const setup = useLive(async () => {
    const sees = teacherSchools(user.grants);
    const schools = (await db.schools.toArray())
      .filter((s) => sees === 'all' || sees.includes(s.id))
      .sort((a, b) => a.data.name.localeCompare(b.data.name));
    const tz = await districtZone();
    return { schools, tz, today: dateIn(Date.now(), tz) };
  }, [user.id]);
  const [school, setSchool] = useState<string | undefined>(query['school']);
  const [from, setFrom] = useState<string | undefined>(undefined);
  const [to, setTo] = useState<string | undefined>(undefined);
  const [sort, setSort] = useState<SortKey>({ by: 'name' });
  const [desc, setDesc] = useState(false);
  const [picked, setPicked] = useState<Set<string>>(new Set());

  const chosen = school ?? setup?.schools[0]?.id;
  const end = to ?? (setup ? addDays(setup.today, 1) : undefined);
  const start = from ?? (end ? addDays(end, -90) : undefined);
  const key = chosen && start && end ? `school_id=${chosen}&from=${start}&to=${end}` : undefined;
  const [view, retry] = useLoad<View>(key, () => getJSON<View>(`/teacher-view?${key}&limit=500`));

  const rows = useMemo(() => (view.state === 'ok' ? sorted(view.data.items, sort, desc) : []), [view, sort, desc]);

  if (setup === undefined) {
    return (
      <main class="screen wide" aria-busy="true">
        <h1>Teacher view</h1>
        <p>Loading…</p>
      </main>
    );
  }
  if (setup.schools.length === 0) {
    return (
      <main class="screen wide">
        <h1>Teacher view</h1>
        <p class="notice">
          The teacher view is for principals, coaches and district administrators, at the schools whose teachers they see. No such school is on this
          device yet.
        </p>
      </main>
    );
  }
  const asks = requestSchools(user.grants);
  const mayAsk = chosen !== undefined && (asks === 'all' || asks.includes(chosen));
  const coaches = (user.grants ?? []).some((g) => g.role === 'coach' && g.school_id === chosen) || (user.grants ?? []).some((g) => g.role === 'district_admin');
  const toggleSort = (k: SortKey) => {
    if (JSON.stringify(k) === JSON.stringify(sort)) setDesc(!desc);
    else {
      setSort(k);
      setDesc(false);
    }
  };
  const ariaSort = (k: SortKey) => (JSON.stringify(k) === JSON.stringify(sort) ? (desc ? 'descending' : 'ascending') : undefined);
  const head = (label: string, k: SortKey, extra?: string) => (
    <th scope="col" aria-sort={ariaSort(k)}>
      <button type="button" class="sort" onClick={() => toggleSort(k)} title={extra}>
        {label}
        <span aria-hidden="true">{ariaSort(k) === 'ascending' ? ' ▲' : ariaSort(k) === 'descending' ? ' ▼' : ''}</span>
      </button>
    </th>
  );
  const pick = (id: string) => {
    const next = new Set(picked);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setPicked(next);
  };
  const withPicked = (path: string, extra: Record<string, string>) => {
    const p = new URLSearchParams({ school: chosen!, ...extra });
    for (const t of picked) p.append('teacher', t);
    route(`${path}?${p.toString()}`);
  };

  return (
    <main class="screen wide teacher-view">
      <h1>Teacher view</h1>
      <p class="muted">
        Each teacher's mean level by dimension over the period, with the number of observations behind it. Select teachers to ask for coaching support
        or to open a cycle of support.
      </p>
      <form class="grid-2" onSubmit={(e) => e.preventDefault()}>
        <div class="field">
          <label for="tv-school">School</label>
          <select id="tv-school" value={chosen} onChange={(e) => {
            setSchool((e.target as HTMLSelectElement).value);
            setPicked(new Set());
          }}>
            {setup.schools.map((s) => (
              <option key={s.id} value={s.id}>
                {s.data.name}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="tv-from">From</label>
          <input id="tv-from" type="date" value={start} max={end} onChange={(e) => setFrom((e.target as HTMLInputElement).value || undefined)} />
        </div>
        <div class="field">
          <label for="tv-to">Until (not included)</label>
          <input id="tv-to" type="date" value={end} min={start} onChange={(e) => setTo((e.target as HTMLInputElement).value || undefined)} />
        </div>
      </form>
      {view.state === 'loading' && <p aria-busy="true">Loading the teachers…</p>}
      {view.state === 'offline' && (
        <p class="notice" role="status">
          offline: the teacher view needs the network. <button type="button" onClick={retry}>Try again</button>
        </p>
      )}
      {view.state === 'error' && (
        <p class="error" role="alert">
          {view.status === 403 ? 'The teacher view is for those who see this school’s teachers.' : `Could not load the teacher view: ${view.message}`}{' '}
          <button type="button" onClick={retry}>Try again</button>
        </p>
      )}
      {view.state === 'ok' && view.data.items.length === 0 && <p class="notice">No teachers at this school yet.</p>}
      {view.state === 'ok' && view.data.items.length > 0 && (
        <>
          <div class="actions" role="group" aria-label="With the selected teachers">
            <span role="status" data-testid="picked-count">
              {picked.size === 0 ? 'No teacher selected' : `${picked.size} teacher${picked.size === 1 ? '' : 's'} selected`}
            </span>
            {mayAsk && (
              <button type="button" class="primary" disabled={picked.size === 0} onClick={() => withPicked('/support/new', { source: 'teacher_view' })}>
                Ask for coaching support
              </button>
            )}
            {coaches && (
              <button type="button" disabled={picked.size === 0} onClick={() => withPicked('/cycles/new', {})}>
                Open a cycle of support
              </button>
            )}
          </div>
          <div class="table-scroll">
            <table class="scores teacher-table">
              <caption>
                Mean level (observations) from {shortDate(start!)} until {shortDate(end!)}
              </caption>
              <thead>
                <tr>
                  <th scope="col">
                    <span class="visually-hidden">Select</span>
                  </th>
                  {head('Teacher', { by: 'name' })}
                  {head('Visits', { by: 'observations' }, 'Submitted observations in the period')}
                  {head('Last visit', { by: 'last' })}
                  {view.data.dimensions.map((d) => head(d.name, { by: 'dimension', key: d.key }))}
                  {view.data.indicators.map((i) => head(`Focus: ${i.name || i.key}`, { by: 'indicator', key: i.key }))}
                  {head('In a cycle', { by: 'cycle' })}
                  {head('Since last cycle', { by: 'trend' })}
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const name = `${r.teacher.given_name} ${r.teacher.family_name}`;
                  return (
                    <tr key={r.teacher.id} data-testid="teacher-row">
                      <td>
                        <input type="checkbox" class="pick" aria-label={`Select ${name}`} checked={picked.has(r.teacher.id)} onChange={() => pick(r.teacher.id)} />
                      </td>
                      <th scope="row">{name}</th>
                      <td class="num">{r.observations}</td>
                      <td>{r.last_visit ? shortDay(Date.parse(r.last_visit), setup.tz) : 'Never'}</td>
                      {view.data.dimensions.map((d) => (
                        <CellText key={d.key} cell={r.dimensions[d.key]} />
                      ))}
                      {view.data.indicators.map((i) => (
                        <CellText key={i.key} cell={r.indicators[i.key]} />
                      ))}
                      <td>{r.cycles.length === 0 ? 'No' : `Yes (${r.cycles.length === 1 ? r.cycles[0]!.status : `${r.cycles.length} cycles`})`}</td>
                      <td>
                        <Trend row={r} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </main>
  );
}

function CellText({ cell }: { cell: Cell | undefined }) {
  if (cell === undefined || cell.scores === 0) {
    return (
      <td class="num empty">
        <span aria-hidden="true">—</span>
        <span class="visually-hidden">no scores</span>
      </td>
    );
  }
  return (
    <td class="num">
      <strong>{meanText(cell.mean)}</strong> <span class="muted">({cell.observations} obs.)</span>
    </td>
  );
}

/** The last cycle's focus indicator before it began and since, in words. */
function Trend({ row }: { row: Row }) {
  const t = row.trend;
  if (t === undefined) return <span class="muted">No cycle yet</span>;
  const b = t.before.mean;
  const s = t.since.mean;
  if (s === null || b === null) {
    return (
      <span>
        {s === null ? 'No score since ' : 'No score before '}
        {shortDate(t.started_on)}
      </span>
    );
  }
  const d = s - b;
  const word = d > 0.005 ? 'up' : d < -0.005 ? 'down' : 'level';
  return (
    <span>
      <span aria-hidden="true">{word === 'up' ? '▲ ' : word === 'down' ? '▼ ' : '■ '}</span>
      {word} {d >= 0 ? '+' : ''}
      {d.toFixed(2)} ({meanText(b)} → {meanText(s)}, {t.since.observations} obs. since {shortDate(t.started_on)})
    </span>
  );
}

function sorted(items: Row[], s: SortKey, desc: boolean): Row[] {
  const name = (r: Row) => `${r.teacher.family_name} ${r.teacher.given_name}`;
  const value = (r: Row): number | string | null => {
    switch (s.by) {
      case 'name':
        return name(r);
      case 'observations':
        return r.observations;
      case 'last':
        return r.last_visit ?? null;
      case 'cycle':
        return r.cycles.length;
      case 'trend':
        return r.trend && r.trend.since.mean !== null && r.trend.before.mean !== null ? r.trend.since.mean - r.trend.before.mean : null;
      case 'dimension':
        return r.dimensions[s.key]?.mean ?? null;
      case 'indicator':
        return r.indicators[s.key]?.mean ?? null;
    }
  };
  const out = [...items];
  out.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    // Cells with nothing in them go last, whichever the direction.
    if (x === null || y === null) return x === y ? name(a).localeCompare(name(b)) : x === null ? 1 : -1;
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return (desc ? -c : c) || name(a).localeCompare(name(b));
  });
  return out;
}
