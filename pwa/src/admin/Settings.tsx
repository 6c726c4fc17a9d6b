import { useEffect, useState } from 'preact/hooks';
import type { District, UpdateDistrictRequest } from '../api/types';
import { api, ApiError, failure } from './api';

type Sharing = District['settings']['feedback_sharing']['classroom'];
const sharingKinds: [keyof District['settings']['feedback_sharing'], string][] = [
  ['classroom', 'Classroom walkthroughs'],
  ['leadership', 'Leadership walkthroughs'],
  ['follow_up', 'Follow-up observations'],
  ['informal', 'Informal visits'],
];

const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** The IANA time zones this browser knows, with the district's own always among them. */
function zones(current: string): string[] {
  const intl = Intl as unknown as { supportedValuesOf?: (k: string) => string[] };
  const known = intl.supportedValuesOf?.('timeZone') ?? [];
  return known.includes(current) ? known : [current, ...known];
}

/** The days of the week, Monday first, with the digit the server keeps (0 is Sunday). */
const weekDays: [string, string][] = [
  ['1', 'Monday'],
  ['2', 'Tuesday'],
  ['3', 'Wednesday'],
  ['4', 'Thursday'],
  ['5', 'Friday'],
  ['6', 'Saturday'],
  ['0', 'Sunday'],
];

/** District settings: time zone, the school year's start, trend cell size, follow-up invitations, the undo window of imports. */
export function Settings() {
  const [d, setD] = useState<District | undefined>();
  const [form, setForm] = useState<District | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    api<District>('GET', '/district').then(
      (x) => {
        setD(x);
        setForm(x);
      },
      (e) => setError(failure(e)),
    );
  }, []);
  if (error && form === undefined) return <p class="error" role="alert">{error}</p>;
  if (form === undefined || d === undefined) return <p aria-busy="true">Loading…</p>;
  const set = (ch: Partial<District['settings']>) => {
    setSaved(false);
    setForm({ ...form, settings: { ...form.settings, ...ch } });
  };
  const save = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setProblems({});
    try {
      const body: UpdateDistrictRequest = { name: form.name, settings: form.settings, rev: d.rev };
      if (form.time_zone !== d.time_zone) body.time_zone = form.time_zone;
      const x = await api<District>('PATCH', '/district', body);
      setD(x);
      setForm(x);
      setSaved(true);
    } catch (err) {
      setError(failure(err));
      if (err instanceof ApiError) setProblems(err.problems);
    } finally {
      setBusy(false);
    }
  };
  const err = (f: string) =>
    problems[f] ? (
      <p class="field-error" id={`err-${f}`}>
        {problems[f]}
      </p>
    ) : null;
  const described = (f: string) => (problems[f] ? { 'aria-invalid': true, 'aria-describedby': `err-${f}` } : {});
  return (
    <form class="stack settings" onSubmit={save} noValidate>
      <h2>District settings</h2>
      {error && <p class="error" role="alert">{error}</p>}
      {saved && <p class="notice" role="status">Saved. Everyone gets the new settings on their next sign-in or sync.</p>}
      <div class="field">
        <label for="set-name">District name</label>
        <input id="set-name" value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} {...described('name')} />
        {err('name')}
      </div>
      <div class="field">
        <label for="set-tz">Time zone</label>
        <select id="set-tz" value={form.time_zone} onChange={(e) => setForm({ ...form, time_zone: e.currentTarget.value })} {...described('time_zone')}>
          {zones(form.time_zone).map((z) => (
            <option key={z} value={z}>
              {z.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
        <p class="muted">Decides which day and week each observation counts in. It cannot change once observations are recorded.</p>
        {err('time_zone')}
      </div>
      <fieldset>
        <legend>The school year starts on</legend>
        <div class="grid-2">
          <div class="field">
            <label for="set-month">Month</label>
            <select id="set-month" value={form.settings.school_year_start_month} onChange={(e) => set({ school_year_start_month: Number(e.currentTarget.value) })}>
              {months.map((m, i) => (
                <option key={m} value={i + 1}>
                  {m}
                </option>
              ))}
            </select>
            {err('settings.school_year_start_month')}
          </div>
          <div class="field">
            <label for="set-day">Day</label>
            <input id="set-day" type="number" min={1} max={31} value={form.settings.school_year_start_day} onInput={(e) => set({ school_year_start_day: Number(e.currentTarget.value) })} {...described('settings.school_year_start_day')} />
            {err('settings.school_year_start_day')}
          </div>
        </div>
      </fieldset>
      <div class="field">
        <label for="set-cell">Fewest observations in a trend cell</label>
        <input id="set-cell" type="number" min={1} max={100} value={form.settings.min_cell_size} onInput={(e) => set({ min_cell_size: Number(e.currentTarget.value) })} {...described('settings.min_cell_size')} />
        <p class="muted">Cells built from fewer observations are hidden from roles that may not see individual teachers.</p>
        {err('settings.min_cell_size')}
      </div>
      <div class="field">
        <label for="set-undo">Days a roster import can be undone</label>
        <input id="set-undo" type="number" min={1} max={365} value={form.settings.import_undo_days} onInput={(e) => set({ import_undo_days: Number(e.currentTarget.value) })} {...described('settings.import_undo_days')} />
        <p class="muted">Within these days after an import, its entry in the audit log can undo it.</p>
        {err('settings.import_undo_days')}
      </div>
      <label class="choice">
        <input type="checkbox" checked={form.settings.invite_principal_to_follow_ups} onChange={(e) => set({ invite_principal_to_follow_ups: e.currentTarget.checked })} />
        Invite the school's principal to follow-up observations by default
      </label>
      <fieldset>
        <legend>School days</legend>
        <p class="muted">Reminders go out on these days only. A follow-up on a Monday is announced on the last school day before it.</p>
        {weekDays.map(([digit, label]) => {
          const days = form.settings.school_days ?? '12345';
          return (
            <label class="choice" key={digit}>
              <input
                type="checkbox"
                checked={days.includes(digit)}
                onChange={(e) => {
                  const on = e.currentTarget.checked;
                  set({ school_days: weekDays.map(([x]) => x).filter((x) => (x === digit ? on : days.includes(x))).join('') });
                }}
              />
              {label}
            </label>
          );
        })}
        {err('settings.school_days')}
      </fieldset>
      <fieldset>
        <legend>Sharing observations with the teacher observed</legend>
        <p class="muted">Walkthroughs that read a school's practice are often never shared with individuals; coaching follow-ups usually are. "Always" shares every submitted observation of the kind.</p>
        {sharingKinds.map(([kind, label]) => (
          <div class="field" key={kind}>
            <label for={`set-share-${kind}`}>{label}</label>
            <select
              id={`set-share-${kind}`}
              value={form.settings.feedback_sharing[kind]}
              onChange={(e) => set({ feedback_sharing: { ...form.settings.feedback_sharing, [kind]: e.currentTarget.value as Sharing } })}
              {...described(`settings.feedback_sharing.${kind}`)}
            >
              <option value="never">Never shared with the teacher</option>
              <option value="chosen">Shared when the observer chooses</option>
              <option value="always">Always shared</option>
            </select>
            {err(`settings.feedback_sharing.${kind}`)}
          </div>
        ))}
      </fieldset>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Saving…' : 'Save settings'}
        </button>
      </div>
    </form>
  );
}
