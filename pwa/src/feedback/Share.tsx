import { useState } from 'preact/hooks';
import type { FeedbackData, FeedbackStep, ObservationData, RubricVersionData } from '../db/types';
import { getMeta, type RefRow } from '../db/schema';
import { feedbackIdOf, uuidv7 } from '../db/uuid';
import { saveFeedback } from '../db/writes';
import { db, useDistrictZone, useLive, type KeptDistrict } from '../state';
import { dayAndTime } from '../time/format';
import { kindWords, sharingOf } from './words';

/** What the observer or coach shares of a submitted observation, and what the teacher answered. */
export function ShareFeedback({ observationId, observation, onServer, rubric, teacher }: { observationId: string; observation: ObservationData; onServer: boolean; rubric: RubricVersionData | undefined; teacher: string }) {
  const ctx = useLive(async () => {
    const fb = await db.feedback.where('data.observation_id').equals(observationId).first();
    const district = await getMeta<KeptDistrict>(db, 'district');
    const queued = fb ? (await db.outbox.where('id').equals(fb.id).toArray()).find((e) => e.state !== 'pending') : undefined;
    return { fb: fb ?? null, autoId: await feedbackIdOf(observationId), sharing: sharingOf(district?.feedback_sharing, observation.kind), refused: queued?.error?.message };
  }, [observationId, observation.kind]);
  if (ctx === undefined) return <p aria-busy="true">Loading…</p>;
  if (observation.status !== 'submitted') return null;
  const { fb, sharing } = ctx;
  if (sharing === 'never' && (fb === null || !fb.data.shared)) {
    return (
      <section class="feedback-share" aria-labelledby="share-h">
        <h2 id="share-h">Feedback to the teacher</h2>
        <p class="muted" data-testid="share-never">Your district does not share {kindWords(observation.kind)} with teachers.</p>
      </section>
    );
  }
  // Where the district shares every observation of the kind, the server
  // shares a submitted one by itself, under an id derived from the
  // observation's: until the
  // device has pulled that share, it shows it as such.
  const auto = sharing === 'always' && fb === null;
  const shown: RefRow<FeedbackData> | null = auto
    ? { id: ctx.autoId, rev: 0, data: { observation_id: observationId, shared: true, indicator_keys: observation.scores.map((s) => s.indicator_key), share_evidence: true, strength: '', next_move: '', next_steps: [], read: false, reply: '' } }
    : fb;
  return <ShareForm key={shown?.id ?? 'new'} fb={shown} auto={auto} observationId={observationId} observation={observation} rubric={rubric} teacher={teacher} always={sharing === 'always'} onServer={onServer} refused={ctx.refused} />;
}

function ShareForm({
  fb,
  auto,
  observationId,
  observation,
  rubric,
  teacher,
  always,
  onServer,
  refused,
}: {
  fb: RefRow<FeedbackData> | null;
  auto: boolean;
  observationId: string;
  observation: ObservationData;
  rubric: RubricVersionData | undefined;
  teacher: string;
  always: boolean;
  onServer: boolean;
  refused: string | undefined;
}) {
  const tz = useDistrictZone();
  const names = new Map(rubric?.dimensions.flatMap((d) => d.indicators.map((i) => [i.key, i.name] as const)) ?? []);
  const scored = observation.scores.map((s) => s.indicator_key);
  const [keys, setKeys] = useState<string[]>(fb?.data.indicator_keys ?? scored);
  const [evidence, setEvidence] = useState(fb?.data.share_evidence ?? true);
  const [strength, setStrength] = useState(fb?.data.strength ?? '');
  const [nextMove, setNextMove] = useState(fb?.data.next_move ?? '');
  const [notes, setNotes] = useState(fb?.data.private_notes ?? '');
  const [steps, setSteps] = useState<FeedbackStep[]>(fb?.data.next_steps ?? []);
  const [editing, setEditing] = useState(fb === null || !fb.data.shared);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const save = async (shared: boolean) => {
    setError(null);
    setSaved(false);
    const clean = steps.map((s) => ({ ...s, text: s.text.trim() })).filter((s) => s.text !== '');
    if (shared && strength.trim() === '' && nextMove.trim() === '' && keys.length === 0) {
      setError('Share at least one indicator, a strength or a next move.');
      return;
    }
    const data: FeedbackData = {
      ...(fb?.data ?? { read: false, reply: '' }),
      observation_id: observationId,
      shared,
      indicator_keys: scored.filter((k) => keys.includes(k)),
      share_evidence: evidence,
      strength: strength.trim(),
      next_move: nextMove.trim(),
      private_notes: notes.trim(),
      next_steps: clean,
    };
    try {
      // A new feedback takes the id the server's automatic share gives it.
      await saveFeedback(db, fb?.id ?? (await feedbackIdOf(observationId)), data);
      setSteps(clean);
      setEditing(false);
      setSaved(true);
    } catch (err) {
      setError(`Could not save on this device: ${String(err)}`);
    }
  };

  if (fb !== null && fb.data.shared && !editing) {
    const d = fb.data;
    return (
      <section class="feedback-share" aria-labelledby="share-h" data-testid="feedback-status">
        <h2 id="share-h">Feedback to {teacher}</h2>
        {auto && (
          <p class="muted" data-testid="feedback-auto">
            Your district shares every {kindWords(observation.kind).replace(/s$/, '')} with the teacher: the indicators you scored, their levels and the evidence, never your private notes.
            {onServer ? '' : ` ${teacher} sees it once this device has synced.`}
          </p>
        )}
        {saved && <p class="notice" role="status">Saved on this device; it goes to {teacher} with the next sync.</p>}
        {refused && <p class="error" role="alert">Not shared: {refused}</p>}
        <p>
          <strong data-testid="feedback-read">{d.read ? `Read by ${teacher}${d.read_at ? ` on ${dayAndTime(Date.parse(d.read_at), tz)}` : ''}` : fb.rev > 0 ? 'Shared, not read yet' : auto ? (onServer ? `Shared with ${teacher}` : `Will be shared with ${teacher} when this device syncs`) : 'Waiting to sync'}</strong>
        </p>
        {d.strength && <p><span class="label">Strength:</span> {d.strength}</p>}
        {d.next_move && <p><span class="label">Next move:</span> {d.next_move}</p>}
        {d.next_steps.length > 0 && (
          <ul class="plain" aria-label="Next steps">
            {d.next_steps.map((s) => (
              <li key={s.id} data-testid="feedback-step">
                {s.done ? '✓ Done: ' : 'Open: '}
                {s.text}
              </li>
            ))}
          </ul>
        )}
        {d.reply ? (
          <blockquote data-testid="feedback-reply">
            <span class="label">{teacher} replied:</span> {d.reply}
          </blockquote>
        ) : (
          <p class="muted">No reply yet.</p>
        )}
        <div class="actions">
          <button type="button" onClick={() => setEditing(true)}>
            {auto ? 'Add feedback' : 'Change what is shared'}
          </button>
          {!always && (
            <button type="button" onClick={() => void save(false)}>
              Stop sharing
            </button>
          )}
        </div>
      </section>
    );
  }

  return (
    <form
      class="feedback-share stack"
      aria-labelledby="share-h"
      onSubmit={(e) => {
        e.preventDefault();
        void save(true);
      }}
    >
      <h2 id="share-h">Share with {teacher}</h2>
      {always && <p class="muted">Your district shares every {kindWords(observation.kind).replace(/s$/, '')} with the teacher: choose what they see.</p>}
      {refused && <p class="error" role="alert">Not shared: {refused}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      <fieldset>
        <legend>What {teacher} sees</legend>
        {scored.map((k) => (
          <label class="choice" key={k}>
            <input type="checkbox" checked={keys.includes(k)} onChange={(e) => setKeys(e.currentTarget.checked ? [...keys, k] : keys.filter((x) => x !== k))} />
            {names.get(k) ?? k}, its level and evidence
          </label>
        ))}
        {observation.evidence && (
          <label class="choice">
            <input type="checkbox" checked={evidence} onChange={(e) => setEvidence(e.currentTarget.checked)} />
            The overall evidence
          </label>
        )}
      </fieldset>
      <div class="field">
        <label for="fb-strength">A strength</label>
        <textarea id="fb-strength" rows={2} maxLength={2000} value={strength} onInput={(e) => setStrength(e.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="fb-next">A next move</label>
        <textarea id="fb-next" rows={2} maxLength={2000} value={nextMove} onInput={(e) => setNextMove(e.currentTarget.value)} />
      </div>
      <fieldset>
        <legend>Next steps {teacher} owns</legend>
        {steps.map((s, i) => (
          <div class="field row" key={s.id}>
            <label for={`fb-step-${i}`}>Next step {i + 1}</label>
            <input id={`fb-step-${i}`} maxLength={500} value={s.text} onInput={(e) => setSteps(steps.map((x) => (x.id === s.id ? { ...x, text: e.currentTarget.value } : x)))} />
            <button type="button" aria-label={`Remove next step ${i + 1}`} onClick={() => setSteps(steps.filter((x) => x.id !== s.id))}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => setSteps([...steps, { id: uuidv7(), text: '', done: false }])}>
          Add a next step
        </button>
      </fieldset>
      <div class="field">
        <label for="fb-notes">Private notes (never shared with {teacher})</label>
        <textarea id="fb-notes" rows={2} maxLength={20000} value={notes} onInput={(e) => setNotes(e.currentTarget.value)} />
      </div>
      <div class="actions">
        {fb !== null && fb.data.shared && (
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        )}
        <button type="submit" class="primary">
          {fb !== null && fb.data.shared ? 'Save what is shared' : `Share with ${teacher}`}
        </button>
      </div>
    </form>
  );
}
