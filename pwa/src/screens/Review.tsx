import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { ClockNote } from '../components/ClockNote';
import { updateObservation } from '../db/writes';
import { useOnline } from '../components/useOnline';
import { db, teacherName, useDistrictZone, useLive, useSyncStatus } from '../state';
import { dayAndTime } from '../time/format';
import { ShareFeedback } from '../feedback/Share';
import type { Colleague, SignedInUser } from '../db/types';
import { getMeta } from '../db/schema';
import { isMine } from '../db/observer';
import { ServerObservation } from './Earlier';
import { AlwaysSharedNote, useAlwaysShared } from '../feedback/AlwaysShared';

export function Review({ id, user }: { id: string; user: SignedInUser }) {
  const { route, query } = useLocation();
  const status = useSyncStatus();
  const online = useOnline();
  const tz = useDistrictZone();
  const ctx = useLive(async () => {
    const o = await db.observations.get(id);
    if (o === undefined) return null;
    const entries = await db.outbox.where('id').equals(id).toArray();
    const directory = (await getMeta<Colleague[]>(db, 'directory')) ?? [];
    const observer = directory.find((c) => c.id === o.data.observer_id)?.name;
    return { o, rubric: await db.rubricVersions.get(o.data.rubric_version_id), teacher: await db.teachers.get(o.data.teacher_id), entries, observer };
  }, [id]);
  const [error, setError] = useState<string | null>(null);
  const always = useAlwaysShared(ctx?.o.data.kind ?? 'classroom');

  if (ctx === undefined) return <main class="screen" aria-busy="true">Loading…</main>;
  // Not on this device: older than what it keeps, or another's; the server has it.
  if (ctx === null) return <ServerObservation id={id} />;
  const { o, rubric } = ctx;
  const all = rubric?.data.dimensions.flatMap((d) => d.indicators.map((i) => ({ dim: d.name, ...i }))) ?? [];
  const levelLabel = (v: number | null) => (v === null ? 'Not observed' : `${v} · ${rubric?.data.levels.find((l) => l.value === v)?.label ?? ''}`);
  const unscored = all.filter((i) => !o.data.scores.some((s) => s.indicator_key === i.key));
  const submitted = o.data.status === 'submitted';
  // A colleague's observation of a teacher in the user's cycle: read, not changed.
  const mine = isMine(o, user.id);
  const state = ctx.entries[0]?.state;
  // A coach of the school opens a cycle from here, on the lowest level seen.
  const coaches = (user.grants ?? []).some((g) => g.role === 'coach' && (g.school_id === o.data.school_id || g.school_id === undefined));
  const weakest = o.data.scores.filter((s) => s.level !== null).sort((a, b) => (a.level ?? 0) - (b.level ?? 0))[0]?.indicator_key;

  const submit = async () => {
    try {
      await updateObservation(db, id, (d) => ({ ...d, status: 'submitted', ended_at: d.ended_at ?? new Date().toISOString() }));
      route(`/review/${id}?submitted=1`, true);
    } catch (err) {
      setError(`Could not save on this device: ${String(err)}`);
    }
  };

  return (
    <main class="screen wide">
      {submitted && query['submitted'] === '1' && (
        <Confirmation
          what={`Observation of ${teacherName(ctx.teacher)}`}
          scored={o.data.scores.length}
          of={all.length}
          state={state}
          reason={ctx.entries[0]?.error?.message}
          onServer={state === undefined && o.rev > 0}
          offline={!online || status.phase === 'offline'}
          id={id}
          sharedWith={always === true && ctx.o.data.kind !== undefined ? teacherName(ctx.teacher) : undefined}
        />
      )}
      <h1>Review: {teacherName(ctx.teacher)}</h1>
      <p class="muted">
        {o.data.grade ? `Grade ${o.data.grade}` : 'No grade'} · {o.data.subject || 'No subject'} · started {dayAndTime(Date.parse(o.data.started_at), tz)}
        {o.data.ended_at ? `, ended ${dayAndTime(Date.parse(o.data.ended_at), tz)}` : ''}
        <ClockNote o={o.data} />
      </p>
      {!mine && (
        <p data-testid="observed-by">
          Observed by {ctx.observer ?? 'a colleague'}: you read it because {teacherName(ctx.teacher)} is in your cycle of support.
        </p>
      )}
      <p data-testid="sync-state">
        {submitted ? 'Submitted' : 'Draft'} ·{' '}
        {state === undefined ? (o.rev > 0 ? 'on the server' : 'not synced') : state === 'pending' ? 'waiting to sync' : `sync ${state}: ${ctx.entries[0]?.error?.message ?? ''}`}
      </p>
      {error && <p class="error" role="alert">{error}</p>}
      <AlwaysSharedNote kind={o.data.kind} teacher={teacherName(ctx.teacher)} submitted={submitted} />
      <table class="scores">
        <caption>Scores</caption>
        <thead>
          <tr>
            <th scope="col">Indicator</th>
            <th scope="col">Level</th>
            <th scope="col">Evidence</th>
          </tr>
        </thead>
        <tbody>
          {o.data.scores.map((s) => {
            const ind = all.find((i) => i.key === s.indicator_key);
            return (
              <tr key={s.indicator_key}>
                <th scope="row">{ind?.name ?? s.indicator_key}</th>
                <td>{levelLabel(s.level)}</td>
                <td>{s.evidence ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {unscored.length > 0 && (
        <p class="notice">
          {unscored.length} {unscored.length === 1 ? 'indicator is' : 'indicators are'} not scored: {unscored.map((i) => i.name).join(', ')}. They count as not observed.
        </p>
      )}
      {o.data.evidence && (
        <>
          <h2>Overall evidence</h2>
          <p class="prewrap">{o.data.evidence}</p>
        </>
      )}
      {(o.data.tags ?? []).length > 0 && <p>Tags: {o.data.tags!.join(', ')}</p>}
      <div class="actions">
        {mine && (
          <button type="button" onClick={() => route(`/observe/${id}`)}>
            {submitted ? 'Amend' : 'Back to scoring'}
          </button>
        )}
        {mine && !submitted && (
          <button type="button" class="primary" onClick={() => void submit()}>
            Submit observation
          </button>
        )}
        {submitted && coaches && (
          <a class="button" href={`/cycles/new?${new URLSearchParams({ school: o.data.school_id, teacher: o.data.teacher_id, ...(weakest ? { indicator: weakest } : {}), from: 'observation', reason: `Observation of ${teacherName(ctx.teacher)} on ${dayAndTime(Date.parse(o.data.started_at), tz)}` }).toString()}`}>
            Open a cycle of support
          </a>
        )}
      </div>
      {submitted && (mine || coaches) && <ShareFeedback observationId={id} observation={o.data} onServer={state === undefined && o.rev > 0} rubric={rubric?.data} teacher={teacherName(ctx.teacher)} />}
    </main>
  );
}

interface ConfirmationProps {
  what: string;
  scored: number;
  of: number;
  state: string | undefined;
  reason: string | undefined;
  onServer: boolean;
  offline: boolean;
  id: string;
  /** The teacher the district shares it with on submission, if it does. */
  sharedWith: string | undefined;
}

/** Said after a submit: what was submitted and whether the server has it yet (it follows the sync live). */
function Confirmation({ what, scored, of, state, reason, onServer, offline, id, sharedWith }: ConfirmationProps) {
  const refused = state === 'rejected' || state === 'forbidden' || state === 'gone' || state === 'conflict';
  let where: string;
  if (onServer) where = 'It has reached the server.';
  else if (refused) where = `The server did not accept it: ${reason ?? 'no reason given'}. Open it, fix it and it is sent again.`;
  else if (offline) where = 'It is saved on this device and will be sent when the device is back online.';
  else where = 'It is saved on this device and being sent to the server…';
  return (
    <section class={`confirmation ${onServer ? 'done' : refused ? 'refused' : 'waiting'}`} role="status" data-testid="submit-confirmation" data-on-server={onServer}>
      <h2>Submitted: {what}</h2>
      <p>
        {scored} of {of} indicators scored. {where}
      </p>
      {sharedWith && !refused && (
        <p data-testid="confirmation-shared">
          {onServer ? `Shared with ${sharedWith}` : `It will be shared with ${sharedWith} when it reaches the server`}: the indicators you scored, their levels and the evidence, never your private notes.
        </p>
      )}
      <div class="actions">
        <a class="button primary" href="/">
          Back to home
        </a>
        {refused && (
          <a class="button" href={`/observe/${id}`}>
            Open to fix
          </a>
        )}
      </div>
    </section>
  );
}
