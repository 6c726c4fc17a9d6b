// The coach's screens for cycles of support, loaded only when opened: my
// cycles, a cycle, schedule a follow-up, due this week. They read the
// device's database and write through the outbox, so they work offline
// with what is on the device; only the evidence chart needs the server,
// and the last one fetched is kept for offline use. Days, weeks and the
// times of follow-ups are the district's (src/time/zone.ts), as on the
// server, whatever zone the device is set to.
import { FeedbackLine } from '../../feedback/Line';
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { findClash, nextFreeSlot, type Window } from '../../cycles/slots';
import { dueThisWeek } from '../../cycles/due';
import { byCoachText, changeText } from '../../cycles/change';
import { isMine } from '../../db/observer';
import { getMeta, setMeta, type RefRow } from '../../db/schema';
import type { ActivityData, ActivityKind, Colleague, CycleData, CycleEvidence, FollowUpData, SignedInUser } from '../../db/types';
import { uuidv7 } from '../../db/uuid';
import { saveActivity, saveCycle, saveFollowUp } from '../../db/writes';
import { currentRubric, db, districtZone, engine, teacherName, useLive } from '../../state';
import { dateIn, deviceZone, instantAt, timeIn, wallClock, zonedInstant } from '../../time/zone';
import { dayAndTime, shortDay } from '../../time/format';
import { useOnline } from '../../components/useOnline';

export const activityKinds: { value: ActivityKind; label: string }[] = [
  { value: 'pl_session', label: 'PL session' },
  { value: 'plc_meeting', label: 'PLC meeting' },
  { value: 'one_on_one', label: 'One-on-one' },
  { value: 'co_teaching', label: 'Co-teaching' },
  { value: 'modeling', label: 'Modeling' },
  { value: 'other', label: 'Other' },
];
const kindLabel = (k: string) => activityKinds.find((x) => x.value === k)?.label ?? k;
const outcomeLabel: Record<string, string> = { seen: 'shift seen', partly: 'shift partly seen', not_yet: 'shift not yet seen' };
const statusLabel: Record<string, string> = { planned: 'Planned', active: 'Active', completed: 'Completed', abandoned: 'Abandoned' };

const when = (iso: string, tz: string) => new Date(iso).toLocaleString([], { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', timeZone: tz });
const until = (iso: string, tz: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', timeZone: tz });
const dayText = (iso: string, tz: string) => shortDay(Date.parse(iso), tz);

/** The next whole hour in tz after an instant. */
function nextHour(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  return zonedInstant(tz, w.year, w.month, w.day, w.hour + 1);
}

export function overdue(f: FollowUpData, now = Date.now()): boolean {
  return f.status === 'scheduled' && Date.parse(f.ends_at) < now;
}

async function indicatorNames(): Promise<Map<string, string>> {
  const r = await currentRubric();
  const m = new Map<string, string>();
  for (const d of r?.data.dimensions ?? []) for (const i of d.indicators) m.set(i.key, i.name);
  return m;
}

/** /cycles */
export function MyCycles({ user }: { user: SignedInUser }) {
  const data = useLive(async () => {
    const cycles = (await db.cycles.toArray()).sort((a, b) => (b.data.started_on ?? '').localeCompare(a.data.started_on ?? '') || b.id.localeCompare(a.id));
    const teachers = new Map((await db.teachers.toArray()).map((t) => [t.id, t]));
    const schools = new Map((await db.schools.toArray()).map((s) => [s.id, s.data.name]));
    const followUps = await db.followUps.toArray();
    return { cycles, teachers, schools, followUps, names: await indicatorNames(), tz: await districtZone() };
  }, []);
  if (data === undefined) return <main class="screen" aria-busy="true"><p>Loading…</p></main>;
  const mine = data.cycles.filter((c) => c.data.coach_id === user.id);
  const others = data.cycles.filter((c) => c.data.coach_id !== user.id);
  const card = (c: RefRow<CycleData>) => {
    const next = data.followUps
      .filter((f) => f.data.cycle_id === c.id && f.data.status === 'scheduled')
      .sort((a, b) => a.data.starts_at.localeCompare(b.data.starts_at))[0];
    const late = data.followUps.filter((f) => f.data.cycle_id === c.id && overdue(f.data)).length;
    return (
      <li key={c.id}>
        <a class="card" href={`/cycles/${c.id}`} data-testid="cycle-card">
          <strong>{data.names.get(c.data.focus_indicator_key) ?? c.data.focus_indicator_key}</strong>
          <span>
            {c.data.teacher_ids.map((t) => teacherName(data.teachers.get(t))).join(', ')} · {data.schools.get(c.data.school_id) ?? ''}
          </span>
          <span class="muted">
            {statusLabel[c.data.status]} · {next ? `next follow-up ${when(next.data.starts_at, data.tz)}` : 'no follow-up booked'}
            {late > 0 && <span class="badge danger"> {late} overdue</span>}
          </span>
        </a>
      </li>
    );
  };
  return (
    <main class="screen wide">
      <div class="title-row">
        <h1>My cycles of support</h1>
        <span class="actions">
          <a class="button primary" href="/cycles/new">
            Open a cycle
          </a>
          <a class="button" href="/due">
            Due this week
          </a>
        </span>
      </div>
      <nav aria-label="Coaching reports" class="actions">
        <a class="button" href="/workload">
          Workload
        </a>
        <a class="button" href="/reports/effectiveness">
          What support worked
        </a>
        <a class="button" href="/calendar">
          Subscribe in your calendar
        </a>
      </nav>
      {data.cycles.length === 0 && <p class="notice">No cycles of support are on this device yet. Open one, or they arrive with the next sync.</p>}
      {mine.length > 0 && <ul class="cards" aria-label="My cycles">{mine.map(card)}</ul>}
      {others.length > 0 && (
        <section aria-labelledby="others-h">
          <h2 id="others-h">Other cycles at my schools</h2>
          <ul class="cards">{others.map(card)}</ul>
        </section>
      )}
    </main>
  );
}

/** /cycles/{id} */
export function Cycle({ id: cycleId, user }: { id: string; user: SignedInUser }) {
  const { route } = useLocation();
  const data = useLive(async () => {
    const cycle = await db.cycles.get(cycleId);
    const activities = (await db.cycleActivities.where('data.cycle_id').equals(cycleId).toArray()).sort((a, b) => a.data.occurred_on.localeCompare(b.data.occurred_on));
    const followUps = (await db.followUps.where('data.cycle_id').equals(cycleId).toArray()).sort((a, b) => a.data.starts_at.localeCompare(b.data.starts_at));
    const teachers = new Map((await db.teachers.toArray()).map((t) => [t.id, t]));
    const outbox = await db.outbox.toArray();
    const directory = (await getMeta<Colleague[]>(db, 'directory')) ?? [];
    // The cycle's teachers' submitted observations on the device: the
    // user's own and, kept for the cycle, colleagues'.
    const cycleTeachers = new Set(cycle?.data.teacher_ids ?? []);
    const visits = (await db.observations.filter((o) => o.data.status === 'submitted' && cycleTeachers.has(o.data.teacher_id)).toArray()).sort((a, b) =>
      b.data.started_at.localeCompare(a.data.started_at),
    );
    return { cycle, activities, followUps, teachers, outbox, directory, visits, names: await indicatorNames(), tz: await districtZone() };
  }, [cycleId]);
  if (data === undefined) return <main class="screen" aria-busy="true"><p>Loading…</p></main>;
  if (data.cycle === undefined) {
    return (
      <main class="screen">
        <h1>Cycle of support</h1>
        <p class="notice">This cycle is not on this device. <a href="/cycles">Back to my cycles</a></p>
      </main>
    );
  }
  const c = data.cycle;
  const people = new Map(data.directory.map((p) => [p.id, p.name]));
  people.set(user.id, 'me');
  const state = (id: string) => {
    const e = data.outbox.filter((x) => x.id === id).pop();
    if (e === undefined) return undefined;
    if (e.state === 'pending') return <span class="badge">waiting to sync</span>;
    return <span class="badge danger" title={e.error?.message}>not accepted: {e.error?.message}</span>;
  };
  const upcoming = data.followUps.filter((f) => f.data.status === 'scheduled');
  const next = upcoming.find((f) => !overdue(f.data));
  const late = upcoming.filter((f) => overdue(f.data));
  const open = c.data.status === 'planned' || c.data.status === 'active';
  const logActivity = () => {
    const form = document.getElementById('act-kind');
    form?.scrollIntoView({ block: 'center' });
    form?.focus();
  };
  return (
    <main class="screen wide">
      <p>
        <a href="/cycles">← My cycles</a>
      </p>
      <h1>{data.names.get(c.data.focus_indicator_key) ?? c.data.focus_indicator_key}</h1>
      <p data-testid="cycle-status">
        <strong>{statusLabel[c.data.status]}</strong> · {c.data.teacher_ids.map((t) => teacherName(data.teachers.get(t))).join(', ')}
        {c.data.started_on && <> · since {dayText(`${c.data.started_on}T12:00:00Z`, 'UTC')}</>}
        {c.data.ended_on && <> · ended {dayText(`${c.data.ended_on}T12:00:00Z`, 'UTC')}</>} {state(c.id)}
      </p>
      {c.data.focus_shift && <p class="prewrap">Shift: {c.data.focus_shift}</p>}
      <section class="panel" aria-labelledby="next-h" data-testid="cycle-actions">
        <h2 id="next-h">Next</h2>
        {late.length > 0 && (
          <p class="error" data-testid="overdue">
            <strong>Overdue:</strong> {late.map((f) => `${when(f.data.starts_at, data.tz)} with ${teacherName(data.teachers.get(f.data.teacher_id))}`).join('; ')}
          </p>
        )}
        {open && (
          <p data-testid="next-follow-up">
            {next ? (
              <>
                Next follow-up: <strong>{when(next.data.starts_at, data.tz)}</strong> with {teacherName(data.teachers.get(next.data.teacher_id))}
              </>
            ) : (
              'No follow-up is booked.'
            )}
          </p>
        )}
        {c.data.outcome && (
          <p data-testid="outcome">
            Outcome: <strong>{outcomeLabel[c.data.outcome]}</strong>
            {c.data.outcome_evidence && <span class="prewrap"> — {c.data.outcome_evidence}</span>}
          </p>
        )}
        {c.data.status === 'abandoned' && <p>Stopped without an outcome.</p>}
        <div class="actions">
          {open && (
            <>
              <button type="button" class="primary" onClick={() => route(`/cycles/${c.id}/schedule`)}>
                Schedule a follow-up
              </button>
              <button type="button" onClick={logActivity}>
                Log an activity
              </button>
            </>
          )}
        </div>
        <CycleStatusForm cycle={c} tz={data.tz} />
      </section>
      <section aria-labelledby="fu-h">
        <h2 id="fu-h">Follow-ups</h2>
        {data.followUps.length === 0 ? (
          <p class="muted">No follow-ups yet.</p>
        ) : (
          <ul class="cards">
            {data.followUps.map((f) => (
              <li key={f.id} class="card" data-testid="follow-up">
                <strong>
                  {when(f.data.starts_at, data.tz)}–{until(f.data.ends_at, data.tz)} · {teacherName(data.teachers.get(f.data.teacher_id))}
                </strong>
                <span>
                  {f.data.status === 'done' ? 'Done' : f.data.status === 'cancelled' ? 'Cancelled' : overdue(f.data) ? <span class="badge danger">Overdue</span> : 'Scheduled'}
                  {' · with '}
                  {f.data.observer_ids.map((o) => people.get(o) ?? 'a colleague').join(', ')} {state(f.id)}
                </span>
                {f.data.notes && <span class="muted">{f.data.notes}</span>}
                {f.data.observation_id && <FeedbackLine observationId={f.data.observation_id} />}
                {f.data.status === 'scheduled' && (
                  <span class="actions">
                    <button type="button" onClick={() => route(`/cycles/${c.id}/schedule?move=${f.id}`)}>
                      Move
                    </button>
                    <button
                      type="button"
                      onClick={() => {
                        if (confirm('Cancel this follow-up? Invited observers see it cancelled in their calendars.')) void saveFollowUp(db, f.id, { ...f.data, status: 'cancelled' });
                      }}
                    >
                      Cancel it
                    </button>
                  </span>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
      <Activities cycleId={c.id} activities={data.activities} state={state} tz={data.tz} />
      <Evidence cycleId={c.id} teachers={data.teachers} tz={data.tz} />
      <section aria-labelledby="visits-h">
        <h2 id="visits-h">Visits on this device</h2>
        {data.visits.length === 0 ? (
          <p class="muted">No submitted observation of these teachers is on this device.</p>
        ) : (
          <>
            <p class="muted">
              Submitted observations of the cycle&apos;s teachers this school year, yours and your colleagues&apos;, with the focus indicator&apos;s level. They are on this
              device, offline too.
            </p>
            <table class="scores" data-testid="cycle-visits">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Teacher</th>
                  <th scope="col">Observer</th>
                  <th scope="col">Focus level</th>
                </tr>
              </thead>
              <tbody>
                {data.visits.map((o) => {
                  const focus = o.data.scores.find((s) => s.indicator_key === c.data.focus_indicator_key);
                  const mine = isMine(o, user.id);
                  return (
                    <tr key={o.id} data-testid="cycle-visit" data-mine={String(mine)}>
                      <td>
                        <a href={`/review/${o.id}`}>{when(o.data.started_at, data.tz)}</a>
                      </td>
                      <td>{teacherName(data.teachers.get(o.data.teacher_id))}</td>
                      <td>{mine ? 'you' : (people.get(o.data.observer_id ?? '') ?? 'a colleague')}</td>
                      <td>{focus === undefined ? 'not scored' : focus.level === null ? 'not observed' : focus.level}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </>
        )}
      </section>
    </main>
  );
}

/**
 * Completes the cycle with its outcome and the evidence for it, reopens a
 * completed one, starts a planned one or stops one without an outcome. The
 * change is saved on the device and synced like any other: offline too.
 */
function CycleStatusForm({ cycle: c, tz }: { cycle: RefRow<CycleData>; tz: string }) {
  const [completing, setCompleting] = useState(false);
  const [outcome, setOutcome] = useState<NonNullable<CycleData['outcome']> | ''>('');
  const [evidence, setEvidence] = useState('');
  const [error, setError] = useState<string | null>(null);
  const save = async (data: CycleData) => {
    try {
      await saveCycle(db, c.id, data);
      setError(null);
      setCompleting(false);
    } catch (err) {
      setError(`Could not save on this device: ${String(err)}`);
    }
  };
  const today = dateIn(Date.now(), tz);
  const without = (d: CycleData): CycleData => {
    const { outcome: _o, outcome_evidence: _e, ended_on: _x, ...rest } = d;
    return rest;
  };
  const complete = async (e: Event) => {
    e.preventDefault();
    if (outcome === '') {
      setError('Say whether the shift was seen.');
      return;
    }
    await save({ ...c.data, status: 'completed', outcome, outcome_evidence: evidence.trim(), ended_on: today });
  };
  if (c.data.status === 'completed' || c.data.status === 'abandoned') {
    return (
      <div class="actions">
        {error && <p class="error" role="alert">{error}</p>}
        <button type="button" onClick={() => void save({ ...without(c.data), status: 'active' })}>
          Reopen the cycle
        </button>
      </div>
    );
  }
  if (!completing) {
    return (
      <div class="actions">
        {error && <p class="error" role="alert">{error}</p>}
        {c.data.status === 'planned' && (
          <button type="button" onClick={() => void save({ ...c.data, status: 'active', started_on: c.data.started_on ?? today })}>
            Start the support today
          </button>
        )}
        <button type="button" onClick={() => setCompleting(true)}>
          Complete the cycle
        </button>
        <button
          type="button"
          onClick={() => {
            if (confirm('Stop this cycle without an outcome? You can reopen it later.')) void save({ ...without(c.data), status: 'abandoned', ended_on: today });
          }}
        >
          Stop without an outcome
        </button>
      </div>
    );
  }
  return (
    <form class="stack" onSubmit={complete} aria-labelledby="complete-h">
      <h3 id="complete-h">Complete the cycle</h3>
      {error && <p class="error" role="alert">{error}</p>}
      <fieldset>
        <legend>Was the shift seen in the classroom?</legend>
        {(['seen', 'partly', 'not_yet'] as const).map((o) => (
          <label key={o} class="choice">
            <input type="radio" name="cycle-outcome" checked={outcome === o} onChange={() => setOutcome(o)} />
            {{ seen: 'Yes, the shift was seen', partly: 'Partly', not_yet: 'Not yet' }[o]}
          </label>
        ))}
      </fieldset>
      <div class="field">
        <label for="cycle-evidence">The evidence for it</label>
        <textarea id="cycle-evidence" rows={3} value={evidence} onInput={(e) => setEvidence(e.currentTarget.value)} />
      </div>
      <div class="actions">
        <button type="submit" class="primary">
          Complete the cycle
        </button>
        <button type="button" onClick={() => setCompleting(false)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Activities({ cycleId, activities, state, tz }: { cycleId: string; activities: RefRow<ActivityData>[]; state: (id: string) => unknown; tz: string }) {
  const [kind, setKind] = useState<ActivityKind>('one_on_one');
  const [day, setDay] = useState(() => dateIn(Date.now(), tz));
  const [notes, setNotes] = useState('');
  const [error, setError] = useState<string | null>(null);
  const log = async (e: Event) => {
    e.preventDefault();
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) {
      setError('Give the day of the activity.');
      return;
    }
    try {
      await saveActivity(db, uuidv7(), { cycle_id: cycleId, kind, occurred_on: day, notes: notes.trim() });
      setNotes('');
      setError(null);
    } catch (err) {
      setError(`Could not save on this device: ${String(err)}`);
    }
  };
  return (
    <section aria-labelledby="act-h">
      <h2 id="act-h">Support activities</h2>
      {activities.length === 0 ? (
        <p class="muted">No support logged yet.</p>
      ) : (
        <ul class="cards">
          {activities.map((a) => (
            <li key={a.id} class="card" data-testid="activity">
              <strong>
                {a.data.occurred_on} · {kindLabel(a.data.kind)} {state(a.id) as never}
              </strong>
              {a.data.notes && <span class="prewrap">{a.data.notes}</span>}
            </li>
          ))}
        </ul>
      )}
      <form class="stack" onSubmit={log} aria-label="Log a support activity">
        {error && <p class="error" role="alert">{error}</p>}
        <div class="grid-2">
          <div class="field">
            <label for="act-kind">Kind of support</label>
            <select id="act-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as ActivityKind)}>
              {activityKinds.map((k) => (
                <option key={k.value} value={k.value}>
                  {k.label}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="act-day">Day</label>
            <input id="act-day" type="date" value={day} onInput={(e) => setDay(e.currentTarget.value)} required />
          </div>
        </div>
        <div class="field">
          <label for="act-notes">Notes</label>
          <textarea id="act-notes" rows={3} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
        </div>
        <button type="submit">Log the activity</button>
      </form>
    </section>
  );
}

/** The focus indicator's scores before support began and in follow-ups, as a small inline chart and a table. */
function Evidence({ cycleId, teachers, tz }: { cycleId: string; teachers: Map<string, RefRow<{ given_name: string; family_name: string }>>; tz: string }) {
  const online = useOnline();
  const [ev, setEv] = useState<{ data: CycleEvidence; at: number } | undefined | null>(undefined);
  const [error, setError] = useState<string | null>(null);
  // One framework at a time; empty: the server's default (the main framework when it has focus scores).
  const [framework, setFramework] = useState('');
  useEffect(() => {
    let live = true;
    void getMeta<{ data: CycleEvidence; at: number }>(db, `evidence:${cycleId}`).then((cached) => {
      if (live && cached !== undefined) setEv((cur) => cur ?? cached);
      if (live && cached === undefined && !navigator.onLine) setEv(null);
    });
    if (navigator.onLine) {
      engine
        .getJSON<CycleEvidence>(`/api/v1/cycles/${cycleId}/evidence${framework ? `?rubric_id=${encodeURIComponent(framework)}` : ''}`)
        .then(async (data) => {
          const v = { data, at: Date.now() };
          await setMeta(db, `evidence:${cycleId}`, v);
          if (live) {
            setEv(v);
            setError(null);
          }
        })
        .catch((e: unknown) => {
          if (live) {
            const text = e instanceof Error ? e.message : String(e);
            setError(text.charAt(0).toUpperCase() + text.slice(1));
            setEv((cur) => cur ?? null);
          }
        });
    }
    return () => {
      live = false;
    };
  }, [cycleId, online, framework]);

  return (
    <section aria-labelledby="ev-h">
      <h2 id="ev-h">Evidence: the focus indicator before and after</h2>
      {ev && (ev.data.frameworks ?? []).length > 1 && (
        <label class="framework-choice">
          Framework
          <select value={ev.data.rubric_id} onChange={(e) => setFramework(e.currentTarget.value)}>
            {ev.data.frameworks.map((f) => (
              <option key={f.id} value={f.id}>
                {f.main ? `${f.name} (the district framework)` : f.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {ev === undefined && <p aria-busy="true">Loading the evidence…</p>}
      {ev === null && <p class="notice">{error ?? 'The evidence comes from the server: connect to see it.'}</p>}
      {ev && (
        <>
          {!online && <p class="muted">Offline: evidence as of {dayAndTime(new Date(ev.at).getTime(), tz)}.</p>}
          {error && <p class="muted">Could not refresh: {error}</p>}
          <EvidenceChart ev={ev.data} tz={tz} />
          <WhatChanged ev={ev.data} teachers={teachers} />
          <details>
          <summary>Every score behind the chart ({ev.data.before.length + ev.data.follow_ups.length})</summary>
          <table class="scores" data-testid="evidence-table">
            <caption>
              Before support (from {ev.data.support_from}): {ev.data.before.length} scores
              {ev.data.before_mean !== null && `, mean ${ev.data.before_mean.toFixed(2)}`}. In follow-ups: {ev.data.follow_ups.length} scores
              {ev.data.follow_up_mean !== null && `, mean ${ev.data.follow_up_mean.toFixed(2)}`}.
            </caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Teacher</th>
                <th scope="col">Phase</th>
                <th scope="col">Level</th>
              </tr>
            </thead>
            <tbody>
              {[...ev.data.before.map((p) => ({ p, phase: 'before' })), ...ev.data.follow_ups.map((p) => ({ p, phase: 'follow-up' }))].map(({ p, phase }) => (
                <tr key={p.observation_id} data-testid={`evidence-${phase}`} data-level={p.level}>
                  <td>{dayText(p.observed_at, tz)}</td>
                  <td>{teacherName(teachers.get(p.teacher_id))}</td>
                  <td>{phase === 'follow-up' && p.by_coach ? "follow-up, scored by the cycle's coach" : phase}</td>
                  <td>{p.level}</td>
                </tr>
              ))}
            </tbody>
          </table>
          </details>
        </>
      )}
    </section>
  );
}

/**
 * Each teacher against their own scores before the cycle, all of them together,
 * and teachers of a similar start at the school who had no cycle: n in every
 * cell, each change with its likely range, "too few to judge" below the stated
 * n, and who scored the follow-ups.
 */
function WhatChanged({ ev, teachers }: { ev: CycleEvidence; teachers: Map<string, RefRow<{ given_name: string; family_name: string }>> }) {
  const rows = ev.teachers ?? [];
  if (rows.length === 0) return null;
  const coachScored = (teacherId?: string) => {
    const f = ev.follow_ups.filter((p) => teacherId === undefined || p.teacher_id === teacherId);
    return byCoachText(f.filter((p) => p.by_coach).length, f.length);
  };
  const sum = (k: 'before' | 'follow_ups') => rows.reduce((a, t) => a + t[k], 0);
  const cmp = ev.comparison;
  return (
    <>
      <table class="scores" data-testid="evidence-teachers">
        <caption>
          What changed. Each teacher is compared with their own scores before the cycle. A change is judged only with at least {ev.min_to_judge} scores before and {ev.min_to_judge} in
          follow-ups; n is the number of scores. The likely range is where the true change probably lies: when it runs from below zero to above, the scores cannot tell a
          rise from chance.
        </caption>
        <thead>
          <tr>
            <th scope="col">Teacher</th>
            <th scope="col">Before: n, average</th>
            <th scope="col">Follow-ups: n, average</th>
            <th scope="col">Change</th>
            <th scope="col">Follow-ups scored</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((t) => (
            <tr key={t.teacher_id} data-testid="evidence-teacher" data-too-few={String(t.too_few_to_judge)}>
              <th scope="row">{teacherName(teachers.get(t.teacher_id))}</th>
              <td>
                n = {t.before}
                {t.before_mean !== null && `, ${t.before_mean.toFixed(2)}`}
              </td>
              <td>
                n = {t.follow_ups}
                {t.follow_up_mean !== null && `, ${t.follow_up_mean.toFixed(2)}`}
              </td>
              <td data-testid="change">{changeText(t.change, t.low, t.high)}</td>
              <td>{coachScored(t.teacher_id)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr data-testid="evidence-pooled" data-too-few={String(ev.change.change === null)}>
            <th scope="row">All teachers of the cycle</th>
            <td>n = {sum('before')}</td>
            <td>n = {sum('follow_ups')}</td>
            <td data-testid="change">
              {changeText(ev.change.change, ev.change.low, ev.change.high)}
              {ev.change.change !== null && `; from ${ev.change.teachers} ${ev.change.teachers === 1 ? 'teacher' : 'teachers'} judged, each counted once`}
            </td>
            <td>{coachScored()}</td>
          </tr>
          <tr data-testid="evidence-comparison" data-too-few={String(cmp.change === null)}>
            <th scope="row">Similar teachers with no cycle</th>
            <td colSpan={2}>
              {cmp.baseline === null
                ? 'No comparison until a teacher of the cycle can be judged.'
                : `n = ${cmp.teachers} ${cmp.teachers === 1 ? 'teacher' : 'teachers'} at this school who started within ${cmp.band} of the cycle's ${cmp.baseline.toFixed(2)} and were scored over the same weeks`}
            </td>
            <td data-testid="change">{cmp.baseline === null ? '—' : cmp.teachers === 0 ? 'None to compare with' : changeText(cmp.change, cmp.low, cmp.high)}</td>
            <td>—</td>
          </tr>
        </tfoot>
      </table>
      <p class="muted" data-testid="evidence-comparison-note">
        Teachers who start low often score higher next time without any support. Read the cycle's change beside the change of similar teachers with no cycle: only the
        difference between them suggests what the support did.
      </p>
    </>
  );
}

function EvidenceChart({ ev, tz }: { ev: CycleEvidence; tz: string }) {
  const pts = [...ev.before.map((p) => ({ ...p, after: false })), ...ev.follow_ups.map((p) => ({ ...p, after: true }))];
  if (pts.length === 0) return <p class="muted">No scores of the focus indicator yet for these teachers.</p>;
  const W = 640;
  const H = 200;
  const pad = { l: 36, r: 12, t: 12, b: 28 };
  const times = pts.map((p) => Date.parse(p.observed_at));
  const cut = Date.parse(ev.support_from);
  const t0 = Math.min(...times, cut);
  const t1 = Math.max(...times, cut) + 1;
  const levels = [1, 2, 3, 4];
  const x = (t: number) => pad.l + ((t - t0) / (t1 - t0)) * (W - pad.l - pad.r);
  const y = (l: number) => pad.t + ((4 - l) / 3) * (H - pad.t - pad.b);
  const meanLine = (m: number | null, from: number, to: number, cls: string) =>
    m === null ? null : <line x1={x(from)} x2={x(to)} y1={y(m)} y2={y(m)} class={cls} stroke-dasharray="6 4" stroke="currentColor" opacity="0.5" />;
  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Focus indicator scores: ${ev.before.length} before support, ${ev.follow_ups.length} in follow-ups`} style={{ width: '100%', maxWidth: `${W}px`, height: 'auto' }} data-testid="evidence-chart">
      {levels.map((l) => (
        <g key={l}>
          <line x1={pad.l} x2={W - pad.r} y1={y(l)} y2={y(l)} stroke="#ddd" />
          <text x={pad.l - 8} y={y(l) + 4} text-anchor="end" font-size="12">
            {l}
          </text>
        </g>
      ))}
      <line x1={x(cut)} x2={x(cut)} y1={pad.t} y2={H - pad.b} stroke="#888" />
      <text x={x(cut) + 4} y={H - 8} font-size="12">
        support began
      </text>
      {meanLine(ev.before_mean, t0, cut, 'mean-before')}
      {meanLine(ev.follow_up_mean, cut, t1, 'mean-after')}
      {pts.map((p) => (
        <circle key={p.observation_id} cx={x(Date.parse(p.observed_at))} cy={y(p.level)} r={p.after ? 7 : 5} fill={p.after ? '#1d6b4f' : '#fff'} stroke={p.after ? '#1d6b4f' : '#555'} stroke-width="2">
          <title>
            {dayText(p.observed_at, tz)}: level {p.level} {p.after ? '(follow-up)' : '(before)'}
          </title>
        </circle>
      ))}
    </svg>
  );
}

/** /cycles/{id}/schedule, and ?move={follow-up id} to move one. */
export function Schedule({ id: cycleId, user }: { id: string; user: SignedInUser }) {
  const { query, route } = useLocation();
  const moveId = query['move'] || undefined;
  const data = useLive(async () => {
    const cycle = await db.cycles.get(cycleId);
    const moving = moveId === undefined ? undefined : await db.followUps.get(moveId);
    const teachers = new Map((await db.teachers.toArray()).map((t) => [t.id, t]));
    const followUps = await db.followUps.toArray();
    const directory = (await getMeta<Colleague[]>(db, 'directory')) ?? [];
    return { cycle, teachers, followUps, directory, moving, tz: await districtZone() };
  }, [cycleId, moveId]);
  const [opened] = useState(() => Date.now());
  const [teacher, setTeacher] = useState('');
  // The day and time typed, in the district's zone; until then, the next whole hour there.
  const [typedDay, setDay] = useState<string | undefined>(undefined);
  const [typedTime, setTime] = useState<string | undefined>(undefined);
  const [minutes, setMinutes] = useState(30);
  const [invited, setInvited] = useState<string[] | undefined>(undefined);
  const [notes, setNotes] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [filled, setFilled] = useState(false);
  // Moving a follow-up starts from where it is.
  useEffect(() => {
    const m = data?.moving;
    const tz = data?.tz;
    if (m === undefined || tz === undefined || filled) return;
    const start = Date.parse(m.data.starts_at);
    setTeacher(m.data.teacher_id);
    setDay(dateIn(start, tz));
    setTime(timeIn(start, tz));
    setMinutes(Math.round((Date.parse(m.data.ends_at) - start) / 60_000));
    setInvited(m.data.observer_ids.filter((o) => o !== user.id && o !== data?.cycle?.data.coach_id));
    setNotes(m.data.notes ?? '');
    setFilled(true);
  }, [data?.moving, filled]);

  if (data === undefined) return <main class="screen" aria-busy="true"><p>Loading…</p></main>;
  if (data.cycle === undefined || (moveId !== undefined && data.moving === undefined)) {
    return (
      <main class="screen">
        <h1>Schedule a follow-up</h1>
        <p class="notice">This cycle is not on this device.</p>
      </main>
    );
  }
  const c = data.cycle;
  const tz = data.tz;
  const day = typedDay ?? dateIn(nextHour(opened, tz), tz);
  const time = typedTime ?? timeIn(nextHour(opened, tz), tz);
  const teacherId = teacher || c.data.teacher_ids[0]!;
  // Colleagues at the cycle's school; its principals are invited by default.
  const colleagues = data.directory.filter((p) => p.id !== user.id && p.grants.some((g) => g.school_id === c.data.school_id));
  const principals = colleagues.filter((p) => p.grants.some((g) => g.role === 'principal' && g.school_id === c.data.school_id)).map((p) => p.id);
  const others = invited ?? principals;
  const observers = [...new Set([c.data.coach_id === user.id ? user.id : c.data.coach_id, ...others])];
  const start = instantAt(day, time, tz);
  const valid = Number.isFinite(start) && /^\d{4}-\d{2}-\d{2}$/.test(day) && /^\d{2}:\d{2}$/.test(time);
  const win: Window = { teacher_id: teacherId, observer_ids: observers, start, end: start + minutes * 60_000 };
  if (moveId !== undefined) win.id = moveId;
  const clash = valid ? findClash(win, data.followUps) : undefined;
  const free = clash ? nextFreeSlot(win, data.followUps) : undefined;
  const who = (id: string) => (id === 'teacher' ? teacherName(data.teachers.get(teacherId)) : id === user.id ? 'You' : (data.directory.find((p) => p.id === id)?.name ?? 'An invited observer'));

  const useSlot = () => {
    if (!free) return;
    setDay(dateIn(free.start, tz));
    setTime(timeIn(free.start, tz));
  };
  const save = async (e: Event) => {
    e.preventDefault();
    if (!valid) {
      setError('Give a day and a start time.');
      return;
    }
    if (clash) return;
    try {
      await saveFollowUp(db, moveId ?? uuidv7(), {
        ...(data.moving?.data ?? {}),
        cycle_id: c.id,
        teacher_id: teacherId,
        starts_at: new Date(win.start).toISOString(),
        ends_at: new Date(win.end).toISOString(),
        observer_ids: observers,
        status: 'scheduled',
        notes: notes.trim(),
      });
      void engine.syncNow();
      route(`/cycles/${c.id}`, true);
    } catch (err) {
      setError(`Could not save on this device: ${String(err)}`);
    }
  };

  return (
    <main class="screen">
      <p>
        <a href={`/cycles/${c.id}`}>← Back to the cycle</a>
      </p>
      <h1>{moveId === undefined ? 'Schedule a follow-up' : 'Move the follow-up'}</h1>
      <form class="stack" onSubmit={save}>
        {error && <p class="error" role="alert">{error}</p>}
        <div class="field">
          <label for="fu-teacher">Teacher</label>
          <select id="fu-teacher" value={teacherId} onChange={(e) => setTeacher(e.currentTarget.value)}>
            {c.data.teacher_ids.map((t) => (
              <option key={t} value={t}>
                {teacherName(data.teachers.get(t))}
              </option>
            ))}
          </select>
        </div>
        <div class="grid-2">
          <div class="field">
            <label for="fu-day">Day</label>
            <input id="fu-day" type="date" value={day} onInput={(e) => setDay(e.currentTarget.value)} required />
          </div>
          <div class="field">
            <label for="fu-time">Start time</label>
            <input id="fu-time" type="time" value={time} step={300} onInput={(e) => setTime(e.currentTarget.value)} required />
          </div>
        </div>
        {tz !== deviceZone() && <p class="muted" data-testid="zone-note">Day and time in the district’s time zone ({tz.replace(/_/g, ' ')}), not this device’s.</p>}
        <div class="field">
          <label for="fu-length">Length</label>
          <select id="fu-length" value={minutes} onChange={(e) => setMinutes(Number(e.currentTarget.value))}>
            {[15, 20, 30, 45, 60].map((m) => (
              <option key={m} value={m}>
                {m} minutes
              </option>
            ))}
          </select>
        </div>
        <fieldset>
          <legend>Invited observers</legend>
          <p class="muted">{c.data.coach_id === user.id ? 'You come as the coach.' : 'The cycle’s coach comes.'} The school’s principal is invited unless you say otherwise.</p>
          {colleagues.length === 0 ? (
            <p class="muted">No colleagues at this school are on this device yet; sync while connected to invite them.</p>
          ) : (
            colleagues.map((p) => (
              <label key={p.id} class="choice">
                <input
                  type="checkbox"
                  checked={others.includes(p.id)}
                  onChange={(e) => setInvited(e.currentTarget.checked ? [...others, p.id] : others.filter((x) => x !== p.id))}
                />
                {p.name} <span class="muted">({[...new Set(p.grants.map((g) => g.role.replace('_', ' ')))].join(', ')})</span>
              </label>
            ))
          )}
        </fieldset>
        <div class="field">
          <label for="fu-notes">What to look for</label>
          <textarea id="fu-notes" rows={3} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
        </div>
        {clash && (
          <div class="error" role="alert" data-testid="clash">
            <p>
              {who(clash.who)} {clash.who === user.id ? 'already have' : 'already has'} a follow-up {when(clash.data.starts_at, tz)}–{until(clash.data.ends_at, tz)}
              {clash.who !== 'teacher' && clash.data.teacher_id !== teacherId ? ` with ${teacherName(data.teachers.get(clash.data.teacher_id))}` : ''}.
            </p>
            {free ? (
              <button type="button" onClick={useSlot}>
                Use the next free slot: {when(new Date(free.start).toISOString(), tz)}–{until(new Date(free.end).toISOString(), tz)}
              </button>
            ) : (
              <p>No free slot in the next two weeks: choose another day.</p>
            )}
          </div>
        )}
        <button type="submit" class="primary" disabled={clash !== undefined}>
          {moveId === undefined ? 'Schedule the follow-up' : 'Move the follow-up'}
        </button>
      </form>
    </main>
  );
}

/** /due */
export function Due({ user }: { user: SignedInUser }) {
  const { route } = useLocation();
  const data = useLive(async () => {
    const cycles = new Map((await db.cycles.toArray()).map((c) => [c.id, c]));
    // Monday to Sunday in the district, as GET /followups?due=this_week ends it.
    const tz = await districtZone();
    const mine = (f: FollowUpData) => f.observer_ids.includes(user.id) || cycles.get(f.cycle_id)?.data.coach_id === user.id;
    const due = dueThisWeek(await db.followUps.toArray(), mine, Date.now(), tz);
    const teachers = new Map((await db.teachers.toArray()).map((t) => [t.id, t]));
    return { due, cycles, teachers, names: await indicatorNames(), tz };
  }, [user.id]);
  if (data === undefined) return <main class="screen" aria-busy="true"><p>Loading…</p></main>;
  return (
    <main class="screen wide">
      <div class="title-row">
        <h1>Due this week</h1>
        <a class="button" href="/cycles">
          My cycles
        </a>
      </div>
      {data.due.length === 0 ? (
        <p class="muted">Nothing is due this week. Follow-ups you schedule or are invited to show up here.</p>
      ) : (
        <ul class="cards" aria-label="Follow-ups due">
          {data.due.map((f) => {
            const c = data.cycles.get(f.data.cycle_id);
            return (
              <li key={f.id} class="card row" data-testid="due">
                <span>
                  <strong>
                    {overdue(f.data) && <span class="badge danger">Overdue</span>}
                    {f.data.status === 'done' && <span class="badge">Done</span>} {when(f.data.starts_at, data.tz)}–{until(f.data.ends_at, data.tz)}
                  </strong>
                  <span>
                    {teacherName(data.teachers.get(f.data.teacher_id))} · {c ? (data.names.get(c.data.focus_indicator_key) ?? c.data.focus_indicator_key) : 'cycle of support'}
                  </span>
                  {f.data.notes && <span class="muted">{f.data.notes}</span>}
                </span>
                <span class="actions">
                  {c && (
                    <a class="button" href={`/cycles/${c.id}`}>
                      Cycle
                    </a>
                  )}
                  <button type="button" onClick={() => route(`/observe/new?follow_up=${f.id}`)}>
                    Observe
                  </button>
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </main>
  );
}
