import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { EarlierObservations } from './Earlier';
import { ClockNote } from '../components/ClockNote';
import { isMine } from '../db/observer';
import { getMeta } from '../db/schema';
import type { Colleague, SignedInUser } from '../db/types';
import type { ObservationData } from '../db/types';
import { teachesOnly } from '../roles';
import { dueThisWeek } from '../cycles/due';
import { readsTrends } from '../dashboard/access';
import { discardObservation, unsyncedCount } from '../db/writes';
import { dayAndTime, shortDate } from '../time/format';
import { db, districtZone, engine, teacherName, useLive } from '../state';
import { dueBy } from '../time/zone';
import { SupportCards } from '../support/HomeCards';
import { TeacherFeedback } from '../feedback/Teacher';
import { Headline } from './Headline';
import type { ComponentChildren } from 'preact';

/**
 * The home screen, by role: a teacher's own next steps; a supervisor's
 * headline of their schools; a principal's school and an administrator's
 * set-up first, then their day; everyone else's day.
 */
export function Today({ user }: { user: SignedInUser }) {
  if (teachesOnly(user)) return <TeacherHome user={user} />;
  const grants = user.grants ?? [];
  const roles = new Set(grants.map((g) => g.role));
  if (roles.has('district_admin')) return <ObserverHome user={user} lead={<SetUp />} />;
  if (roles.has('supervisor')) return <ObserverHome user={user} title="Your schools" lead={<Headline title="Your schools this school year" />} />;
  if (roles.has('principal')) {
    const schools = [...new Set(grants.filter((g) => g.role === 'principal' && g.school_id).map((g) => g.school_id!))];
    return <ObserverHome user={user} lead={<PrincipalHeadline schools={schools} />} />;
  }
  return <ObserverHome user={user} />;
}

function PrincipalHeadline({ schools }: { schools: string[] }) {
  const names = useLive(async () => (await db.schools.bulkGet(schools)).map((s) => s?.data.name).filter((n): n is string => n !== undefined), [schools.join(',')]);
  return <Headline title={`${names && names.length > 0 ? names.join(', ') : 'Your school'} this school year`} schools={schools} />;
}

/** An administrator's set-up checklist, until the district is ready; then one line. */
function SetUp() {
  const data = useLive(async () => {
    const directory = (await getMeta<Colleague[]>(db, 'directory')) ?? [];
    return {
      framework: (await db.rubricVersions.count()) > 0,
      schools: (await db.schools.count()) > 0,
      teachers: (await db.teachers.count()) > 0,
      people: directory.some((p) => p.grants.some((g) => g.role !== 'district_admin')),
    };
  }, []);
  if (data === undefined) return <p aria-busy="true">Loading…</p>;
  const steps = [
    { done: data.framework, label: 'Publish the district’s framework', href: '/admin/frameworks' },
    { done: data.schools, label: 'Add the schools', href: '/admin/roster' },
    { done: data.teachers, label: 'Load the teachers', href: '/admin/roster' },
    { done: data.people, label: 'Give principals, coaches and observers access', href: '/admin/people' },
  ];
  const left = steps.filter((x) => !x.done).length;
  if (left === 0) {
    return (
      <p class="notice" data-testid="setup-done">
        The district is set up: a framework, schools, teachers and people with access. <a href="/admin">Administration</a> · <a href="/admin/settings">District settings</a>
      </p>
    );
  }
  return (
    <section class="panel" aria-labelledby="setup-h" data-testid="setup">
      <h2 id="setup-h">Set up the district: {left} of {steps.length} steps left</h2>
      <ol class="checklist">
        {steps.map((x) => (
          <li key={x.label} data-done={x.done}>
            {x.done ? '✓ Done: ' : 'To do: '}
            <a href={x.href}>{x.label}</a>
          </li>
        ))}
      </ol>
    </section>
  );
}

/** A teacher's home: the next steps agreed with them, never a walkthrough to start. */
function TeacherHome({ user }: { user: SignedInUser }) {
  const steps = useLive(
    async () => (await db.nextSteps.toArray()).filter((s) => s.data.owner_id === user.id).sort((a, b) => (a.data.due_on ?? '9').localeCompare(b.data.due_on ?? '9')),
    [user.id],
  );
  return (
    <main class="screen wide" data-home="teacher">
      <h1>Home</h1>
      <TeacherFeedback />
      <section aria-labelledby="my-steps-h">
        <h2 id="my-steps-h">Next steps agreed in debriefs</h2>
        {steps === undefined && <p aria-busy="true">Loading…</p>}
        {steps?.length === 0 && (
          <p class="muted" data-testid="teacher-empty">
            None yet. When a debrief agrees a next step with you, it appears here.
          </p>
        )}
        {steps !== undefined && steps.length > 0 && (
          <ul class="cards">
            {steps.map((s) => (
              <li key={s.id} class="card" data-testid="teacher-step">
                <strong>{s.data.action}</strong>
                <span class="muted">
                  {s.data.done ? 'Done' : 'Open'}
                  {s.data.due_on ? ` · due ${shortDate(s.data.due_on)}` : ''}
                </span>
              </li>
            ))}
          </ul>
        )}
        <p>
          <a href="/next-steps">All your next steps</a>
        </p>
      </section>
      <Account user={user} />
    </main>
  );
}

function ObserverHome({ user, title = 'Today', lead }: { user: SignedInUser; title?: string; lead?: ComponentChildren }) {
  const { route } = useLocation();
  const data = useLive(async () => {
    const walkthroughs = (await db.walkthroughs.toArray())
      .filter((w) => w.data.team.includes(user.id) || w.data.lead_id === user.id || w.local)
      .sort((a, b) => b.data.date.localeCompare(a.data.date) || b.id.localeCompare(a.id))
      .slice(0, 8);
    // The device also keeps colleagues' observations of the user's cycle
    // teachers: Today lists the user's own.
    const all = await db.observations.toArray();
    const mine = all.filter((o) => isMine(o, user.id)).sort((a, b) => b.updated_at - a.updated_at);
    // Today's follow-ups the user is invited to (and any overdue), less those
    // already observed on this device and waiting to sync. Today is the
    // district's, as on the server (GET /followups?due=today).
    const observed = new Set(all.filter((o) => o.data.status === 'submitted' && o.data.follow_up_id).map((o) => o.data.follow_up_id));
    const tz = await districtZone();
    const tomorrow = dueBy('today', Date.now(), tz);
    const followUps = (await db.followUps.toArray())
      .filter((f) => f.data.status === 'scheduled' && f.data.observer_ids.includes(user.id) && !observed.has(f.id))
      .filter((f) => Date.parse(f.data.starts_at) < tomorrow)
      .sort((a, b) => a.data.starts_at.localeCompare(b.data.starts_at));
    const drafts = mine.filter((o) => o.data.status === 'draft');
    const recent = mine.filter((o) => o.data.status === 'submitted').slice(0, 5);
    const teachers = new Map((await db.teachers.toArray()).map((t) => [t.id, t]));
    const schools = new Map((await db.schools.toArray()).map((s) => [s.id, s.data.name]));
    return { walkthroughs, followUps, drafts, recent, teachers, schools, tz, empty: (await db.schools.count()) === 0 };
  }, [user.id]);

  return (
    <main class="screen wide" data-home={title}>
      <div class="title-row">
        <h1>{title}</h1>
        <button type="button" class="primary" onClick={() => route('/start')}>
          Start a walkthrough
        </button>
      </div>
      {lead}
      <InstallHint />
      <RoleLinks user={user} />
      <SupportCards user={user} />
      {data === undefined && <p aria-busy="true">Loading…</p>}
      {data?.empty && (
        <p class="notice">Nothing is on this device yet. Your schools and teachers arrive by themselves once the device is online.</p>
      )}
      {data !== undefined && (
        <>
          <section aria-labelledby="drafts-h">
            <h2 id="drafts-h">Drafts</h2>
            {data.drafts.length === 0 ? (
              <p class="muted">No drafts. Observations you start stay here until you submit them.</p>
            ) : (
              <ul class="cards">
                {data.drafts.map((o) => (
                  <Draft key={o.id} id={o.id} teacher={teacherName(data.teachers.get(o.data.teacher_id))} school={data.schools.get(o.data.school_id) ?? ''}
                    scored={o.data.scores.length} started={Date.parse(o.data.started_at)} tz={data.tz} o={o.data} />
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="followups-h">
            <h2 id="followups-h">My follow-ups</h2>
            {data.followUps.length === 0 ? (
              <p class="muted">
                No follow-ups for you today. <a href="/due">Due this week</a>
              </p>
            ) : (
              <ul class="cards">
                {data.followUps.map((f) => (
                  <li key={f.id} class="card row" data-testid="today-follow-up">
                    <span>
                      <strong>{teacherName(data.teachers.get(f.data.teacher_id))}</strong>
                      <span>
                        {Date.parse(f.data.ends_at) < Date.now() && <span class="badge danger">Overdue</span>}{' '}
                        {new Date(f.data.starts_at).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short', timeZone: data.tz })}
                      </span>
                      {f.data.notes && <span class="muted">{f.data.notes}</span>}
                    </span>
                    <button type="button" onClick={() => route(`/observe/new?follow_up=${f.id}`)}>
                      Observe
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </section>
          <section aria-labelledby="walkthroughs-h">
            <h2 id="walkthroughs-h">My walkthroughs</h2>
            {data.walkthroughs.length === 0 ? (
              <p class="muted">No walkthroughs yet. Start one above.</p>
            ) : (
              <ul class="cards">
                {data.walkthroughs.map((w) => (
                  <li key={w.id} class="card row" data-testid="walkthrough">
                    <a class="walkthrough-link" href={`/walkthroughs/${w.id}`}>
                      <strong>{data.schools.get(w.data.school_id) ?? 'School'}</strong>
                      <span>
                        {w.data.date} · {w.data.kind.replace('_', ' ')} {w.local ? '· not synced yet' : ''}
                      </span>
                    </a>
                    <button type="button" onClick={() => route(`/observe/new?walkthrough=${w.id}`)}>
                      Observe a classroom
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </section>
          {data.recent.length > 0 && (
            <section aria-labelledby="recent-h">
              <h2 id="recent-h">Recently submitted</h2>
              <ul class="cards">
                {data.recent.map((o) => (
                  <li key={o.id}>
                    <a class="card" href={`/review/${o.id}`}>
                      <strong>{teacherName(data.teachers.get(o.data.teacher_id))}</strong>
                      <span>
                        {new Date(o.data.started_at).toLocaleDateString([], { timeZone: data.tz })}
                        <ClockNote o={o.data} timeZone={data.tz} />
                      </span>
                    </a>
                  </li>
                ))}
              </ul>
            </section>
          )}
        </>
      )}
      <EarlierObservations user={user} />
      <Account user={user} />
    </main>
  );
}

/** What the user's other roles lead to from home: a coach's cycles and what is due, the trends of the schools they may read. */
function RoleLinks({ user }: { user: SignedInUser }) {
  const roles = new Set((user.grants ?? []).map((g) => g.role));
  const coach = useLive(async () => {
    if (!roles.has('coach')) return null;
    const tz = await districtZone();
    const cycles = (await db.cycles.toArray()).filter((c) => c.data.coach_id === user.id && (c.data.status === 'active' || c.data.status === 'planned'));
    const mine = new Set(cycles.map((c) => c.id));
    const due = dueThisWeek(await db.followUps.toArray(), (f) => mine.has(f.cycle_id) || f.observer_ids.includes(user.id), Date.now(), tz).filter((f) => f.data.status === 'scheduled');
    const overdue = due.filter((f) => Date.parse(f.data.ends_at) < Date.now()).length;
    return { cycles: cycles.length, due: due.length - overdue, overdue };
  }, [user.id]);
  const leads = readsTrends(user.grants);
  if (coach == null && !leads) return null;
  return (
    <section aria-labelledby="role-h" class="role-links">
      <h2 id="role-h">Your work</h2>
      <ul class="cards">
        {coach != null && (
          <li>
            <a class="card" href="/cycles" data-testid="home-cycles">
              <strong>Cycles of support</strong>
              <span>
                {coach.cycles} open · {coach.overdue} overdue · {coach.due} due this week
              </span>
            </a>
          </li>
        )}
        {leads && (
          <li>
            <a class="card" href="/dashboard" data-testid="home-trends">
              <strong>How your schools are doing</strong>
              <span>Visits, coverage and the dimensions that moved</span>
            </a>
          </li>
        )}
        {(coach != null || leads) && (
          <li>
            <a class="card" href="/workload" data-testid="home-reports">
              <strong>Coaching reports</strong>
              <span>Workload, what support worked{roles.has('principal') || roles.has('supervisor') || roles.has('district_admin') ? ', calibration' : ''} and your calendar link</span>
            </a>
          </li>
        )}
        {roles.has('district_admin') && (
          <li>
            <a class="card" href="/admin">
              <strong>District set-up</strong>
              <span>People, schools, the framework and settings</span>
            </a>
          </li>
        )}
      </ul>
    </section>
  );
}

interface DraftProps {
  id: string;
  teacher: string;
  school: string;
  scored: number;
  started: number;
  tz: string;
  o: ObservationData;
}

/** A draft: open it, or discard it after saying so. */
function Draft({ id, teacher, school, scored, started, tz, o }: DraftProps) {
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <li class="card row draft-card" data-testid="draft-card">
      <a class="walkthrough-link" href={`/observe/${id}`} data-testid="draft">
        <strong>{teacher}</strong>
        <span>
          {school} · {scored} scored · started {dayAndTime(started, tz)}
          <ClockNote o={o} timeZone={tz} />
        </span>
      </a>
      {!asking && (
        <button type="button" onClick={() => setAsking(true)} aria-label={`Discard the draft of ${teacher}`}>
          Discard…
        </button>
      )}
      {asking && (
        <div class="confirm" role="group" aria-label={`Discard the draft of ${teacher}`}>
          <p>Discard this draft of {teacher}? Its {scored} scores and notes are removed. This cannot be undone.</p>
          {error && <p class="error" role="alert">{error}</p>}
          <div class="actions">
            <button type="button" class="danger" onClick={() => void discardObservation(db, id).catch((err) => setError(`Could not discard: ${String(err)}`))}>
              Discard the draft
            </button>
            <button type="button" onClick={() => setAsking(false)}>
              Keep it
            </button>
          </div>
        </div>
      )}
    </li>
  );
}

function Account({ user }: { user: SignedInUser }) {
  const [persisted, setPersisted] = useState<string>('checking…');
  const [warning, setWarning] = useState<string | null>(null);
  useEffect(() => {
    const s = navigator.storage;
    if (s?.persist === undefined) {
      setPersisted('this browser may clear it; let your changes reach the server often');
      return;
    }
    void s.persist().then((ok) => setPersisted(ok ? 'kept safe by the browser' : 'the browser may clear it when space runs low, so let your changes reach the server often'));
  }, []);

  const signOut = async () => {
    const n = await unsyncedCount(db);
    const exported = (await getMeta<number>(db, 'exported_at')) ?? 0;
    const newest = Math.max(0, ...(await db.outbox.toArray()).map((e) => e.updated_at));
    if (n > 0 && exported < newest) {
      setWarning(`${n} ${n === 1 ? 'change has' : 'changes have'} not reached the server. Sync first, or export them from the Outbox, before signing out.`);
      return;
    }
    await engine.signOut();
  };

  return (
    <section aria-labelledby="device-h" class="account">
      <h2 id="device-h">This device</h2>
      <p>
        Signed in as {user.name ? `${user.name} (${user.email})` : user.email}.
      </p>
      <p data-testid="persist">Work saved on this device: {persisted}.</p>
      {warning && (
        <p class="error" role="alert">
          {warning} <a href="/outbox">Open the Outbox</a>
        </p>
      )}
      <button type="button" onClick={() => void signOut()}>
        Sign out
      </button>
    </section>
  );
}

/**
 * On an iPad or iPhone in Safari, installing to the home screen is the safest
 * place for the app's data (Safari may clear a website's storage after weeks
 * unused); Safari has no install prompt, so say how.
 */
function InstallHint() {
  const ios = /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
  const standalone = window.matchMedia?.('(display-mode: standalone)').matches || (navigator as { standalone?: boolean }).standalone === true;
  const [hidden, setHidden] = useState(false);
  if (!ios || standalone || hidden) return null;
  return (
    <p class="notice" role="note">
      Install Walkthrough on this iPad: tap <strong>Share</strong>, then <strong>Add to Home Screen</strong>. Scores kept by the installed app are safest.{' '}
      <button type="button" onClick={() => setHidden(true)}>
        Not now
      </button>
    </p>
  );
}
