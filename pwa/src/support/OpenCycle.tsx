// /cycles/new: open a cycle of support, its teachers, focus indicator and
// the evidence that prompted it filled in from where it was opened: a
// support request (?request=), the teacher view (?school=&teacher=…) or a
// next step (?school=&indicator=&reason=). It is saved on this device and
// synced like any change, offline too; one that answers a support request
// is opened online, since the server notes it on the request in one go.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import type { components } from '../api/schema';
import { getMeta } from '../db/schema';
import type { Colleague, SignedInUser, SupportRequestData } from '../db/types';
import { saveCycle } from '../db/writes';
import { uuidv7 } from '../db/uuid';
import { currentRubric, db, districtZone, engine, teacherName, useLive } from '../state';
import { shortDate } from '../time/format';
import { dateIn } from '../time/zone';
import { sourceText } from './words';

type Cycle = components['schemas']['Cycle'];

export function OpenCycle({ user }: { user: SignedInUser }) {
  const { route, query, url } = useLocation();
  const params = new URL(url, location.origin).searchParams;
  const requestId = query['request'];
  const data = useLive(async () => {
    const request = requestId ? await db.supportRequests.get(requestId) : undefined;
    const rubric = await currentRubric();
    const coachAt = (user.grants ?? []).filter((g) => g.role === 'coach').map((g) => g.school_id);
    const admin = (user.grants ?? []).some((g) => g.role === 'district_admin');
    const schools = (await db.schools.toArray()).filter((s) => admin || coachAt.includes(s.id) || (user.grants ?? []).some((g) => g.school_id === s.id));
    const teachers = (await db.teachers.toArray()).filter((t) => t.data.active).sort((a, b) => teacherName(a).localeCompare(teacherName(b)));
    const directory = (await getMeta<Colleague[]>(db, 'directory')) ?? [];
    return { request, rubric, schools, teachers, directory, today: dateIn(Date.now(), await districtZone()) };
  }, [requestId, user.id]);

  const from: SupportRequestData | undefined = data?.request?.data;
  const [school, setSchool] = useState<string | undefined>(undefined);
  const [teachers, setTeachers] = useState<Set<string> | undefined>(undefined);
  const [focus, setFocus] = useState<string | undefined>(undefined);
  const [shift, setShift] = useState<string | undefined>(undefined);
  const [status, setStatus] = useState<'planned' | 'active'>('planned');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  // Filled in once what it opens from is on hand; the user may change any of it.
  useEffect(() => {
    if (data === undefined) return;
    if (school === undefined) setSchool(from?.school_id ?? query['school'] ?? data.schools[0]?.id);
    if (teachers === undefined) setTeachers(new Set(from?.teacher_ids ?? params.getAll('teacher')));
    if (focus === undefined) setFocus(from?.indicator_keys[0] ?? params.getAll('indicator')[0] ?? '');
    if (shift === undefined) setShift(from ? `Asked for: ${from.reason}` : query['from'] === 'observation' ? '' : (query['reason'] ?? ''));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [data]);

  if (data === undefined || school === undefined || teachers === undefined) {
    return (
      <main class="screen" aria-busy="true">
        <h1>Open a cycle of support</h1>
        <p>Loading…</p>
      </main>
    );
  }
  if (requestId && data.request === undefined) {
    return (
      <main class="screen">
        <h1>Open a cycle of support</h1>
        <p class="notice">This support request is not on this device yet; it arrives with the next sync. <a href="/support">Back to coaching support</a></p>
      </main>
    );
  }
  const atSchool = data.teachers.filter((t) => t.data.school_id === school);
  const indicators = (data.rubric?.data.dimensions ?? []).flatMap((d) => d.indicators.map((i) => ({ ...i, dimension: d.name })));
  const asked = new Set(from?.indicator_keys ?? []);
  const toggle = (id: string) => {
    const next = new Set(teachers);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setTeachers(next);
  };
  const submit = async (e: Event) => {
    e.preventDefault();
    if (teachers.size === 0) {
      setError('Choose at least one teacher: a cycle supports one teacher or a team.');
      return;
    }
    if (!focus) {
      setError('Choose the focus indicator.');
      return;
    }
    setBusy(true);
    setError(undefined);
    const body: Record<string, unknown> = {
      school_id: school,
      teacher_ids: [...teachers],
      focus_indicator_key: focus,
      focus_shift: (shift ?? '').trim(),
      status,
    };
    if (status === 'active') body['started_on'] = data.today;
    if (!requestId) {
      // Saved here and synced by itself, online or not.
      const id = uuidv7();
      try {
        await saveCycle(db, id, { school_id: school!, coach_id: user.id, teacher_ids: [...teachers], focus_indicator_key: focus, focus_shift: (shift ?? '').trim(), status, ...(status === 'active' ? { started_on: data.today } : {}) });
      } catch (err) {
        setError(`Could not save on this device: ${String(err)}`);
        setBusy(false);
        return;
      }
      route(`/cycles/${id}`, true);
      return;
    }
    body['support_request_id'] = requestId;
    try {
      const res = await engine.request('POST', '/api/v1/cycles', body);
      if (!res.ok) {
        const p = (await res.json().catch(() => ({}))) as { detail?: string; title?: string; errors?: { field: string; message: string }[] };
        setError(p.errors?.length ? p.errors.map((x) => `${x.field}: ${x.message}`).join('; ') : p.detail || p.title || `HTTP ${res.status}`);
        setBusy(false);
        return;
      }
      const c = (await res.json()) as Cycle;
      // The cycle reaches this device with the next pull; start it now.
      void engine.syncNow();
      route(`/cycles/${c.id}`, true);
    } catch {
      setError('Opening a cycle from a support request needs the network. Nothing was saved; try again when online.');
      setBusy(false);
    }
  };
  const requester = from?.requester_id ? data.directory.find((p) => p.id === from.requester_id)?.name : undefined;

  return (
    <main class="screen">
      <h1>Open a cycle of support</h1>
      {from && (
        <section class="notice" aria-labelledby="prompted-h" data-testid="prompted-by">
          <h2 id="prompted-h">What prompted it</h2>
          <p class="prewrap">{from.reason}</p>
          <p class="muted">
            Support request{requester ? ` from ${requester}` : ''}
            {from.source ? `, asked ${sourceText[from.source] ?? ''}` : ''}
            {from.needed_by ? `, needed by ${shortDate(from.needed_by)}` : ''}.
          </p>
        </section>
      )}
      {!from && query['reason'] && (
        <section class="notice" aria-labelledby="prompted-h">
          <h2 id="prompted-h">What prompted it</h2>
          <p class="prewrap">{query['from'] === 'observation' ? '' : 'Next step: '}{query['reason']}</p>
        </section>
      )}
      <form class="stack" onSubmit={submit}>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <div class="field">
          <label for="oc-school">School</label>
          <select id="oc-school" value={school} disabled={from !== undefined} onChange={(e) => {
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
        <fieldset>
          <legend>Teachers</legend>
          {atSchool.length === 0 && <p class="muted">No teachers of this school are on this device.</p>}
          {atSchool.map((t) => (
            <label key={t.id} class="choice">
              <input type="checkbox" checked={teachers.has(t.id)} onChange={() => toggle(t.id)} />
              {teacherName(t)}
            </label>
          ))}
        </fieldset>
        <div class="field">
          <label for="oc-focus">Focus indicator</label>
          <select id="oc-focus" value={focus} onChange={(e) => setFocus((e.target as HTMLSelectElement).value)}>
            <option value="">Choose an indicator</option>
            {indicators.map((i) => (
              <option key={i.key} value={i.key}>
                {i.name} ({i.dimension}){asked.has(i.key) ? ' · asked for' : ''}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="oc-shift">The shift in practice, in words</label>
          <textarea id="oc-shift" rows={3} value={shift} onInput={(e) => setShift((e.target as HTMLTextAreaElement).value)} />
        </div>
        <fieldset>
          <legend>Start</legend>
          <label class="choice">
            <input type="radio" name="oc-status" checked={status === 'planned'} onChange={() => setStatus('planned')} />
            Planned: support starts later
          </label>
          <label class="choice">
            <input type="radio" name="oc-status" checked={status === 'active'} onChange={() => setStatus('active')} />
            Active: support starts today
          </label>
        </fieldset>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy} aria-busy={busy}>
            Open the cycle
          </button>
          <a class="button" href={from ? '/support' : '/cycles'}>
            Cancel
          </a>
        </div>
      </form>
    </main>
  );
}
