// The lead's debrief: everyone's observations of one walkthrough on one
// screen, large enough to project. One indicator or classroom at a time,
// picked from a list; disagreement is said in words and shown with a
// symbol and a pattern, never by colour alone.
import { FeedbackLine } from '../feedback/Line';
import { askHref, asksAt } from '../support/askLink';
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  agreementSymbol,
  agreementText,
  fetchDebrief,
  keptDebrief,
  percent,
  type Agreement,
  type Debrief as DebriefData,
  type DebriefClassroom,
  type DebriefIndicator,
  type KeptDebrief,
} from '../api/debrief';
import type { SignedInUser } from '../db/types';
import { uuidv7 } from '../db/uuid';
import { saveNextStep } from '../db/writes';
import { HttpError, RetryLater } from '../sync/engine';
import { ago, db, engine, useDistrictZone, useLive } from '../state';
import { dateIn } from '../time/zone';
import { useOnline } from '../components/useOnline';
import { dueText, isOverdue } from './NextSteps';
import { Present } from './Present';
import { shortDate } from '../time/format';

const refreshEvery = 30_000;

export function Debrief({ id, user }: { id: string; user: SignedInUser }) {
  const online = useOnline();
  const [kept, setKept] = useState<KeptDebrief | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [view, setView] = useState<'indicators' | 'classrooms'>('indicators');
  const [selected, setSelected] = useState<string | null>(null);
  const [presenting, setPresenting] = useState(false);
  // The framework read, one at a time; undefined: the server's default.
  const framework = useRef<string | undefined>(undefined);

  const load = async () => {
    setLoading(true);
    try {
      // Changes waiting on this device (a next step, the lead's own scores) go first.
      await engine.syncNow();
      setKept(await fetchDebrief(engine, db, id, Date.now(), framework.current));
      setError(null);
    } catch (err) {
      if (err instanceof HttpError && err.status === 404) {
        setError('This walkthrough is not one you may debrief, or it is not on the server yet. Sync, then try again.');
      } else if (err instanceof RetryLater) {
        setError('The server cannot be reached: showing what this device last read.');
      } else {
        setError(`Could not read the debrief: ${String(err)}`);
      }
      const old = await keptDebrief(db, id);
      setKept((cur) => cur ?? old ?? null);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    void keptDebrief(db, id).then((k) => setKept((cur) => cur ?? k));
    void load();
    // Late observations arrive as members sync: read again while the screen is open.
    const t = setInterval(() => {
      if (document.visibilityState === 'visible' && navigator.onLine) void load();
    }, refreshEvery);
    return () => clearInterval(t);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id]);

  if (kept === undefined) {
    return (
      <main class="screen debrief" aria-busy="true">
        <p>Loading the debrief…</p>
      </main>
    );
  }
  if (kept === null) {
    return (
      <main class="screen debrief">
        <h1>Debrief</h1>
        <p class="error" role="alert">
          {error ?? 'The debrief could not be read.'}
        </p>
        <div class="actions">
          <button type="button" onClick={() => void load()} disabled={loading}>
            Try again
          </button>
          <a class="button" href={`/walkthroughs/${id}`}>
            Back to the walkthrough
          </a>
        </div>
      </main>
    );
  }
  const d = kept.debrief;
  const items = view === 'indicators' ? d.indicators.map((i) => ({ key: i.key, title: i.name, a: i as Agreement, focus: i.focus }))
    : d.classrooms.map((c) => ({ key: c.key, title: c.label, a: { label: labelOf(c.max_spread, c.observations.length), spread: c.max_spread } as Agreement, focus: false }));
  const current = items.find((i) => i.key === selected) ?? items[0];

  return (
    <main class="screen debrief">
      {presenting && <Present d={d} close={() => setPresenting(false)} />}
      <div class="title-row">
        <div>
          <h1>
            Debrief · {d.school_name}
          </h1>
          <p class="debrief-meta">
            {shortDate(d.date)} · {d.kind.replace('_', ' ')} walkthrough · <strong data-testid="debrief-count">{d.observations} observations</strong> ·{' '}
            <span role="status">
              {loading ? 'reading…' : `read ${ago(kept.fetched_at)}`}
              {!online && ' · offline'}
            </span>
          </p>
        </div>
        <div class="actions">
          <button type="button" class="primary" onClick={() => setPresenting(true)}>
            Present
          </button>
          <button type="button" onClick={() => void load()} disabled={loading} aria-busy={loading}>
            {loading ? 'Refreshing…' : 'Refresh'}
          </button>
          <a class="button" href={`/walkthroughs/${id}`}>
            Walkthrough
          </a>
          {asksAt(user.grants, d.school_id) && (
            <a
              class="button"
              data-testid="ask-from-debrief"
              href={askHref(user.grants, {
                school: d.school_id,
                indicators: view === 'indicators' && current !== undefined ? [current.key] : d.focus,
                teachers: view === 'classrooms' ? [d.classrooms.find((c) => c.key === current?.key)?.teacher_id ?? ''].filter(Boolean) : [],
                source: 'debrief',
                reason: `Seen in the ${d.kind.replace('_', ' ')} walkthrough of ${shortDate(d.date)}${current !== undefined ? `: ${current.title}` : ''}.`,
              })}
            >
              Ask for coaching support
            </a>
          )}
        </div>
      </div>
      {error && (
        <p class="notice" role="alert">
          {error}
        </p>
      )}
      <Team d={d} />
      {/* A debrief kept before frameworks were named has none. */}
      {(d.frameworks ?? []).length > 1 && (
        <label class="framework-choice">
          Framework
          <select
            value={d.rubric_id}
            disabled={loading}
            onChange={(e) => {
              framework.current = e.currentTarget.value;
              setSelected(null);
              void load();
            }}
          >
            {d.frameworks.map((f) => (
              <option key={f.id} value={f.id}>
                {f.main ? `${f.name} (the district framework)` : f.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <div class="view-switch" role="group" aria-label="Show">
        <button type="button" aria-pressed={view === 'indicators'} onClick={() => { setView('indicators'); setSelected(null); }}>
          By indicator
        </button>
        <button type="button" aria-pressed={view === 'classrooms'} onClick={() => { setView('classrooms'); setSelected(null); }}>
          By classroom
        </button>
      </div>
      {items.length === 0 ? (
        <p class="muted">No submitted observations yet. They appear here as team members sync.</p>
      ) : (
        <div class="debrief-body">
          <nav aria-label={view === 'indicators' ? 'Indicators' : 'Classrooms'}>
            <ul class="debrief-list">
              {items.map((it) => (
                <li key={it.key}>
                  <button type="button" class={`debrief-item agreement-${it.a.label}`} aria-current={it.key === current?.key ? 'true' : undefined} onClick={() => setSelected(it.key)}>
                    <span class="item-title">
                      {it.title}
                      {it.focus && <span class="badge">Focus</span>}
                    </span>
                    <AgreementTag a={it.a} />
                  </button>
                </li>
              ))}
            </ul>
          </nav>
          <section class="debrief-detail" aria-live="polite">
            {current !== undefined && view === 'indicators' && <IndicatorDetail d={d} ind={d.indicators.find((i) => i.key === current.key)!} />}
            {current !== undefined && view === 'classrooms' && <ClassroomDetail d={d} room={d.classrooms.find((c) => c.key === current.key)!} />}
          </section>
        </div>
      )}
      <NextStepsPanel d={d} user={user} />
    </main>
  );
}

function labelOf(spread: number | null, observations: number): Agreement['label'] {
  if (spread === null) return 'none';
  if (observations < 2) return 'single';
  return spread === 0 ? 'agree' : spread === 1 ? 'within_one' : 'apart';
}

function AgreementTag({ a }: { a: Pick<Agreement, 'label' | 'spread'> }) {
  return (
    <span class={`agreement agreement-${a.label}`}>
      <span aria-hidden="true" class="symbol">
        {agreementSymbol(a.label)}
      </span>{' '}
      {agreementText(a)}
    </span>
  );
}

function Team({ d }: { d: DebriefData }) {
  return (
    <section aria-labelledby="team-h" class="debrief-team">
      <h2 id="team-h">
        Team · {d.waiting === 0 ? 'everyone has synced' : `${d.waiting} not synced yet`}
      </h2>
      <ul class="members">
        {d.members.map((m) => (
          <li key={m.user_id} class={`member member-${m.status}`} data-testid="member">
            <span aria-hidden="true" class="symbol">
              {m.status === 'submitted' ? '✓' : m.status === 'drafts_only' ? '◐' : '✕'}
            </span>
            <span>
              <strong>{m.name}</strong>
              {m.lead && ' (lead)'}
              <br />
              {m.status === 'submitted'
                ? `${m.submitted} submitted`
                : m.status === 'drafts_only'
                  ? `${m.drafts} draft${m.drafts === 1 ? '' : 's'}, nothing submitted`
                  : 'nothing synced for this walkthrough'}
              {m.status !== 'submitted' && (
                <span class="muted">
                  {' '}
                  · {m.last_synced_at === null ? 'never synced' : m.synced_since_visit ? `last sync ${ago(Date.parse(m.last_synced_at))}` : `no sync since the visit (last ${ago(Date.parse(m.last_synced_at))})`}
                </span>
              )}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

function levelName(d: DebriefData, v: number | null): string {
  if (v === null) return 'Not observed';
  const l = d.levels.find((x) => x.value === v);
  return l ? `${v} · ${l.label}` : String(v);
}

function Figures({ a }: { a: Agreement }) {
  return (
    <dl class="figures">
      <div>
        <dt>Scores</dt>
        <dd>{a.scores}</dd>
      </div>
      <div>
        <dt>Spread (highest − lowest)</dt>
        <dd>{a.spread ?? '—'}</dd>
      </div>
      <div>
        <dt>Median</dt>
        <dd>{a.median ?? '—'}</dd>
      </div>
      <div>
        <dt>Exact agreement</dt>
        <dd>{percent(a.exact_agreement)}</dd>
      </div>
      <div>
        <dt>Within one level</dt>
        <dd>{percent(a.within_one_agreement)}</dd>
      </div>
    </dl>
  );
}

function Distribution({ d, a }: { d: DebriefData; a: Agreement }) {
  const most = Math.max(1, ...Object.values(a.levels));
  return (
    <ul class="distribution" aria-label="Levels given">
      {d.levels.map((l) => {
        const n = a.levels[String(l.value)] ?? 0;
        return (
          <li key={l.value}>
            <span class="dist-label">
              {l.value} · {l.label}
            </span>
            <span class="dist-bar" style={{ width: `${(n / most) * 100}%` }} />
            <span class="dist-n">{n}</span>
          </li>
        );
      })}
    </ul>
  );
}

function IndicatorDetail({ d, ind }: { d: DebriefData; ind: DebriefIndicator }) {
  return (
    <article>
      <h2 class="detail-title">
        {ind.name} {ind.focus && <span class="badge">Focus</span>}
      </h2>
      <p class="detail-tag">
        <AgreementTag a={{ label: ind.label, spread: ind.widest_classroom_spread ?? ind.spread }} /> · widest classroom spread · {ind.classrooms} classroom{ind.classrooms === 1 ? '' : 's'}
      </p>
      <Figures a={ind} />
      <Distribution d={d} a={ind} />
      <h3>Classroom by classroom</h3>
      {d.classrooms.map((room) => {
        const ci = room.indicators.find((x) => x.key === ind.key);
        if (ci === undefined) return null;
        return (
          <div key={room.key} class="side-by-side">
            <h4>
              {room.label} <AgreementTag a={ci} />
            </h4>
            <ul class="marks">
              {ci.marks.map((m) => (
                <li key={m.observation_id}>
                  <span class="mark-level">{levelName(d, m.level)}</span>
                  <span class="mark-who">{m.observer_name}</span>
                  {m.evidence && <span class="mark-evidence prewrap">{m.evidence}</span>}
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </article>
  );
}

function ClassroomDetail({ d, room }: { d: DebriefData; room: DebriefClassroom }) {
  return (
    <article>
      <h2 class="detail-title">{room.label}</h2>
      <p class="detail-tag">
        {[room.grade ? `Grade ${room.grade}` : '', room.subject ?? ''].filter(Boolean).join(' · ')} · {room.observations.length} observer
        {room.observations.length === 1 ? '' : 's'}: {room.observations.map((o) => o.observer_name).join(', ')}
      </p>
      <table class="scores debrief-table">
        <caption>Levels side by side</caption>
        <thead>
          <tr>
            <th scope="col">Indicator</th>
            {room.observations.map((o) => (
              <th scope="col" key={o.id}>
                {o.observer_name}
              </th>
            ))}
            <th scope="col">Team</th>
          </tr>
        </thead>
        <tbody>
          {room.indicators.map((ci) => (
            <tr key={ci.key} class={`agreement-row agreement-${ci.label}`}>
              <th scope="row">
                {ci.name} {ci.focus && <span class="badge">Focus</span>}
              </th>
              {room.observations.map((o) => {
                const m = ci.marks.find((x) => x.observation_id === o.id);
                return (
                  <td key={o.id}>
                    {m === undefined ? <span class="muted">—</span> : m.level === null ? <span class="muted">n/o</span> : <strong class="level-cell">{m.level}</strong>}
                  </td>
                );
              })}
              <td>
                <AgreementTag a={ci} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3>Evidence</h3>
      {room.indicators
        .filter((ci) => ci.marks.some((m) => m.evidence))
        .map((ci) => (
          <div key={ci.key} class="side-by-side">
            <h4>{ci.name}</h4>
            <ul class="marks">
              {ci.marks
                .filter((m) => m.evidence)
                .map((m) => (
                  <li key={m.observation_id}>
                    <span class="mark-level">{levelName(d, m.level)}</span>
                    <span class="mark-who">{m.observer_name}</span>
                    <span class="mark-evidence prewrap">{m.evidence}</span>
                  </li>
                ))}
            </ul>
          </div>
        ))}
      {room.observations.some((o) => o.evidence) && (
        <div class="side-by-side">
          <h4>Overall</h4>
          <ul class="marks">
            {room.observations
              .filter((o) => o.evidence)
              .map((o) => (
                <li key={o.id}>
                  <span class="mark-who">{o.observer_name}</span>
                  <span class="mark-evidence prewrap">{o.evidence}</span>
                </li>
              ))}
          </ul>
        </div>
      )}
      <DebriefFeedback room={room} />
    </article>
  );
}

/** What the teachers answered to feedback shared from this room's observations, as far as this device holds it (the observer's and the school's coaches'). */
function DebriefFeedback({ room }: { room: DebriefClassroom }) {
  const ids = room.observations.map((o) => o.id);
  const shared = useLive(async () => (await db.feedback.where('data.observation_id').anyOf(ids).toArray()).filter((f) => f.data.shared).map((f) => f.data.observation_id), [ids.join(',')]);
  if (shared === undefined || shared.length === 0) return null;
  return (
    <div class="side-by-side" data-testid="debrief-feedback">
      <h4>Feedback to the teacher</h4>
      <ul class="marks">
        {room.observations
          .filter((o) => shared.includes(o.id))
          .map((o) => (
            <li key={o.id}>
              <span class="mark-who">{o.observer_name}</span> <FeedbackLine observationId={o.id} />
            </li>
          ))}
      </ul>
    </div>
  );
}

function NextStepsPanel({ d, user }: { d: DebriefData; user: SignedInUser }) {
  const tz = useDistrictZone();
  const steps = useLive(
    async () => (await db.nextSteps.toArray()).filter((n) => n.data.walkthrough_id === d.walkthrough_id).sort((a, b) => a.id.localeCompare(b.id)),
    [d.walkthrough_id],
  );
  const pending = useLive(async () => new Set((await db.outbox.toArray()).map((e) => e.id)), []);
  const [action, setAction] = useState('');
  const [owner, setOwner] = useState('');
  const [due, setDue] = useState('');
  const [indicator, setIndicator] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const lead = d.lead_id === user.id;
  const names = new Map(d.members.map((m) => [m.user_id, m.name]));
  const indicatorName = new Map(d.indicators.map((i) => [i.key, i.name]));

  const record = async (e: Event) => {
    e.preventDefault();
    setSaved(null);
    if (action.trim() === '') return setProblem('Say what will be done.');
    if (owner === '') return setProblem('Choose who owns it.');
    if (due !== '' && due < d.date) return setProblem('The due date is before the visit.');
    setProblem(null);
    try {
      await saveNextStep(db, uuidv7(), {
        walkthrough_id: d.walkthrough_id,
        school_id: d.school_id,
        owner_id: owner,
        action: action.trim(),
        ...(due ? { due_on: due } : {}),
        ...(indicator ? { indicator_key: indicator } : {}),
        done: false,
      });
      setAction('');
      setSaved(`Recorded for ${names.get(owner) ?? 'the owner'}. It reaches their device when both of you sync.`);
      void engine.syncNow();
    } catch (err) {
      setProblem(`Could not save on this device: ${String(err)}`);
    }
  };

  const today = dateIn(Date.now(), tz);
  return (
    <section aria-labelledby="steps-h" class="debrief-steps">
      <h2 id="steps-h">Next steps</h2>
      {steps === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : steps.length === 0 ? (
        <p class="muted">No next steps yet.</p>
      ) : (
        <ul class="cards">
          {steps.map((n) => {
            const overdue = isOverdue(n.data, today);
            return (
              <li key={n.id} class={`card row step${overdue ? ' overdue' : ''}${n.data.done ? ' done' : ''}`} data-testid="debrief-step">
                <span>
                  <strong>{n.data.action}</strong>
                  <span>
                    {names.get(n.data.owner_id) ?? 'Owner'} · {dueText(n.data.due_on)}
                    {n.data.indicator_key ? ` · ${indicatorName.get(n.data.indicator_key) ?? n.data.indicator_key}` : ''}
                  </span>
                </span>
                <span class="step-state">
                  {n.data.done ? '✓ Done' : overdue ? '⚠ Overdue' : 'Open'}
                  {pending?.has(n.id) && <span class="muted"> · waiting to sync</span>}
                </span>
              </li>
            );
          })}
        </ul>
      )}
      {lead ? (
        <form class="stack step-form" onSubmit={(e) => void record(e)} noValidate>
          <h3>Record a next step</h3>
          {problem && (
            <p class="error" role="alert">
              {problem}
            </p>
          )}
          {saved && <p role="status">{saved}</p>}
          <div class="field">
            <label for="step-action">Action</label>
            <textarea id="step-action" rows={2} value={action} onInput={(e) => setAction(e.currentTarget.value)} aria-invalid={problem !== null && action.trim() === ''} />
          </div>
          <div class="grid-2">
            <div class="field">
              <label for="step-owner">Owner</label>
              <select id="step-owner" value={owner} onChange={(e) => setOwner(e.currentTarget.value)}>
                <option value="">Choose…</option>
                {d.members.map((m) => (
                  <option key={m.user_id} value={m.user_id}>
                    {m.name}
                  </option>
                ))}
              </select>
            </div>
            <div class="field">
              <label for="step-due">Due</label>
              <input id="step-due" type="date" value={due} min={d.date} onInput={(e) => setDue(e.currentTarget.value)} />
            </div>
          </div>
          <div class="field">
            <label for="step-indicator">Indicator it addresses (or the school as a whole)</label>
            <select id="step-indicator" value={indicator} onChange={(e) => setIndicator(e.currentTarget.value)}>
              <option value="">The school as a whole</option>
              {d.indicators.map((i) => (
                <option key={i.key} value={i.key}>
                  {i.name}
                  {i.focus ? ' (focus)' : ''}
                </option>
              ))}
            </select>
          </div>
          <button type="submit" class="primary">
            Record next step
          </button>
        </form>
      ) : (
        <p class="muted">The walkthrough's lead records next steps.</p>
      )}
    </section>
  );
}
