// The audit log: who did what, when and from where; filter and export.
import { useEffect, useState } from 'preact/hooks';
import type { AuditEntry, AuditList, School, Teacher, User } from '../api/types';
import { api, apiAll, download, failure, saveFile } from './api';
import { auditSentence, type Names } from './auditWords';
import { UndoImport } from './UndoImport';

/** The actions to filter by, in words. */
const actions: [string, string][] = [
  ['auth.', 'Any sign-in or sign-out'],
  ['auth.login', 'Signed in'],
  ['auth.login_failed', 'Failed sign-in'],
  ['auth.logout', 'Signed out'],
  ['user.create', 'Person added'],
  ['user.update', 'Person changed'],
  ['role.grant', 'Role given'],
  ['role.revoke', 'Role taken away'],
  ['device.sign_out', 'Device signed out'],
  ['school.', 'School added or changed'],
  ['teacher.', 'Teacher added or changed'],
  ['rubric.draft', 'Framework draft started'],
  ['rubric.edit', 'Framework draft edited'],
  ['rubric.publish', 'Framework published'],
  ['framework.assign', 'Framework assigned'],
  ['framework.rollback', 'Framework assignment rolled back'],
  ['framework.retire', 'Framework retired'],
  ['framework.main', 'Main framework changed'],
  ['roster.import', 'Roster imported'],
  ['roster.undo', 'Roster import undone'],
  ['district.update', 'District settings changed'],
  ['audit.export', 'Audit log exported'],
];

interface Filter {
  actor: string;
  action: string;
  from: string; // a date, yyyy-mm-dd
  to: string;
}

/** The day after a date (yyyy-mm-dd). */
function nextDay(date: string): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/**
 * The query of a filter. Dates are whole days in the district's time zone;
 * the end day is included here, and the API's to is the first day left out.
 */
function query(f: Filter): string {
  const p = new URLSearchParams();
  if (f.actor) p.set('actor_id', f.actor);
  if (f.action) p.set('action', f.action);
  if (f.from) p.set('from', f.from);
  if (f.to) p.set('to', nextDay(f.to));
  return p.toString();
}

export function Audit() {
  const [users, setUsers] = useState<User[]>([]);
  const [schools, setSchools] = useState<School[]>([]);
  const [teachers, setTeachers] = useState<Teacher[]>([]);
  const [filter, setFilter] = useState<Filter>({ actor: '', action: '', from: '', to: '' });
  const [entries, setEntries] = useState<AuditEntry[] | undefined>();
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Counts the loads, so that an entry shown again starts its undo afresh.
  const [loads, setLoads] = useState(0);

  useEffect(() => {
    apiAll<User>('/users').then(
      (l) => setUsers(l.sort((a, b) => a.name.localeCompare(b.name))),
      () => undefined,
    );
    // Names for the sentences; an entry whose record is not found says so in words.
    apiAll<School>('/schools').then(setSchools, () => undefined);
    apiAll<Teacher>('/teachers').then(setTeachers, () => undefined);
  }, []);

  const load = async (f: Filter, cursor?: string) => {
    setBusy(true);
    setError(null);
    try {
      const q = query(f);
      const page = await api<AuditList>('GET', `/audit?limit=100${q ? `&${q}` : ''}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      setEntries(cursor ? [...(entries ?? []), ...page.items] : page.items);
      setNext(page.more ? page.cursor : undefined);
      setLoads((n) => n + 1);
    } catch (e) {
      setError(failure(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load(filter);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const names: Names = {
    user: (id) => (id ? (users.find((x) => x.id === id)?.name ?? 'someone no longer listed') : 'The system'),
    school: (id) => schools.find((x) => x.id === id)?.name ?? 'a school no longer listed',
    teacher: (id) => {
      const t = teachers.find((x) => x.id === id);
      return t ? `${t.given_name} ${t.family_name}` : 'a teacher no longer listed';
    },
  };
  const exportCSV = async () => {
    setBusy(true);
    setError(null);
    try {
      const q = query(filter);
      saveFile(await download(`/audit.csv${q ? `?${q}` : ''}`), 'audit.csv');
    } catch (e) {
      setError(failure(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section aria-labelledby="au-h" class="stack">
      <h2 id="au-h">Audit log</h2>
      <form
        class="filters grid-2"
        onSubmit={(e) => {
          e.preventDefault();
          void load(filter);
        }}
      >
        <div class="field">
          <label for="au-actor">Person</label>
          <select id="au-actor" value={filter.actor} onChange={(e) => setFilter({ ...filter, actor: e.currentTarget.value })}>
            <option value="">Anyone</option>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.name} ({u.email})
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="au-action">Action</label>
          <select id="au-action" value={filter.action} onChange={(e) => setFilter({ ...filter, action: e.currentTarget.value })}>
            <option value="">Any action</option>
            {actions.map(([a, label]) => (
              <option key={a} value={a}>
                {label}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="au-from">From (day)</label>
          <input id="au-from" type="date" value={filter.from} onInput={(e) => setFilter({ ...filter, from: e.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="au-to">To (day, included)</label>
          <input id="au-to" type="date" value={filter.to} onInput={(e) => setFilter({ ...filter, to: e.currentTarget.value })} />
        </div>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            Show
          </button>
          <button type="button" onClick={() => void exportCSV()} disabled={busy}>
            Export CSV
          </button>
        </div>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {entries === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : entries.length === 0 ? (
        <p class="muted">Nothing matches these filters.</p>
      ) : (
        <table class="scores audit">
          <caption class="visually-hidden">Audit entries, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What happened</th>
              <th scope="col">From</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id} data-action={e.action}>
                <td>{new Date(e.at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })}</td>
                <td class="detail">
                  {auditSentence(e, names)}.
                  {e.action === 'roster.import' && e.entity_id && <UndoImport key={loads} importId={e.entity_id} />}
                </td>
                <td>{e.ip ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" onClick={() => void load(filter, next)} disabled={busy}>
          Show older entries
        </button>
      )}
    </section>
  );
}
