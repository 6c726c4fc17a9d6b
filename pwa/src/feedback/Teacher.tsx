import { useState } from 'preact/hooks';
import { useOnline } from '../components/useOnline';
import { getMeta, type RefRow } from '../db/schema';
import type { FeedbackData, RubricVersionData } from '../db/types';
import { saveFeedback } from '../db/writes';
import { db, useDistrictZone, useLive, type KeptDistrict } from '../state';
import { dayAndTime, shortDay } from '../time/format';
import { growth } from './growth';
import { kindWords } from './words';

type Row = RefRow<FeedbackData>;

/** Newest first: by when it was shared, else when the visit was. */
function newestFirst(a: Row, b: Row): number {
  const at = (r: Row) => r.data.shared_at ?? r.data.view?.observed_at ?? '';
  return at(b).localeCompare(at(a));
}

function visitTitle(d: FeedbackData, tz: string): string {
  const v = d.view;
  if (v === undefined) return 'A visit';
  const kind = kindWords(v.kind).replace(/s$/, '');
  return `${kind.charAt(0).toUpperCase()}${kind.slice(1)}, ${shortDay(Date.parse(v.observed_at), tz)}`;
}

/** Marks a next step of a feedback done (or open again) on the device; it goes to the observer with the next sync. */
async function setStepDone(fb: Row, stepId: string, done: boolean) {
  await saveFeedback(db, fb.id, { ...fb.data, next_steps: fb.data.next_steps.map((s) => (s.id === stepId ? { ...s, done } : s)) });
}

function OfflineNote() {
  const online = useOnline();
  return online ? null : (
    <p class="notice" role="status">
      You are offline: this is what reached this device at its last sync. What you mark goes to the observer when you are back online.
    </p>
  );
}

/** The teacher's home: the feedback shared with them, their next steps from it, and their own growth. */
export function TeacherFeedback() {
  const tz = useDistrictZone();
  const rows = useLive(async () => (await db.feedback.toArray()).filter((r) => r.data.shared).sort(newestFirst), []);
  const rubrics = useLive(async () => new Map((await db.rubricVersions.toArray()).map((r) => [r.id, r.data] as const)), []);
  if (rows === undefined || rubrics === undefined) return <p aria-busy="true">Loading…</p>;
  const unread = rows.filter((r) => !r.data.read).length;
  const steps = rows.flatMap((fb) => fb.data.next_steps.map((s) => ({ fb, s })));
  const g = growth(rows, rubrics);
  return (
    <>
      <OfflineNote />
      <section aria-labelledby="my-feedback-h">
        <h2 id="my-feedback-h">
          Your feedback {unread > 0 && <span class="badge" data-testid="unread-count">{unread} new</span>}
        </h2>
        {rows.length === 0 ? (
          <p class="muted" data-testid="feedback-empty">
            Nothing has been shared with you yet. When an observer or coach shares what they saw in your classroom, it appears here.
          </p>
        ) : (
          <ul class="cards">
            {rows.map((r) => (
              <li key={r.id}>
                <a class={`card${r.data.read ? '' : ' unread'}`} href={`/feedback/${r.id}`} data-testid="feedback-item">
                  <strong>
                    {r.data.read ? '' : 'New: '}
                    {visitTitle(r.data, tz)}
                  </strong>
                  <span class="muted">
                    {r.data.view ? `by ${r.data.view.observer_name}` : ''}
                    {r.data.read ? ' · read' : ' · not read yet'}
                    {r.data.reply ? ' · you replied' : ''}
                  </span>
                </a>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="fb-steps-h">
        <h2 id="fb-steps-h">Your next steps from feedback</h2>
        {steps.length === 0 ? (
          <p class="muted">No next steps yet.</p>
        ) : (
          <ul class="cards">
            {steps.map(({ fb, s }) => (
              <li key={s.id} class="card row" data-testid="my-step">
                <span>
                  <strong>{s.text}</strong>
                  <span class="muted">
                    {s.done ? 'Done' : 'Open'} · from {visitTitle(fb.data, tz)}
                  </span>
                </span>
                <button type="button" aria-pressed={s.done} onClick={() => void setStepDone(fb, s.id, !s.done)}>
                  {s.done ? 'Mark open again' : 'Mark done'}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="growth-h">
        <h2 id="growth-h">Your growth</h2>
        {g.visits.length === 0 ? (
          <p class="muted">Once levels are shared with you, your own levels on each part of the framework show here, visit by visit.</p>
        ) : (
          <div class="table-scroll">
            <table class="scores" data-testid="growth">
              <caption>Your mean level on each dimension at each visit shared with you (only your own visits)</caption>
              <thead>
                <tr>
                  <th scope="col">Dimension</th>
                  {g.visits.map((v) => (
                    <th scope="col" key={v.id}>
                      {shortDay(Date.parse(v.at), tz)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {g.dimensions.map((d) => (
                  <tr key={d.key}>
                    <th scope="row">{d.name}</th>
                    {g.visits.map((v) => (
                      <td key={v.id}>{v.means[d.key] === undefined ? '—' : v.means[d.key]!.toFixed(1)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

/** One observation shared with the teacher: the descriptors beside the levels, the evidence, the feedback; read, reply, steps. */
export function FeedbackScreen({ id }: { id: string }) {
  const tz = useDistrictZone();
  const ctx = useLive(async () => {
    const fb = await db.feedback.get(id);
    if (fb === undefined || !fb.data.shared) return null;
    const rubric = fb.data.view ? await db.rubricVersions.get(fb.data.view.rubric_version_id) : undefined;
    const district = await getMeta<KeptDistrict>(db, 'district');
    const waiting = (await db.outbox.where('id').equals(id).toArray()).length > 0;
    return { fb, rubric: rubric?.data, district: district?.name ?? '', waiting };
  }, [id]);
  if (ctx === undefined) return <main class="screen" aria-busy="true">Loading…</main>;
  if (ctx === null)
    return (
      <main class="screen">
        <h1>Feedback not found</h1>
        <p>It is not on this device: it may not be shared with you (any more), or it has not synced yet.</p>
        <p>
          <a href="/">Back to your feedback</a>
        </p>
      </main>
    );
  return <FeedbackBody fb={ctx.fb} rubric={ctx.rubric} district={ctx.district} waiting={ctx.waiting} tz={tz} />;
}

function FeedbackBody({ fb, rubric, district, waiting, tz }: { fb: Row; rubric: RubricVersionData | undefined; district: string; waiting: boolean; tz: string }) {
  const d = fb.data;
  const v = d.view;
  const [reply, setReply] = useState(d.reply);
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const indicators = new Map(rubric?.dimensions.flatMap((dim) => dim.indicators.map((i) => [i.key, { ...i, dimension: dim.name }] as const)) ?? []);
  const levels = rubric?.levels ?? [];
  const write = async (data: FeedbackData) => {
    setError(null);
    try {
      await saveFeedback(db, fb.id, data);
      return true;
    } catch (err) {
      setError(`Could not save on this device: ${String(err)}`);
      return false;
    }
  };
  return (
    <main class="screen wide feedback-view">
      <p class="print-only district-line">
        {district} · Walkthrough feedback
      </p>
      <h1>{visitTitle(d, tz)}</h1>
      {v && (
        <p class="muted">
          By {v.observer_name} · {dayAndTime(Date.parse(v.observed_at), tz)}
          {v.grade ? ` · Grade ${v.grade}` : ''}
          {v.subject ? ` · ${v.subject}` : ''}
        </p>
      )}
      <OfflineNote />
      {error && <p class="error" role="alert">{error}</p>}
      <section aria-labelledby="fb-words-h">
        <h2 id="fb-words-h">Feedback</h2>
        {d.strength && (
          <p>
            <span class="label">A strength:</span> {d.strength}
          </p>
        )}
        {d.next_move && (
          <p>
            <span class="label">A next move:</span> {d.next_move}
          </p>
        )}
        {!d.strength && !d.next_move && <p class="muted">No written feedback.</p>}
      </section>
      {v && v.scores.length > 0 && (
        <section aria-labelledby="fb-seen-h">
          <h2 id="fb-seen-h">What was seen</h2>
          {v.scores.map((s) => {
            const ind = indicators.get(s.indicator_key);
            const label = s.level === null || s.level === undefined ? 'Not observed' : `Level ${s.level}${levels.find((l) => l.value === s.level) ? ` · ${levels.find((l) => l.value === s.level)!.label}` : ''}`;
            return (
              <article class="indicator-feedback" key={s.indicator_key} data-testid="shared-indicator">
                <h3>
                  {ind?.name ?? s.indicator_key} <span class="muted">({ind?.dimension ?? ''})</span>
                </h3>
                <p>
                  <strong>Seen: {label}</strong>
                </p>
                {ind && (
                  <table class="descriptors" aria-label={`What each level of ${ind.name} looks like`}>
                    <thead>
                      <tr>
                        <th scope="col">Level</th>
                        <th scope="col">What it looks like</th>
                      </tr>
                    </thead>
                    <tbody>
                      {levels.map((l) => {
                        const here = l.value === s.level;
                        return (
                          <tr key={l.value} class={here ? 'seen' : ''}>
                            <th scope="row">
                              {l.value} · {l.label}
                              {here ? ' (seen)' : ''}
                            </th>
                            <td>{ind.descriptors.find((x) => x.level === l.value)?.text ?? ''}</td>
                          </tr>
                        );
                      })}
                    </tbody>
                  </table>
                )}
                {s.evidence && (
                  <p class="prewrap">
                    <span class="label">Evidence:</span> {s.evidence}
                  </p>
                )}
              </article>
            );
          })}
        </section>
      )}
      {v?.evidence && (
        <section aria-labelledby="fb-evidence-h">
          <h2 id="fb-evidence-h">Overall evidence</h2>
          <p class="prewrap">{v.evidence}</p>
        </section>
      )}
      {d.next_steps.length > 0 && (
        <section aria-labelledby="fb-steps-h">
          <h2 id="fb-steps-h">Your next steps</h2>
          <ul class="cards">
            {d.next_steps.map((s) => (
              <li key={s.id} class="card row" data-testid="feedback-step">
                <span>
                  <strong>{s.text}</strong>
                  <span class="muted">{s.done ? 'Done' : 'Open'}</span>
                </span>
                <button type="button" class="no-print" aria-pressed={s.done} onClick={() => void setStepDone(fb, s.id, !s.done)}>
                  {s.done ? 'Mark open again' : 'Mark done'}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
      <section aria-labelledby="fb-reply-h">
        <h2 id="fb-reply-h">Your reply</h2>
        {d.read ? (
          <p data-testid="read-state">You marked this read{d.read_at ? ` on ${dayAndTime(Date.parse(d.read_at), tz)}` : ''}.</p>
        ) : (
          <div class="actions no-print">
            <button type="button" class="primary" onClick={() => void write({ ...d, read: true })}>
              I have read this
            </button>
          </div>
        )}
        <form
          class="stack no-print"
          onSubmit={(e) => {
            e.preventDefault();
            setSent(false);
            void write({ ...d, read: true, reply: reply.trim() }).then((ok) => setSent(ok));
          }}
        >
          <div class="field">
            <label for="fb-reply">A reflection or reply to {v?.observer_name ?? 'the observer'}</label>
            <textarea id="fb-reply" rows={3} maxLength={5000} value={reply} onInput={(e) => setReply(e.currentTarget.value)} />
          </div>
          <div class="actions">
            <button type="submit" disabled={reply.trim() === d.reply}>
              Send reply
            </button>
          </div>
        </form>
        {d.reply && <p class="print-only">Your reply: {d.reply}</p>}
        {(sent || waiting) && (
          <p class="notice" role="status">
            {waiting ? 'Saved on this device; it goes to the observer with the next sync.' : 'Sent.'}
          </p>
        )}
      </section>
      <div class="actions no-print">
        <a href="/" class="button">
          Back to your feedback
        </a>
        <button type="button" onClick={() => print()}>
          Print or save as PDF
        </button>
      </div>
    </main>
  );
}
