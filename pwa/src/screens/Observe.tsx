import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { ObservationRow } from '../db/schema';
import type { Indicator, ObservationData, RubricVersionData, Score, SignedInUser } from '../db/types';
import { isMine } from '../db/observer';
import { uuidv7 } from '../db/uuid';
import { addAttachment, saveObservation, updateObservation } from '../db/writes';
import { frameworksFor } from '../db/frameworks';
import { db, teacherName, useDistrictZone, useLive } from '../state';
import { dayAndTime } from '../time/format';
import { AlwaysSharedNote } from '../feedback/AlwaysShared';

const grades = ['PK', 'K', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'];

/** /observe/new?walkthrough=…|follow_up=… picks a teacher; /observe/{id} scores. */
export function Observe({ id = 'new', user }: { id?: string; user: SignedInUser }) {
  return id === 'new' ? <PickTeacher /> : <Scoring id={id} user={user} />;
}

/** Step one: whom are we observing? The observation is saved the moment a teacher is picked. */
function PickTeacher() {
  const { query, route } = useLocation();
  const walkthroughId = query['walkthrough'] || undefined;
  const followUpId = query['follow_up'] || undefined;
  const [q, setQ] = useState('');
  const [error, setError] = useState<string | null>(null);
  const ctx = useLive(async () => {
    const w = walkthroughId ? await db.walkthroughs.get(walkthroughId) : undefined;
    const f = followUpId ? await db.followUps.get(followUpId) : undefined;
    const schoolId = w?.data.school_id ?? f?.data.school_id;
    const teachers = (await db.teachers.toArray())
      .filter((t) => t.data.active && (schoolId === undefined || t.data.school_id === schoolId))
      .filter((t) => f === undefined || t.id === f.data.teacher_id)
      .sort((a, b) => a.data.family_name.localeCompare(b.data.family_name));
    return { w, f, teachers, frameworks: await db.frameworks.toArray(), versions: await db.rubricVersions.toArray(), school: schoolId ? await db.schools.get(schoolId) : undefined };
  }, [walkthroughId, followUpId]);

  if (ctx === undefined) return <main class="screen" aria-busy="true">Loading…</main>;
  if (ctx.w === undefined && ctx.versions.length === 0) {
    return (
      <main class="screen">
        <h1>Observe</h1>
        <p class="notice">The rubric has not reached this device yet. Connect and sync first.</p>
      </main>
    );
  }
  const shown = ctx.teachers.filter((t) => `${t.data.given_name} ${t.data.family_name} ${t.data.grades.join(' ')} ${t.data.subjects.join(' ')}`.toLowerCase().includes(q.trim().toLowerCase()));

  const pick = async (teacherId: string) => {
    const t = ctx.teachers.find((x) => x.id === teacherId)!;
    const kind = ctx.f ? 'follow_up' : (ctx.w?.data.kind ?? 'informal');
    // A walkthrough's visits use its framework; a visit on its own, the one that applies at the teacher's school.
    const rubricId = ctx.w?.data.rubric_version_id ?? frameworksFor(ctx.frameworks, ctx.versions, t.data.school_id, kind)[0]?.versionId;
    if (rubricId === undefined) {
      setError('No framework applies at this school for this kind of visit. Ask your district administrator to assign one.');
      return;
    }
    const id = uuidv7();
    const data: ObservationData = {
      school_id: t.data.school_id,
      teacher_id: t.id,
      rubric_version_id: rubricId,
      kind,
      started_at: new Date().toISOString(),
      status: 'draft',
      scores: [],
      tags: [],
    };
    if (ctx.w) data.walkthrough_id = ctx.w.id;
    if (ctx.f) data.follow_up_id = ctx.f.id;
    if (t.data.grades[0]) data.grade = t.data.grades[0];
    if (t.data.subjects[0]) data.subject = t.data.subjects[0];
    await saveObservation(db, id, data);
    route(`/observe/${id}`, true);
  };

  return (
    <main class="screen">
      <h1>Pick a teacher</h1>
      {ctx.school && <p class="muted">{ctx.school.data.name}</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="field">
        <label for="teacher-search">Search teachers</label>
        <input id="teacher-search" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder="Name, grade or subject" autoComplete="off" />
      </div>
      {shown.length === 0 ? (
        <p class="muted">No teacher matches “{q}”.</p>
      ) : (
        <ul class="cards" aria-label="Teachers">
          {shown.map((t) => (
            <li key={t.id}>
              <button type="button" class="card pick" onClick={() => void pick(t.id)}>
                <strong>{teacherName(t)}</strong>
                <span>
                  Grade {t.data.grades.join(', ') || '—'} · {t.data.subjects.join(', ') || '—'}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}

/** Longer than any classroom visit: a draft older than this was left and opened again. */
const visitLimit = 3 * 3600_000;

function useClock(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, []);
  return now;
}

function elapsed(from: string, to: number): string {
  const s = Math.max(0, Math.floor((to - Date.parse(from)) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function setScore(d: ObservationData, key: string, change: (s: Score) => Score | undefined): ObservationData {
  const cur = d.scores.find((s) => s.indicator_key === key) ?? { indicator_key: key, level: null };
  const next = change(cur);
  d.scores = d.scores.filter((s) => s.indicator_key !== key);
  if (next !== undefined) d.scores.push(next);
  return d;
}

function Scoring({ id, user }: { id: string; user: SignedInUser }) {
  const { route } = useLocation();
  const ctx = useLive(async () => {
    const o = await db.observations.get(id);
    if (o === undefined) return null;
    const rubric = await db.rubricVersions.get(o.data.rubric_version_id);
    const teacher = await db.teachers.get(o.data.teacher_id);
    const w = o.data.walkthrough_id ? await db.walkthroughs.get(o.data.walkthrough_id) : undefined;
    const photos = await db.attachments.where('observation_id').equals(id).toArray();
    return { o, rubric, teacher, focus: w?.data.focus ?? [], photos };
  }, [id]);
  const now = useClock();
  const tz = useDistrictZone();
  const [focusOnly, setFocusOnly] = useState(false);
  const [advance, setAdvance] = useState(() => localStorage.getItem('walkthrough.advance') !== 'off');
  const [saveError, setSaveError] = useState<string | null>(null);

  if (ctx === undefined) return <main class="screen" aria-busy="true">Loading…</main>;
  if (ctx === null) {
    return (
      <main class="screen">
        <h1>Observation not found</h1>
        <p>This observation is not on this device.</p>
      </main>
    );
  }
  if (!isMine(ctx.o, user.id)) {
    return (
      <main class="screen">
        <h1>A colleague's observation</h1>
        <p data-testid="not-yours">Only the observer who made it changes an observation. You can read it.</p>
        <a class="button" href={`/review/${id}`}>
          Read it
        </a>
      </main>
    );
  }
  const { o, rubric } = ctx;
  // A draft opened again long after its visit: the timer would count the days
  // since, not the visit; say when it began instead, and end it at its last edit.
  const next = (key: string) => {
    // The next indicator on screen after the one just scored comes into view.
    const rows = [...document.querySelectorAll<HTMLElement>('.indicator[data-indicator]')];
    const i = rows.findIndex((r) => r.dataset['indicator'] === key);
    const after = rows[i + 1];
    if (after !== undefined) setTimeout(() => after.scrollIntoView({ block: 'start', behavior: 'smooth' }), 150);
  };
  const keys = (rubric?.data.dimensions ?? []).flatMap((d) => d.indicators.map((i) => i.key));
  const allScored = keys.length > 0 && keys.every((k) => o.data.scores.some((s) => s.indicator_key === k));
  const submit = () => {
    updateObservation(db, id, (d) => ({ ...d, status: 'submitted', ended_at: d.ended_at ?? new Date().toISOString() })).then(
      () => route(`/review/${id}?submitted=1`, true),
      (err) => setSaveError(`Could not save on this device: ${String(err)}`),
    );
  };
  const resumed = o.data.ended_at === undefined && now - Date.parse(o.data.started_at) > visitLimit;
  const save = (change: (d: ObservationData) => ObservationData) => {
    updateObservation(db, id, change).then(
      () => setSaveError(null),
      (err) => setSaveError(`Could not save on this device: ${String(err)}`),
    );
  };

  return (
    <main class="screen wide observe">
      <div class="title-row">
        <h1>{teacherName(ctx.teacher)}</h1>
        {resumed ? (
          <span class="timer" data-testid="visit-began">
            Visit began {dayAndTime(Date.parse(o.data.started_at), tz)}
          </span>
        ) : (
          <span class="timer" role="timer" aria-label="Visit time" data-testid="visit-timer">
            {elapsed(o.data.started_at, o.data.ended_at ? Date.parse(o.data.ended_at) : now)}
          </span>
        )}
      </div>
      {o.data.status === 'submitted' && <p class="notice">Submitted. Changes you make now amend it.</p>}
      <AlwaysSharedNote kind={o.data.kind} teacher={teacherName(ctx.teacher)} submitted={o.data.status === 'submitted'} />
      {saveError && <p class="error" role="alert">{saveError}</p>}
      <div class="grid-2">
        <div class="field">
          <label for="obs-grade">Grade</label>
          <select id="obs-grade" value={o.data.grade ?? ''} onChange={(e) => {
            const v = e.currentTarget.value;
            save((d) => ({ ...d, grade: v }));
          }}>
            <option value="">—</option>
            {grades.map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="obs-subject">Subject</label>
          <input id="obs-subject" key={`${id}-subject`} defaultValue={o.data.subject ?? ''} onInput={(e) => {
            const v = e.currentTarget.value;
            save((d) => ({ ...d, subject: v }));
          }} />
        </div>
      </div>
      {rubric === undefined ? (
        <p class="error">The rubric version of this observation is not on this device.</p>
      ) : (
        <>
          <p class="muted framework-name">
            Scored with {rubric.data.name} (version {rubric.data.version})
          </p>
          <ScoringBar rubric={rubric.data} o={o} focus={ctx.focus} focusOnly={focusOnly} setFocusOnly={setFocusOnly} advance={advance} setAdvance={setAdvance} />
          <Rubric rubric={rubric.data} o={o} focus={ctx.focus} save={save} focusOnly={focusOnly && ctx.focus.length > 0} onScored={advance ? next : undefined} />
        </>
      )}
      <section aria-labelledby="overall-h">
        <h2 id="overall-h">Overall</h2>
        <div class="field">
          <label for="obs-evidence">Overall evidence</label>
          <textarea id="obs-evidence" key={`${id}-evidence`} rows={4} defaultValue={o.data.evidence ?? ''} onInput={(e) => {
            const v = e.currentTarget.value;
            save((d) => ({ ...d, evidence: v }));
          }} />
        </div>
        <div class="field">
          <label for="obs-tags">Tags (separated by commas)</label>
          <input
            id="obs-tags"
            key={`${id}-tags`}
            defaultValue={(o.data.tags ?? []).join(', ')}
            onInput={(e) => {
              const tags = e.currentTarget.value.split(',').map((t) => t.trim()).filter(Boolean);
              save((d) => ({ ...d, tags }));
            }}
          />
        </div>
        <div class="field">
          <label for="obs-photo">Photo of student work (optional)</label>
          <input
            id="obs-photo"
            type="file"
            accept="image/*"
            capture="environment"
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              if (f) addAttachment(db, id, f).catch((err) => setSaveError(`Could not keep the photo: ${String(err)}`));
              e.currentTarget.value = '';
            }}
          />
          {ctx.photos.length > 0 && (
            <ul class="photos">
              {ctx.photos.map((p) => (
                <li key={p.id}>
                  <Photo blob={p.blob} />
                  <span class="muted">{p.uploaded ? 'uploaded' : p.error ? `not uploaded: ${p.error}` : 'waiting to upload'}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </section>
      <div class="actions sticky">
        {!o.data.ended_at && (
          <button type="button" onClick={() => save((d) => ({ ...d, ended_at: new Date(resumed ? o.updated_at : Date.now()).toISOString() }))}>
            End visit
          </button>
        )}
        {allScored && o.data.status !== 'submitted' ? (
          <>
            <button type="button" onClick={() => route(`/review/${id}`)}>
              Review
            </button>
            <button type="button" class="primary" onClick={submit}>
              Submit observation
            </button>
          </>
        ) : (
          <button type="button" class="primary" onClick={() => route(`/review/${id}`)}>
            Review and submit
          </button>
        )}
      </div>
    </main>
  );
}

interface ScoringBarProps {
  rubric: RubricVersionData;
  o: ObservationRow;
  focus: string[];
  focusOnly: boolean;
  setFocusOnly: (v: boolean) => void;
  advance: boolean;
  setAdvance: (v: boolean) => void;
}

/** Stays at the top while scoring: how many are scored, a jump to each dimension, the focus and advance switches. */
function ScoringBar({ rubric, o, focus, focusOnly, setFocusOnly, advance, setAdvance }: ScoringBarProps) {
  const shown = rubric.dimensions.map((d) => ({ ...d, indicators: d.indicators.filter((i) => !focusOnly || focus.length === 0 || focus.includes(i.key)) }));
  const total = shown.reduce((n, d) => n + d.indicators.length, 0);
  const scored = (keys: string[]) => keys.filter((k) => o.data.scores.some((s) => s.indicator_key === k)).length;
  const done = scored(shown.flatMap((d) => d.indicators.map((i) => i.key)));
  return (
    <nav class="scoring-bar" aria-label="Dimensions">
      <p class="scored" data-testid="scored-count" aria-live="polite">
        {done} of {total} scored
      </p>
      <ul class="dimension-jumps">
        {shown
          .filter((d) => d.indicators.length > 0)
          .map((d) => {
            const n = scored(d.indicators.map((i) => i.key));
            return (
              <li key={d.key}>
                <a href={`#dim-${d.key}`} class={n === d.indicators.length ? 'complete' : ''} onClick={(e) => {
                  e.preventDefault();
                  document.getElementById(`dim-${d.key}`)?.scrollIntoView({ block: 'start' });
                }}>
                  {d.name} <span class="muted">{n}/{d.indicators.length}</span>
                </a>
              </li>
            );
          })}
      </ul>
      <div class="switches">
        {focus.length > 0 && (
          <label>
            <input type="checkbox" checked={focusOnly} onChange={(e) => setFocusOnly(e.currentTarget.checked)} /> Focus indicators only
          </label>
        )}
        <label>
          <input type="checkbox" checked={advance} onChange={(e) => {
            const v = e.currentTarget.checked;
            localStorage.setItem('walkthrough.advance', v ? 'on' : 'off');
            setAdvance(v);
          }} /> Go to the next indicator after a tap
        </label>
      </div>
    </nav>
  );
}

function Photo({ blob }: { blob: Blob }) {
  const [url, setURL] = useState<string>();
  useEffect(() => {
    const u = URL.createObjectURL(blob);
    setURL(u);
    return () => URL.revokeObjectURL(u);
  }, [blob]);
  return url ? <img src={url} alt="Student work" width={96} height={96} /> : null;
}

export interface RubricProps {
  rubric: RubricVersionData;
  o: ObservationRow;
  focus: string[];
  save: (change: (d: ObservationData) => ObservationData) => void;
  /** Only the focus indicators are shown. */
  focusOnly?: boolean;
  /** Called after a level is tapped, with the indicator's key. */
  onScored?: ((key: string) => void) | undefined;
}

/** The scoring form of a rubric; the framework builder previews drafts with it. */
export function Rubric({ rubric, o, focus, save, focusOnly = false, onScored }: RubricProps) {
  return (
    <>
      {rubric.dimensions.map((dim) => {
        const indicators = [...dim.indicators]
          .filter((i) => !focusOnly || focus.includes(i.key))
          .sort((a, b) => Number(focus.includes(b.key)) - Number(focus.includes(a.key)));
        if (indicators.length === 0) return null;
        return (
          <section key={dim.key} class="dimension" aria-labelledby={`dim-${dim.key}`}>
            <h2 id={`dim-${dim.key}`}>{dim.name}</h2>
            {indicators.map((ind) => (
              <IndicatorRow key={ind.key} ind={ind} rubric={rubric} score={o.data.scores.find((s) => s.indicator_key === ind.key)} focus={focus.includes(ind.key)} obsId={o.id} save={save} onScored={onScored} />
            ))}
          </section>
        );
      })}
    </>
  );
}

interface IndicatorProps {
  ind: Indicator;
  rubric: RubricVersionData;
  score: Score | undefined;
  focus: boolean;
  obsId: string;
  save: RubricProps['save'];
  onScored: RubricProps['onScored'];
}

function IndicatorRow({ ind, rubric, score, focus, obsId, save, onScored }: IndicatorProps) {
  const labelId = `ind-${ind.key}`;
  return (
    <div class={`indicator${focus ? ' focus' : ''}`} data-indicator={ind.key}>
      <h3 id={labelId}>
        {ind.name}
        {focus && <span class="badge focus-badge">Focus today</span>}
      </h3>
      <div class="levels" role="radiogroup" aria-labelledby={labelId}>
        {rubric.levels.map((lv) => {
          const on = score?.level === lv.value;
          const text = ind.descriptors.find((d) => d.level === lv.value)?.text;
          return (
            <button
              key={lv.value}
              type="button"
              role="radio"
              aria-checked={on}
              class={`level${on ? ' on' : ''}`}
              data-level={lv.value}
              onClick={() => {
                save((d) => setScore(d, ind.key, (s) => ({ ...s, level: lv.value })));
                onScored?.(ind.key);
              }}
            >
              <span class="level-label">
                {lv.value} · {lv.label}
              </span>
              {text && <span class="descriptor">{text}</span>}
            </button>
          );
        })}
        <button
          type="button"
          role="radio"
          aria-checked={score !== undefined && score.level === null}
          class={`level not-observed${score !== undefined && score.level === null ? ' on' : ''}`}
          onClick={() => {
            save((d) => setScore(d, ind.key, (s) => ({ ...s, level: null })));
            onScored?.(ind.key);
          }}
        >
          <span class="level-label">Not observed</span>
        </button>
      </div>
      {score !== undefined && (
        <div class="field">
          <label for={`ev-${ind.key}`}>Evidence for {ind.name}</label>
          <textarea
            id={`ev-${ind.key}`}
            key={`${obsId}-${ind.key}`}
            rows={2}
            defaultValue={score.evidence ?? ''}
            onInput={(e) => {
              const v = e.currentTarget.value;
              save((d) => setScore(d, ind.key, (s) => (v ? { ...s, evidence: v } : { indicator_key: s.indicator_key, level: s.level })));
            }}
          />
        </div>
      )}
    </div>
  );
}
