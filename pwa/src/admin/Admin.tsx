// The administration area: loaded on demand (a lazy route in app.tsx),
// so the scoring screens never carry it. Online-only; the server refuses
// everyone but district administrators, and so does this screen.
import { useEffect, useState } from 'preact/hooks';
import type { Me } from '../api/types';
import { useOnline } from '../components/useOnline';
import { api, failure } from './api';
import { Audit } from './Audit';
import { Builder } from './Builder';
import { Jobs } from './Jobs';
import { Mailbox } from './Mailbox';
import { People } from './People';
import { Records } from './Records';
import { RosterImport } from './RosterImport';
import { Settings } from './Settings';
import { SignInSettings } from './SignInSettings';

const sections = [
  { path: 'frameworks', label: 'Frameworks' },
  { path: 'records', label: 'Schools and teachers' },
  { path: 'roster', label: 'Roster import' },
  { path: 'people', label: 'People and access' },
  { path: 'settings', label: 'District settings' },
  { path: 'sign-in', label: 'Sign-in' },
  { path: 'audit', label: 'Audit log' },
  { path: 'mailbox', label: 'Mailbox' },
  { path: 'jobs', label: 'Jobs' },
] as const;

/** /admin and /admin/{section}. */
export default function Admin({ section = 'frameworks' }: { section?: string }) {
  const online = useOnline();
  const [me, setMe] = useState<Me | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!online) return;
    api<Me>('GET', '/me').then(
      (m) => {
        setMe(m);
        setError(null);
      },
      (e) => setError(failure(e)),
    );
  }, [online]);

  let body;
  if (!online) body = <p class="notice" role="status">You are offline. Administration needs a connection; scoring and the outbox keep working.</p>;
  else if (error) body = <p class="error" role="alert">{error}</p>;
  else if (me === undefined) body = <p aria-busy="true">Loading…</p>;
  else if (!me.user.grants.some((g) => g.role === 'district_admin')) body = <p class="notice">Only district administrators may use these screens.</p>;
  else {
    switch (section) {
      case 'records':
        body = <Records />;
        break;
      case 'roster':
        body = <RosterImport />;
        break;
      case 'people':
        body = <People meId={me.user.id} />;
        break;
      case 'settings':
        body = <Settings />;
        break;
      case 'sign-in':
        body = <SignInSettings />;
        break;
      case 'audit':
        body = <Audit />;
        break;
      case 'mailbox':
        body = <Mailbox />;
        break;
      case 'jobs':
        body = <Jobs />;
        break;
      default:
        body = <Builder />;
    }
  }
  return (
    <main class="screen wide admin">
      <h1>Administration</h1>
      <nav aria-label="Administration" class="admin-nav">
        {sections.map((s) => (
          <a key={s.path} href={`/admin/${s.path}`} aria-current={s.path === section ? 'page' : undefined}>
            {s.label}
          </a>
        ))}
      </nav>
      {body}
    </main>
  );
}
