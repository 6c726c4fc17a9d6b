// /support/new: ask for coaching support. The request is saved on the
// device and sent by the sync loop, so a principal can ask offline during a
// walkthrough. Opened from the teacher view (teachers filled in), from a
// trend, a heat-map cell or a debrief (school and indicator filled in).
import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { SignedInUser, SupportRequestData } from '../db/types';
import { uuidv7 } from '../db/uuid';
import { saveSupportRequest } from '../db/writes';
import { currentRubric, db, districtZone, teacherName, useLive } from '../state';
import { dateIn } from '../time/zone';
import { requestSchools, seesTeachersAt } from './access';
import { sourceText } from './words';

const all = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function Ask({ user }: { user: SignedInUser }) {
  const { route, query, url } = useLocation();
  const params = new URL(url, location.origin).searchParams;
  const data = useLive(async () => {
    const asks = requestSchools(user.grants);
    const schools = (await db.schools.toArray())
      .filter((s) => asks === 'all' || asks.includes(s.id))
      .sort((a, b) => a.data.name.localeCompare(b.data.name));
    const teachers = (await db.teachers.toArray()).filter((t) => t.data.active).sort((a, b) => teacherName(a).localeCompare(teacherName(b)));
    const rubric = await currentRubric();
    const tz = await districtZone();
    return { schools, teachers, rubric, today: dateIn(Date.now(), tz) };
  }, [user.id]);
  const [school, setSchool] = useState<string | undefined>(query['school']);
  const [teachers, setTeachers] = useState<Set<string>>(new Set(params.getAll('teacher')));
  const [indicators, setIndicators] = useState<Set<string>>(new Set(params.getAll('indicator')));
  const [reason, setReason] = useState(query['reason'] ?? '');
  const [neededBy, setNeededBy] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const source = all(query['source'])[0] ?? '';

  if (data === undefined) {
    return (
      <main class="screen" aria-busy="true">
        <h1>Ask for coaching support</h1>
        <p>Loading…</p>
      </main>
    );
  }
  if (data.schools.length === 0) {
    return (
      <main class="screen">
        <h1>Ask for coaching support</h1>
        <p class="notice">Principals and principal supervisors ask for coaching support at the schools they lead. No such school is on this device.</p>
      </main>
    );
  }
  const chosen = school ?? data.schools[0]!.id;
  const naming = seesTeachersAt(user.grants, chosen);
  const atSchool = data.teachers.filter((t) => t.data.school_id === chosen);
  const toggle = (set: Set<string>, v: string, put: (s: Set<string>) => void) => {
    const next = new Set(set);
    if (next.has(v)) next.delete(v);
    else next.add(v);
    put(next);
  };
  /** An error goes once its field is edited. */
  const fixed = (field: string) => {
    if (errors[field] === undefined) return;
    const next = { ...errors };
    delete next[field];
    setErrors(next);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    const problems: Record<string, string> = {};
    if (indicators.size === 0) problems['indicators'] = 'Choose at least one indicator the support is for.';
    if (reason.trim() === '') problems['reason'] = 'Say why the support is needed: what you saw.';
    if (neededBy !== '' && neededBy < data.today) problems['needed_by'] = 'Choose today or a later day.';
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;
    const d: SupportRequestData = {
      school_id: chosen,
      teacher_ids: naming ? [...teachers].filter((t) => atSchool.some((x) => x.id === t)) : [],
      indicator_keys: [...indicators],
      reason: reason.trim(),
      status: 'open',
      requester_id: user.id,
    };
    if (neededBy !== '') d.needed_by = neededBy;
    if (source !== '') d.source = source as NonNullable<SupportRequestData['source']>;
    setSaving(true);
    try {
      await saveSupportRequest(db, uuidv7(), d);
      route('/support?asked=1');
    } catch (err) {
      setErrors({ form: `Could not save on this device: ${String(err)}` });
      setSaving(false);
    }
  };
  const names = data.teachers.filter((t) => teachers.has(t.id)).map(teacherName);

  return (
    <main class="screen">
      <h1>Ask for coaching support</h1>
      {source !== '' && <p class="muted">Asked {sourceText[source] ?? ''}.</p>}
      <form class="stack" onSubmit={submit} noValidate>
        {errors['form'] && (
          <p class="error" role="alert">
            {errors['form']}
          </p>
        )}
        <div class="field">
          <label for="ask-school">School</label>
          <select id="ask-school" value={chosen} onChange={(e) => {
            setSchool((e.target as HTMLSelectElement).value);
            setTeachers(new Set());
          }}>
            {data.schools.map((s) => (
              <option key={s.id} value={s.id}>
                {s.data.name}
              </option>
            ))}
          </select>
        </div>
        {naming ? (
          <fieldset>
            <legend>Teachers (none: the school as a whole)</legend>
            {atSchool.length === 0 && <p class="muted">No teachers of this school are on this device.</p>}
            {atSchool.map((t) => (
              <label key={t.id} class="choice">
                <input type="checkbox" checked={teachers.has(t.id)} onChange={() => toggle(teachers, t.id, setTeachers)} />
                {teacherName(t)}
              </label>
            ))}
          </fieldset>
        ) : (
          <p class="notice" data-testid="school-level">
            You ask for support for the school as a whole: teachers are named by those who see them (the principal and the coaches).
          </p>
        )}
        <fieldset aria-describedby={errors['indicators'] ? 'ask-ind-error' : undefined}>
          <legend>Indicators the support is for</legend>
          {data.rubric === undefined && <p class="muted">The framework is not on this device yet; it arrives with the next sync.</p>}
          {data.rubric?.data.dimensions.map((d) => (
            <div key={d.key}>
              <p class="dimension-name">{d.name}</p>
              {d.indicators.map((i) => (
                <label key={i.key} class="choice">
                  <input type="checkbox" checked={indicators.has(i.key)} onChange={() => {
                    toggle(indicators, i.key, setIndicators);
                    fixed('indicators');
                  }} />
                  {i.name}
                </label>
              ))}
            </div>
          ))}
          {errors['indicators'] && (
            <p class="field-error" id="ask-ind-error" role="alert">
              {errors['indicators']}
            </p>
          )}
        </fieldset>
        <div class="field">
          <label for="ask-reason">Why: what did you see?</label>
          <textarea id="ask-reason" rows={4} value={reason} aria-invalid={errors['reason'] ? 'true' : undefined}
            aria-describedby={errors['reason'] ? 'ask-reason-error' : undefined} onInput={(e) => {
              setReason((e.target as HTMLTextAreaElement).value);
              fixed('reason');
            }} />
          {errors['reason'] && (
            <p class="field-error" id="ask-reason-error" role="alert">
              {errors['reason']}
            </p>
          )}
        </div>
        <div class="field">
          <label for="ask-by">Needed by (optional)</label>
          <input id="ask-by" type="date" min={data.today} value={neededBy} aria-invalid={errors['needed_by'] ? 'true' : undefined}
            onInput={(e) => {
              setNeededBy((e.target as HTMLInputElement).value);
              fixed('needed_by');
            }} />
          {errors['needed_by'] && (
            <p class="field-error" role="alert">
              {errors['needed_by']}
            </p>
          )}
        </div>
        <p class="muted" data-testid="ask-summary">
          {names.length > 0 ? `For ${names.join(', ')}` : 'For the school as a whole'} · whoever assigns coaches in the district sees it and assigns a coach
          or says why not.
        </p>
        <div class="actions">
          <button type="submit" class="primary" disabled={saving}>
            Send the request
          </button>
          <a class="button" href="/support">
            Cancel
          </a>
        </div>
      </form>
    </main>
  );
}
