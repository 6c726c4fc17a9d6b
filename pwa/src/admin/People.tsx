// People and access: find a user, create one, grant and revoke roles over
// schools (with what that lets them see, in words), deactivate, reset a
// password, and sign their devices out.
import { useEffect, useRef, useState } from 'preact/hooks';
import { applyGrants, effectInWords, grantsFor, roleNames, roleOf, roles } from './access';
import type { CreateUserRequest, Device, Role, RoleGrant, School, UpdateUserRequest, User } from '../api/types';
import { api, apiAll, ApiError, failure } from './api';

export function People({ meId }: { meId: string }) {
  const [users, setUsers] = useState<User[] | undefined>();
  const [schools, setSchools] = useState<School[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [q, setQ] = useState('');
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  const load = async () => {
    try {
      const [u, s] = await Promise.all([apiAll<User>('/users'), apiAll<School>('/schools')]);
      setUsers(u.sort((a, b) => a.name.localeCompare(b.name)));
      setSchools(s.sort((a, b) => a.name.localeCompare(b.name)));
      setError(null);
    } catch (e) {
      setError(failure(e));
    }
  };
  useEffect(() => {
    void load();
  }, []);

  if (error && users === undefined) return <p class="error" role="alert">{error}</p>;
  if (users === undefined) return <p aria-busy="true">Loading…</p>;
  const needle = q.trim().toLowerCase();
  const shown = users.filter((u) => `${u.name} ${u.email}`.toLowerCase().includes(needle));
  const sel = users.find((u) => u.id === selected);
  const replace = (u: User) => setUsers(users.map((x) => (x.id === u.id ? u : x)));

  return (
    <section aria-labelledby="pp-h" class="stack">
      <div class="title-row">
        <h2 id="pp-h">People and access</h2>
        <button type="button" onClick={() => setCreating(!creating)} aria-expanded={creating}>
          Add a person
        </button>
      </div>
      {creating && (
        <CreateUser
          schools={schools}
          onCreated={(u) => {
            setUsers([...users, u].sort((a, b) => a.name.localeCompare(b.name)));
            setCreating(false);
            setSelected(u.id);
          }}
        />
      )}
      <div class="field">
        <label for="pp-search">Search people</label>
        <input id="pp-search" type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} placeholder="Name or email" autoComplete="off" />
      </div>
      {shown.length === 0 ? (
        <p class="muted">No one matches “{q}”.</p>
      ) : (
        <table class="scores people">
          <caption class="visually-hidden">People</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Roles</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {shown.map((u) => (
              <tr key={u.id} aria-selected={u.id === selected}>
                <td>{u.name}</td>
                <td>{u.email}</td>
                <td>{grantSummary(u.grants, schools)}</td>
                <td>{u.active ? 'Active' : 'Deactivated'}</td>
                <td>
                  <button type="button" onClick={() => setSelected(u.id === selected ? null : u.id)} aria-expanded={u.id === selected} aria-label={`Manage ${u.name}`}>
                    Manage
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {sel && <UserDetail key={sel.id} user={sel} schools={schools} self={sel.id === meId} onChange={replace} />}
    </section>
  );
}

function schoolName(schools: School[], id: string | undefined): string {
  return schools.find((s) => s.id === id)?.name ?? 'an unknown school';
}

function grantSummary(grants: RoleGrant[], schools: School[]): string {
  if (grants.length === 0) return 'No role';
  const by = new Map<string, string[]>();
  for (const g of grants) by.set(g.role, [...(by.get(g.role) ?? []), ...(g.school_id ? [schoolName(schools, g.school_id)] : [])]);
  return [...by].map(([r, s]) => (s.length ? `${roleNames[r] ?? r} at ${s.join(', ')}` : (roleNames[r] ?? r))).join('; ');
}

function GrantPicker({ schools, role, setRole, picked, setPicked, idPrefix }: { schools: School[]; role: Role; setRole: (r: Role) => void; picked: string[]; setPicked: (p: string[]) => void; idPrefix: string }) {
  return (
    <>
      <div class="field">
        <label for={`${idPrefix}-role`}>Role</label>
        <select id={`${idPrefix}-role`} value={role} onChange={(e) => setRole(roleOf(e.currentTarget.value))}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {roleNames[r]}
            </option>
          ))}
        </select>
      </div>
      {role === 'district_admin' ? (
        <p class="muted">A district administrator covers the whole district.</p>
      ) : (
        <fieldset>
          <legend>Over these schools</legend>
          {schools.map((s) => (
            <label class="choice" key={s.id}>
              <input type="checkbox" checked={picked.includes(s.id)} onChange={(e) => setPicked(e.currentTarget.checked ? [...picked, s.id] : picked.filter((x) => x !== s.id))} />
              {s.name}
            </label>
          ))}
        </fieldset>
      )}
    </>
  );
}

function CreateUser({ schools, onCreated }: { schools: School[]; onCreated: (u: User) => void }) {
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('observer');
  const [picked, setPicked] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const grants = grantsFor(role, picked);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setProblems({});
    try {
      onCreated(await api<User>('POST', '/users', { email, name, password, grants } satisfies CreateUserRequest));
    } catch (err) {
      setError(failure(err));
      if (err instanceof ApiError) setProblems(err.problems);
    } finally {
      setBusy(false);
    }
  };
  const fe = (f: string) => problems[f] && <p class="field-error">{problems[f]}</p>;
  return (
    <form class="stack card" onSubmit={submit} aria-labelledby="cu-h" noValidate>
      <h3 id="cu-h">Add a person</h3>
      {error && <p class="error" role="alert">{error}</p>}
      <div class="grid-2">
        <div class="field">
          <label for="cu-name">Name</label>
          <input id="cu-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
          {fe('name')}
        </div>
        <div class="field">
          <label for="cu-email">Email</label>
          <input id="cu-email" type="email" value={email} onInput={(e) => setEmail(e.currentTarget.value)} required autoComplete="off" />
          {fe('email')}
        </div>
      </div>
      <div class="field">
        <label for="cu-password">First password (they can be given a new one later)</label>
        <input id="cu-password" type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} required autoComplete="new-password" />
        {fe('password')}
      </div>
      <GrantPicker schools={schools} role={role} setRole={setRole} picked={picked} setPicked={setPicked} idPrefix="cu" />
      <p class="effect" role="status">
        {name || 'This person'} {effectInWords(grants, schools)}.
      </p>
      <div class="actions">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add the person'}
        </button>
      </div>
    </form>
  );
}

function UserDetail({ user, schools, self, onChange }: { user: User; schools: School[]; self: boolean; onChange: (u: User) => void }) {
  const [grant, setGrant] = useState<RoleGrant[]>([]);
  const [revoke, setRevoke] = useState<RoleGrant[]>([]);
  const [role, setRole] = useState<Role>('coach');
  const [picked, setPicked] = useState<string[]>([]);
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [devices, setDevices] = useState<Device[] | undefined>();
  const [devError, setDevError] = useState<string | null>(null);
  const top = useRef<HTMLElement>(null);
  useEffect(() => top.current?.scrollIntoView({ block: 'start' }), []);

  const loadDevices = () =>
    apiAll<Device>(`/users/${user.id}/devices`).then(
      (l) => {
        setDevices(l);
        setDevError(null);
      },
      (e) => setDevError(failure(e)),
    );
  useEffect(() => {
    void loadDevices();
  }, [user.id]);

  const patch = async (body: UpdateUserRequest, done: string) => {
    setBusy(true);
    setError(null);
    setMessage(null);
    try {
      const u = await api<User>('PATCH', `/users/${user.id}`, { ...body, rev: user.rev });
      onChange(u);
      setMessage(done);
      return true;
    } catch (e) {
      setError(failure(e) + (e instanceof ApiError && Object.keys(e.problems).length ? ` (${Object.values(e.problems).join('; ')})` : ''));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const after = applyGrants(user.grants, grant, revoke);
  const pending = grant.length + revoke.length > 0;
  const isRevoked = (g: RoleGrant) => revoke.some((r) => r.role === g.role && (r.school_id ?? '') === (g.school_id ?? ''));

  return (
    <section class="stack card user-detail" aria-labelledby="ud-h" ref={top}>
      <h3 id="ud-h">
        {user.name} <span class="muted">{user.email}</span>
      </h3>
      {error && <p class="error" role="alert">{error}</p>}
      {message && (
        <p class="notice" role="status">
          {message}
        </p>
      )}

      <h4>Access</h4>
      <p>
        Now {user.name} {effectInWords(user.grants, schools)}.
      </p>
      {user.grants.length > 0 && (
        <ul class="grants">
          {user.grants.map((g) => (
            <li key={`${g.role}-${g.school_id ?? ''}`} class={isRevoked(g) ? 'revoked' : ''}>
              <span>
                {roleNames[g.role] ?? g.role}
                {g.school_id ? ` at ${schoolName(schools, g.school_id)}` : ' (whole district)'}
                {isRevoked(g) && ' (to be revoked)'}
              </span>
              {isRevoked(g) ? (
                <button type="button" onClick={() => setRevoke(revoke.filter((r) => !(r.role === g.role && (r.school_id ?? '') === (g.school_id ?? ''))))}>
                  Keep
                </button>
              ) : (
                <button type="button" aria-label={`Revoke ${roleNames[g.role] ?? g.role}${g.school_id ? ` at ${schoolName(schools, g.school_id)}` : ''}`} onClick={() => setRevoke([...revoke, g])}>
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <fieldset>
        <legend>Grant a role</legend>
        <GrantPicker schools={schools} role={role} setRole={setRole} picked={picked} setPicked={setPicked} idPrefix="ud" />
        <button
          type="button"
          disabled={role !== 'district_admin' && picked.length === 0}
          onClick={() => {
            setGrant([...grant, ...grantsFor(role, picked)]);
            setPicked([]);
          }}
        >
          Add to the changes
        </button>
      </fieldset>
      {pending && (
        <div class="effect-box" role="status" data-testid="access-effect">
          <p>
            After these changes {user.name} <strong>{effectInWords(after, schools)}</strong>.
          </p>
          <ul>
            {grant.map((g, i) => (
              <li key={`g${i}`}>
                Grant {roleNames[g.role]}
                {g.school_id ? ` at ${schoolName(schools, g.school_id)}` : ' over the whole district'}
              </li>
            ))}
            {revoke.map((g, i) => (
              <li key={`r${i}`}>
                Revoke {roleNames[g.role]}
                {g.school_id ? ` at ${schoolName(schools, g.school_id)}` : ''}
              </li>
            ))}
          </ul>
          <div class="actions">
            <button
              type="button"
              onClick={() => {
                setGrant([]);
                setRevoke([]);
              }}
            >
              Discard
            </button>
            <button
              type="button"
              class="primary"
              disabled={busy}
              onClick={() =>
                void patch({ grant, revoke }, 'Access saved. It applies on their next request.').then((ok) => {
                  if (ok) {
                    setGrant([]);
                    setRevoke([]);
                  }
                })
              }
            >
              Save access changes
            </button>
          </div>
        </div>
      )}

      <h4>Sign-in</h4>
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void patch({ password }, `${user.name} has a new password and is signed out on every device.`).then((ok) => {
            if (ok) {
              setPassword('');
              void loadDevices();
            }
          });
        }}
      >
        <div class="field">
          <label for="ud-password">New password</label>
          <input id="ud-password" type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autoComplete="new-password" required />
        </div>
        <button type="submit" disabled={busy || password === ''}>
          Reset the password
        </button>
      </form>
      {user.active ? (
        <button
          type="button"
          class="danger"
          disabled={busy || self}
          title={self ? 'Another administrator must do this' : undefined}
          onClick={() => {
            if (confirm(`Deactivate ${user.name}? They are signed out on every device and cannot sign in until reactivated. Their observations stay.`)) {
              void patch({ active: false }, `${user.name} is deactivated and signed out everywhere.`).then(() => void loadDevices());
            }
          }}
        >
          Deactivate
        </button>
      ) : (
        <button type="button" disabled={busy} onClick={() => void patch({ active: true }, `${user.name} may sign in again.`)}>
          Reactivate
        </button>
      )}

      <h4>Devices</h4>
      {devError ? (
        <p class="error">{devError}</p>
      ) : devices === undefined ? (
        <p aria-busy="true">Loading devices…</p>
      ) : devices.length === 0 ? (
        <p class="muted">{user.name} has not signed in on any device.</p>
      ) : (
        <ul class="cards devices">
          {devices.map((d) => (
            <li key={d.id} class="card row">
              <span>
                <strong>{d.name || describeAgent(d.user_agent)}</strong>
                <span class="muted">
                  Last sign-in {new Date(d.last_seen_at).toLocaleString()} · {d.signed_in ? 'signed in' : 'signed out'}
                </span>
              </span>
              <button
                type="button"
                disabled={!d.signed_in}
                onClick={async () => {
                  try {
                    await api('POST', `/users/${user.id}/devices/${d.id}/sign-out`);
                    setMessage(`Signed out on ${d.name || describeAgent(d.user_agent)}. Anything waiting in its outbox stays there until ${user.name} signs in again.`);
                    void loadDevices();
                  } catch (e) {
                    setDevError(failure(e));
                  }
                }}
              >
                Sign out
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function describeAgent(ua: string): string {
  const browser = /Edg\//.test(ua) ? 'Edge' : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Firefox\//.test(ua) ? 'Firefox' : /Safari\//.test(ua) ? 'Safari' : 'A browser';
  const os = /iPad|iPhone/.test(ua) ? 'iPadOS' : /Android/.test(ua) ? 'Android' : /Windows/.test(ua) ? 'Windows' : /Mac OS X/.test(ua) ? 'macOS' : /CrOS/.test(ua) ? 'ChromeOS' : /Linux/.test(ua) ? 'Linux' : '';
  return os ? `${browser} on ${os}` : browser;
}
