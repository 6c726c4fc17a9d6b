// The coach's reports, loaded only when opened: coaches' workload, what
// kind of support was followed by the shift (the cycle-effectiveness
// report), calibration over time, and the calendar subscription. They read
// the server (src/coach/read.tsx keeps the last answer for offline use);
// days are the district's.
import { useState } from 'preact/hooks';
import type { components, operations } from '../api/schema';
import { getMeta, setMeta } from '../db/schema';
import type { SignedInUser } from '../db/types';
import { db, engine, useDistrictZone, useLive } from '../state';
import { shortDate } from '../time/format';
import { addDays, dateIn } from '../time/zone';
import { useOnline } from '../components/useOnline';
import { activityKinds } from '../screens/cycles';
import { ReadState, percent, useServerRead } from './read';
import { roseText, teachersChangeText } from '../cycles/change';

type Workload = components['schemas']['CoachWorkload'];
type Effectiveness = components['schemas']['CycleEffectiveness'];
type CalibrationAnswer = operations['getCalibration']['responses'][200]['content']['application/json'];
type CalendarFeed = components['schemas']['CalendarFeed'];

const kindLabel = (k: string) => activityKinds.find((x) => x.value === k)?.label ?? k;

/** The links between the reports, on each of them and on the cycles screen. */
export function ReportLinks({ user }: { user: SignedInUser }) {
  const roles = new Set((user.grants ?? []).map((g) => g.role));
  const leads = roles.has('district_admin') || roles.has('supervisor') || roles.has('principal');
  return (
    <nav aria-label="Coaching reports" class="actions">
      <a class="button" href="/workload">
        Workload
      </a>
      <a class="button" href="/reports/effectiveness">
        What support worked
      </a>
      {leads && (
        <a class="button" href="/calibration">
          Calibration
        </a>
      )}
      <a class="button" href="/calendar">
        Subscribe in your calendar
      </a>
    </nav>
  );
}

/** A period of whole days in the district, as from and to (exclusive). */
function usePeriod(): [{ from: string; to: string; label: string }, string, (v: string) => void] {
  const tz = useDistrictZone();
  const [choice, setChoice] = useState('90');
  const today = dateIn(Date.now(), tz);
  const to = addDays(today, 1);
  const year = Number(today.slice(0, 4)) - (Number(today.slice(5, 7)) < 8 ? 1 : 0);
  const periods: Record<string, { from: string; to: string; label: string }> = {
    '30': { from: addDays(today, -29), to, label: 'The last 30 days' },
    '90': { from: addDays(today, -89), to, label: 'The last 90 days' },
    year: { from: `${year}-08-01`, to, label: 'This school year (from 1 August)' },
  };
  return [periods[choice]!, choice, setChoice];
}

function PeriodPicker({ choice, setChoice, id }: { choice: string; setChoice: (v: string) => void; id: string }) {
  return (
    <div class="field">
      <label for={id}>Period</label>
      <select id={id} value={choice} onChange={(e) => setChoice(e.currentTarget.value)}>
        <option value="30">The last 30 days</option>
        <option value="90">The last 90 days</option>
        <option value="year">This school year (from 1 August)</option>
      </select>
    </div>
  );
}

/** /workload: a coach's own load; every coach's for whoever leads schools. */
export function Workload({ user }: { user: SignedInUser }) {
  const schools = useLive(async () => new Map((await db.schools.toArray()).map((s) => [s.id, s.data.name])), []);
  const [read, retry] = useServerRead<Workload>('workload', '/api/v1/coaches/workload', async (path) => {
    // Every page: a district has tens of coaches, not thousands.
    const first = await engine.getJSON<Workload>(`${path}?limit=200`);
    let page = first;
    for (let n = 0; page.more && n < 20; n++) {
      page = await engine.getJSON<Workload>(`${path}?limit=200&cursor=${encodeURIComponent(page.cursor)}`);
      first.items.push(...page.items);
    }
    return { ...first, more: false, cursor: '' };
  });
  return (
    <main class="screen wide">
      <h1>Coaches’ workload</h1>
      <ReportLinks user={user} />
      <ReadState read={read} what="the workload" retry={retry}>
        {(w) =>
          w.items.length === 0 ? (
            <p class="muted" data-testid="workload-empty">
              No coach has an open cycle or a follow-up this week or next.
            </p>
          ) : (
            <table class="scores" data-testid="workload">
              <caption>
                Open cycles and follow-ups in the week of {shortDate(w.this_week)} and the week of {shortDate(w.next_week)}.
              </caption>
              <thead>
                <tr>
                  <th scope="col">Coach</th>
                  <th scope="col">Schools</th>
                  <th scope="col">Open cycles</th>
                  <th scope="col">Follow-ups this week</th>
                  <th scope="col">Next week</th>
                  <th scope="col">Overdue</th>
                </tr>
              </thead>
              <tbody>
                {w.items.map((c) => (
                  <tr key={c.coach_id} data-testid="workload-row" aria-current={c.coach_id === user.id ? 'true' : undefined}>
                    <th scope="row">{c.coach_id === user.id ? `${c.coach_name} (you)` : c.coach_name}</th>
                    <td>{c.school_ids.map((s) => schools?.get(s) ?? 'a school').join(', ')}</td>
                    <td>{c.open_cycles}</td>
                    <td>{c.follow_ups_this_week}</td>
                    <td>{c.follow_ups_next_week}</td>
                    <td>{c.overdue > 0 ? <strong class="danger-text">{c.overdue} overdue</strong> : 'none'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </ReadState>
    </main>
  );
}

/** /reports/effectiveness: how often the focus indicator rose in follow-ups, by kind of support. */
export function Effectiveness({ user }: { user: SignedInUser }) {
  const [period, choice, setChoice] = usePeriod();
  // One framework at a time; empty: the district's main framework.
  const [framework, setFramework] = useState('');
  const [read, retry] = useServerRead<Effectiveness>(
    'effectiveness',
    `/api/v1/reports/cycle-effectiveness?from=${period.from}&to=${period.to}${framework ? `&rubric_id=${encodeURIComponent(framework)}` : ''}`,
  );
  return (
    <main class="screen wide">
      <h1>What support worked</h1>
      <ReportLinks user={user} />
      <p class="muted">
        A follow-up score <strong>rose</strong> when it is above the same teacher’s focus scores before the support began. It counts for the kind of the cycle’s latest support activity before the follow-up.
      </p>
      <PeriodPicker id="eff-period" choice={choice} setChoice={setChoice} />
      <ReadState read={read} what="the report" retry={retry}>
        {(r) => (
          <>
          {r.frameworks.length > 1 && (
            <label class="framework-choice">
              Framework
              <select value={r.rubric_id} onChange={(e) => setFramework(e.currentTarget.value)}>
                {r.frameworks.map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.main ? `${f.name} (the district framework)` : f.name}
                  </option>
                ))}
              </select>
            </label>
          )}
          {r.follow_ups === 0 && r.kinds.every((k) => k.follow_ups === 0) ? (
            <p class="muted" data-testid="effectiveness-empty">
              No follow-up in this period was scored on its cycle’s focus indicator yet. {period.label} is covered.
            </p>
          ) : (
            <>
              <p data-testid="effectiveness-headline">
                Of n = {r.follow_ups} follow-up scores across {r.cycles} cycles, <strong>{roseText(r.rose, r.follow_ups, r.rose_low, r.rose_high, r.min_to_judge)}</strong>.
                {r.from && r.to && ` From ${shortDate(r.from)} to ${shortDate(addDays(r.to, -1))}.`}
              </p>
              <table class="scores" data-testid="effectiveness">
                <caption>
                  By kind of support. Each follow-up score counts once. The likely range is where the true share or change probably lies; below {r.min_to_judge} scores a
                  share is too few to judge, and a teacher’s change needs 2 scores before the support and 2 follow-up scores.
                </caption>
                <thead>
                  <tr>
                    <th scope="col">Kind of support</th>
                    <th scope="col">Cycles</th>
                    <th scope="col">Follow-up scores (n)</th>
                    <th scope="col">Rose</th>
                    <th scope="col">Change against each teacher’s own start</th>
                    <th scope="col">Similar teachers with no cycle, same weeks</th>
                  </tr>
                </thead>
                <tbody>
                  {r.kinds.map((k) => (
                    <tr key={k.kind} data-testid="effectiveness-row">
                      <th scope="row">{kindLabel(k.kind)}</th>
                      <td>{k.cycles}</td>
                      <td>{k.follow_ups}</td>
                      <td data-testid="rose">{k.suppressed || k.rose === null ? 'hidden: too few scores' : roseText(k.rose, k.follow_ups, k.rose_low, k.rose_high, r.min_to_judge)}</td>
                      <td data-testid="change">{k.suppressed ? 'hidden: too few scores' : teachersChangeText(k.change, 'Too few to judge')}</td>
                      <td data-testid="comparison">{k.suppressed ? 'hidden: too few scores' : teachersChangeText(k.comparison, 'None to compare with')}</td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  <tr data-testid="effectiveness-all">
                    <th scope="row">All kinds</th>
                    <td>{r.cycles}</td>
                    <td>{r.follow_ups}</td>
                    <td>{roseText(r.rose, r.follow_ups, r.rose_low, r.rose_high, r.min_to_judge)}</td>
                    <td data-testid="change">{teachersChangeText(r.change, 'Too few to judge')}</td>
                    <td data-testid="comparison">{teachersChangeText(r.comparison, 'None to compare with')}</td>
                  </tr>
                </tfoot>
              </table>
              <p class="muted" data-testid="effectiveness-comparison-note">
                A change is a teacher’s follow-up scores less their own scores before the support, each teacher of each cycle counted once. Teachers who start low often
                score higher next time without any support: read each change beside the change of teachers at the same schools who started at a similar level and had no
                cycle over the same weeks. Only the difference between them suggests what the support did.
              </p>
              {(r.left_out ?? 0) > 0 && (
                <p class="muted">
                  {r.left_out} school months with too few follow-up scores to show without identifying teachers are left out of every figure.
                </p>
              )}
              {r.from_requests.follow_ups > 0 && (
                <p class="muted">
                  Cycles opened from a support request: of n = {r.from_requests.follow_ups} follow-up scores,{' '}
                  {roseText(r.from_requests.rose, r.from_requests.follow_ups, r.from_requests.rose_low, r.from_requests.rose_high, r.min_to_judge)}.
                </p>
              )}
            </>
          )}
          </>
        )}
      </ReadState>
    </main>
  );
}

/** /calibration: how closely observers who scored the same classroom agreed, over time. */
export function Calibration({ user }: { user: SignedInUser }) {
  const [period, choice, setChoice] = usePeriod();
  // One framework at a time; empty: the district's main framework.
  const [framework, setFramework] = useState('');
  const [read, retry] = useServerRead<CalibrationAnswer>(
    'calibration',
    `/api/v1/calibration?from=${period.from}&to=${period.to}${framework ? `&rubric_id=${encodeURIComponent(framework)}` : ''}`,
  );
  return (
    <main class="screen wide">
      <h1>Calibration</h1>
      <ReportLinks user={user} />
      <p class="muted">Where two or more observers scored the same classroom visit: how often they gave the same level, or levels one apart.</p>
      <PeriodPicker id="cal-period" choice={choice} setChoice={setChoice} />
      <ReadState read={read} what="calibration" retry={retry}>
        {(answer) => {
          const c = answer;
          const picker =
            (c.frameworks ?? []).length > 1 ? (
              <label class="framework-choice">
                Framework
                <select value={c.rubric_id} onChange={(e) => setFramework(e.currentTarget.value)}>
                  {c.frameworks.map((f) => (
                    <option key={f.id} value={f.id}>
                      {f.main ? `${f.name} (the district framework)` : f.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : null;
          return (
            <>
              {picker}
              <CalibrationBody c={c} />
            </>
          );
        }}
      </ReadState>
    </main>
  );
}

function CalibrationBody({ c }: { c: CalibrationAnswer }) {
  if (c.visits === 0) {
    return (
      <p class="muted" data-testid="calibration-empty">
        No classroom in this period was scored by two observers. Team walkthroughs where several observers score the same room build this report.
      </p>
    );
  }
  const months = [...new Set(c.observers.flatMap((o) => o.months.map((m) => m.month)))].sort();
  const monthName = (m: string) => new Date(`${m.slice(0, 7)}-15T12:00:00Z`).toLocaleDateString([], { month: 'short', year: 'numeric', timeZone: 'UTC' });
  return (
    <>
      <p data-testid="calibration-headline">
        {c.visits} classroom visits scored by two or more observers, in {c.walkthroughs} walkthroughs ({c.observations} observations).
      </p>
      <table class="scores" data-testid="calibration-observers">
        <caption>Each observer month by month: the share of their scores at the team’s median level (and how many scores)</caption>
        <thead>
          <tr>
            <th scope="col">Observer</th>
            {months.map((m) => (
              <th key={m} scope="col">
                {monthName(m)}
              </th>
            ))}
            <th scope="col">Same level</th>
            <th scope="col">Within one</th>
            <th scope="col">Scores higher or lower</th>
          </tr>
        </thead>
        <tbody>
          {c.observers.map((o) => (
            <tr key={o.user_id} data-testid="calibration-observer">
              <th scope="row">{o.name}</th>
              {months.map((m) => {
                const x = o.months.find((y) => y.month === m);
                return <td key={m}>{x ? `${percent(x.exact_agreement)} (${x.scores})` : '—'}</td>;
              })}
              <td>{percent(o.exact_agreement)}</td>
              <td>{percent(o.within_one_agreement)}</td>
              <td>{o.mean_difference === null ? '—' : o.mean_difference > 0.05 ? `higher by ${o.mean_difference.toFixed(2)}` : o.mean_difference < -0.05 ? `lower by ${(-o.mean_difference).toFixed(2)}` : 'as the team'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <table class="scores" data-testid="calibration-indicators">
        <caption>By indicator</caption>
        <thead>
          <tr>
            <th scope="col">Indicator</th>
            <th scope="col">Visits</th>
            <th scope="col">Same level</th>
            <th scope="col">Within one</th>
          </tr>
        </thead>
        <tbody>
          {c.indicators.map((i) => (
            <tr key={i.key}>
              <th scope="row">{i.name}</th>
              <td>{i.visits}</td>
              <td>{percent(i.exact_agreement)}</td>
              <td>{percent(i.within_one_agreement)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/**
 * /calendar: subscribe to one's follow-ups from Google Calendar or Outlook.
 * The server shows a feed's secret link only when it makes one; this device
 * keeps the last one it made, so that it can be copied again here.
 */
export function Calendar({ user }: { user: SignedInUser }) {
  const online = useOnline();
  const kept = useLive(async () => (await getMeta<{ url: string; at: number; user: string }>(db, 'calendar_link')) ?? null, []);
  const [read, retry] = useServerRead<CalendarFeed>('calendar', '/api/v1/me/calendar');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  // A link kept on this device, unless the server says there is none any more.
  const link = kept && kept.user === user.id && !(read.phase === 'ok' && !read.data.active) ? kept : null;
  const make = async (again: boolean) => {
    if (again && !confirm('Make a new link? The old link stops working in every calendar that subscribed to it.')) return;
    setBusy(true);
    setError(null);
    setCopied(false);
    try {
      const res = await engine.request('POST', '/api/v1/me/calendar', {});
      if (!res.ok) throw new Error(`the server answered ${res.status}`);
      const feed = (await res.json()) as CalendarFeed;
      if (!feed.path) throw new Error('the server sent no link');
      await setMeta(db, 'calendar_link', { url: new URL(feed.path, location.origin).href, at: Date.now(), user: user.id });
      retry();
    } catch (err) {
      setError(navigator.onLine ? `Could not make the link: ${err instanceof Error ? err.message : String(err)}` : 'Offline: making a link needs the network.');
    } finally {
      setBusy(false);
    }
  };
  const copy = async () => {
    if (!link) return;
    try {
      await navigator.clipboard.writeText(link.url);
      setCopied(true);
    } catch {
      (document.getElementById('cal-link') as HTMLInputElement | null)?.select();
      setError('Could not copy by itself: the link is selected, copy it with your keyboard.');
    }
  };
  return (
    <main class="screen wide">
      <h1>Subscribe in your calendar</h1>
      <ReportLinks user={user} />
      <p>Your follow-ups, the ones you schedule and the ones you are invited to, appear in your own calendar and stay up to date there.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {link && (
        <section aria-labelledby="cal-link-h" class="panel">
          <h2 id="cal-link-h">Your calendar link</h2>
          <div class="field">
            <label for="cal-link">Calendar link (keep it private: anyone with it sees your follow-ups)</label>
            <input id="cal-link" type="text" readOnly value={link.url} onFocus={(e) => e.currentTarget.select()} data-testid="calendar-link" />
          </div>
          <div class="actions">
            <button type="button" class="primary" onClick={() => void copy()}>
              Copy the link
            </button>
          </div>
          {copied && (
            <p role="status" data-testid="copied">
              Copied. In Google Calendar: Other calendars → From URL. In Outlook: Add calendar → Subscribe from web.
            </p>
          )}
        </section>
      )}
      <ReadState read={read} what="your calendar subscription" retry={retry}>
        {(feed) =>
          feed.active ? (
            <div>
              {!link && <p data-testid="calendar-active">Your calendar link is active. The link is shown only when it is made: to copy it on this device, make a new one.</p>}
              <button type="button" onClick={() => void make(true)} disabled={busy || !online} aria-busy={busy}>
                Make a new link
              </button>
              <p class="muted">A new link replaces the old one: do it if the link was shared by mistake.</p>
            </div>
          ) : (
            <div>
              <p data-testid="calendar-none">You have no calendar link yet.</p>
              <button type="button" class="primary" onClick={() => void make(false)} disabled={busy || !online} aria-busy={busy}>
                Make my calendar link
              </button>
            </div>
          )
        }
      </ReadState>
      {!online && <p class="notice">Offline: making or changing the link needs the network.</p>}
    </main>
  );
}
