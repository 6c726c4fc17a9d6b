// A walkthrough as a team member sees it on the tablet, offline too: its
// focus, the team, the classrooms this member has scored, and a way to add
// another observation to it.
import { useLocation } from 'preact-iso';
import { ClockNote } from '../components/ClockNote';
import { isMine } from '../db/observer';
import { getMeta } from '../db/schema';
import type { Colleague, SignedInUser } from '../db/types';
import { db, teacherName, useDistrictZone, useLive } from '../state';
import { dateIn } from '../time/zone';
import { dueText, isOverdue } from './NextSteps';

export function WalkthroughView({ id, user }: { id: string; user: SignedInUser }) {
  const { route } = useLocation();
  const tz = useDistrictZone();
  const data = useLive(async () => {
    const w = await db.walkthroughs.get(id);
    if (w === undefined) return null;
    const rubric = await db.rubricVersions.get(w.data.rubric_version_id);
    const indicators = new Map(rubric?.data.dimensions.flatMap((d) => d.indicators.map((i) => [i.key, i.name] as const)) ?? []);
    const mine = (await db.observations.where('data.walkthrough_id').equals(id).toArray()).filter((o) => isMine(o, user.id)).sort((a, b) => a.data.started_at.localeCompare(b.data.started_at));
    const teachers = new Map((await db.teachers.toArray()).map((t) => [t.id, t]));
    const pending = new Set((await db.outbox.toArray()).map((e) => e.id));
    const directory = (await getMeta<Colleague[]>(db, 'directory')) ?? [];
    const steps = (await db.nextSteps.toArray()).filter((n) => n.data.walkthrough_id === id && n.data.owner_id === user.id);
    return { w, school: await db.schools.get(w.data.school_id), indicators, mine, teachers, pending, names: new Map(directory.map((c) => [c.id, c.name])), steps };
  }, [id, user.id]);

  if (data === undefined) {
    return (
      <main class="screen" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  if (data === null) {
    return (
      <main class="screen">
        <h1>Walkthrough not found</h1>
        <p>This walkthrough is not on this device. If you were just invited, sync while connected.</p>
        <a class="button" href="/">
          Back to Today
        </a>
      </main>
    );
  }
  const { w } = data;
  const lead = w.data.lead_id === user.id;
  const team = [...new Set([w.data.lead_id ?? '', ...w.data.team])].filter(Boolean);
  const today = dateIn(Date.now(), tz);
  return (
    <main class="screen wide">
      <div class="title-row">
        <div>
          <h1>{data.school?.data.name ?? 'Walkthrough'}</h1>
          <p class="muted">
            {w.data.date} · {w.data.kind.replace('_', ' ')} walkthrough · {lead ? 'you lead it' : `led by ${data.names.get(w.data.lead_id ?? '') ?? 'a colleague'}`}
            {w.local ? ' · not synced yet' : ''}
          </p>
        </div>
        <div class="actions">
          <button type="button" class="primary" onClick={() => route(`/observe/new?walkthrough=${w.id}`)}>
            Add an observation
          </button>
          <a class="button" href={`/walkthroughs/${w.id}/debrief`}>
            {lead ? 'Open the debrief' : 'See the debrief'}
          </a>
        </div>
      </div>
      <section aria-labelledby="focus-h">
        <h2 id="focus-h">Focus today</h2>
        {w.data.focus.length === 0 ? (
          <p class="muted">No focus indicators: score what you see.</p>
        ) : (
          <ul class="focus-list" data-testid="focus">
            {w.data.focus.map((k) => (
              <li key={k}>{data.indicators.get(k) ?? k}</li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="mine-h">
        <h2 id="mine-h">My classrooms</h2>
        {data.mine.length === 0 ? (
          <p class="muted">You have not scored a classroom in this walkthrough yet.</p>
        ) : (
          <ul class="cards">
            {data.mine.map((o) => (
              <li key={o.id}>
                <a class="card" href={o.data.status === 'submitted' ? `/review/${o.id}` : `/observe/${o.id}`} data-testid="my-classroom">
                  <strong>{teacherName(data.teachers.get(o.data.teacher_id))}</strong>
                  <span>
                    {o.data.status === 'submitted' ? 'Submitted' : 'Draft'} · {o.data.scores.length} scored ·{' '}
                    {data.pending.has(o.id) ? 'waiting to sync' : 'synced'} · started{' '}
                    {new Date(o.data.started_at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}
                    <ClockNote o={o.data} />
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="team-h">
        <h2 id="team-h">Team</h2>
        <ul class="team-list">
          {team.map((m) => (
            <li key={m}>
              {m === user.id ? 'You' : (data.names.get(m) ?? 'A colleague')}
              {m === w.data.lead_id ? ' (lead)' : ''}
            </li>
          ))}
        </ul>
      </section>
      {data.steps.length > 0 && (
        <section aria-labelledby="steps-h">
          <h2 id="steps-h">My next steps from this walkthrough</h2>
          <ul class="cards">
            {data.steps.map((n) => (
              <li key={n.id} class="card">
                <strong>{n.data.action}</strong>
                <span>
                  {n.data.done ? '✓ Done' : isOverdue(n.data, today) ? '⚠ Overdue' : 'Open'} · {dueText(n.data.due_on)}
                </span>
              </li>
            ))}
          </ul>
          <a href="/next-steps">
            All my next steps
          </a>
        </section>
      )}
    </main>
  );
}
