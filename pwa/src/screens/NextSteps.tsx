// "My next steps": the actions agreed in debriefs that this user owns, kept
// on the device by pull, marked done offline; and, for a lead, the steps of
// their walkthroughs, overdue ones marked.
import { useState } from 'preact/hooks';
import { getMeta, type RefRow } from '../db/schema';
import type { Colleague, NextStepData, SignedInUser } from '../db/types';
import { setNextStepDone } from '../db/writes';
import { db, engine, useDistrictZone, useLive } from '../state';
import { dateIn } from '../time/zone';
import { StepLinks } from '../support/StepLinks';

/** Whether an open step's due day is before today (both the district's calendar dates). */
export function isOverdue(n: NextStepData, today: string): boolean {
  return !n.done && n.due_on !== undefined && n.due_on < today;
}

export function dueText(due: string | undefined): string {
  if (due === undefined) return 'no due date';
  return `due ${new Date(`${due}T12:00:00`).toLocaleDateString([], { dateStyle: 'medium' })}`;
}

/** Open first (overdue, then by due date, undated last), done last. */
function byUrgency(a: RefRow<NextStepData>, b: RefRow<NextStepData>): number {
  if (a.data.done !== b.data.done) return a.data.done ? 1 : -1;
  const da = a.data.due_on ?? '9999-12-31';
  const dbb = b.data.due_on ?? '9999-12-31';
  return da.localeCompare(dbb) || a.id.localeCompare(b.id);
}

export function NextSteps({ user }: { user: SignedInUser }) {
  const tz = useDistrictZone();
  const data = useLive(async () => {
    const all = await db.nextSteps.toArray();
    const led = new Set((await db.walkthroughs.toArray()).filter((w) => w.data.lead_id === user.id).map((w) => w.id));
    const schools = new Map((await db.schools.toArray()).map((s) => [s.id, s.data.name]));
    const directory = (await getMeta<Colleague[]>(db, 'directory')) ?? [];
    const pending = new Set((await db.outbox.toArray()).map((e) => e.id));
    const rubrics = await db.rubricVersions.toArray();
    const indicators = new Map(rubrics.flatMap((r) => r.data.dimensions.flatMap((d) => d.indicators.map((i) => [i.key, i.name] as const))));
    return {
      mine: all.filter((n) => n.data.owner_id === user.id).sort(byUrgency),
      assigned: all.filter((n) => n.data.owner_id !== user.id && n.data.walkthrough_id !== undefined && led.has(n.data.walkthrough_id)).sort(byUrgency),
      schools,
      names: new Map(directory.map((c) => [c.id, c.name])),
      pending,
      indicators,
    };
  }, [user.id]);
  const [error, setError] = useState<string | null>(null);
  const today = dateIn(Date.now(), tz);

  const toggle = async (id: string, done: boolean) => {
    try {
      await setNextStepDone(db, id, done);
      setError(null);
      void engine.syncNow();
    } catch (err) {
      setError(`Could not save on this device: ${String(err)}`);
    }
  };

  if (data === undefined) {
    return (
      <main class="screen wide" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  }
  const overdue = data.mine.filter((n) => isOverdue(n.data, today)).length;
  const item = (n: RefRow<NextStepData>, mine: boolean) => {
    const late = isOverdue(n.data, today);
    return (
      <li key={n.id} class={`card row step${late ? ' overdue' : ''}${n.data.done ? ' done' : ''}`} data-testid={mine ? 'my-step' : 'assigned-step'}>
        <span>
          <strong>{n.data.action}</strong>
          <span>
            {late && (
              <span class="badge danger" data-testid="overdue">
                ⚠ Overdue
              </span>
            )}{' '}
            {dueText(n.data.due_on)} · {data.schools.get(n.data.school_id) ?? 'School'}
            {n.data.indicator_key ? ` · ${data.indicators.get(n.data.indicator_key) ?? n.data.indicator_key}` : ''}
            {!mine && ` · ${data.names.get(n.data.owner_id) ?? 'owner'}`}
          </span>
          {n.data.walkthrough_id && (
            <a href={`/walkthroughs/${n.data.walkthrough_id}`}>
              From the walkthrough
            </a>
          )}
          <StepLinks step={n.data} user={user} />
          {data.pending.has(n.id) && <span class="muted">Waiting to sync</span>}
        </span>
        {mine ? (
          <label class="choice done-toggle">
            <input type="checkbox" checked={n.data.done} onChange={(e) => void toggle(n.id, e.currentTarget.checked)} />
            Done
          </label>
        ) : (
          <span class="step-state">{n.data.done ? '✓ Done' : late ? '⚠ Overdue' : 'Open'}</span>
        )}
      </li>
    );
  };

  return (
    <main class="screen wide">
      <h1>My next steps</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="muted" role="status">
        {data.mine.length === 0
          ? 'Nothing assigned to you. Next steps agreed in a debrief arrive here when you sync.'
          : `${data.mine.filter((n) => !n.data.done).length} open${overdue > 0 ? `, ${overdue} overdue` : ''}. Marking one done works offline; it syncs later.`}
      </p>
      {data.mine.length > 0 && <ul class="cards">{data.mine.map((n) => item(n, true))}</ul>}
      {data.assigned.length > 0 && (
        <section aria-labelledby="assigned-h">
          <h2 id="assigned-h">From walkthroughs I lead</h2>
          <ul class="cards">{data.assigned.map((n) => item(n, false))}</ul>
        </section>
      )}
    </main>
  );
}
