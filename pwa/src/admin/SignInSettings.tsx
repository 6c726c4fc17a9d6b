// Sign-in settings: the district's identity provider (single sign-on) and
// whether its users may still sign in with a password. The client secret
// is write-only: the server only says whether one is kept.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { IdentityProvider, IdentityProviderChange } from '../api/types';
import { api, ApiError, failure } from './api';

type Label = IdentityProviderChange['label'];
const labels: [Label, string][] = [
  ['google', 'Google'],
  ['microsoft', 'Microsoft'],
  ['clever', 'Clever'],
  ['other', 'Another provider'],
];

interface Form {
  issuer: string;
  client_id: string;
  client_secret: string;
  domains: string;
  label: Label;
  label_text: string;
  passwords_off: boolean;
}

function formOf(ip: IdentityProvider): Form {
  return {
    issuer: ip.issuer,
    client_id: ip.client_id,
    client_secret: '',
    domains: ip.domains.join(', '),
    label: (ip.label || 'google') as Label,
    label_text: ip.label_text,
    passwords_off: ip.passwords_off,
  };
}

/** What the button says for a form's label. */
function buttonName(f: Form): string {
  return f.label === 'other' ? f.label_text.trim() || 'your provider' : labels.find(([l]) => l === f.label)![1];
}

type Confirm = 'none' | 'save' | 'remove';

export function SignInSettings() {
  const [ip, setIp] = useState<IdentityProvider | undefined>();
  const [form, setForm] = useState<Form | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [done, setDone] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirm, setConfirm] = useState<Confirm>('none');
  const confirmRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (confirm !== 'none') confirmRef.current?.focus();
  }, [confirm]);
  useEffect(() => {
    api<IdentityProvider>('GET', '/district/identity-provider').then(
      (x) => {
        setIp(x);
        setForm(formOf(x));
      },
      (e) => setError(failure(e)),
    );
  }, []);
  if (error && form === undefined) return <p class="error" role="alert">{error}</p>;
  if (form === undefined || ip === undefined) return <p aria-busy="true">Loading…</p>;

  const set = (ch: Partial<Form>) => {
    setDone(null);
    setForm({ ...form, ...ch });
  };
  const name = buttonName(form);
  // Turning passwords off, or connecting a first provider, is confirmed first.
  const needsConfirm = !ip.connected || (form.passwords_off && !ip.passwords_off);

  const save = async () => {
    setConfirm('none');
    setBusy(true);
    setError(null);
    setProblems({});
    try {
      const body: IdentityProviderChange = {
        issuer: form.issuer.trim(),
        client_id: form.client_id.trim(),
        domains: form.domains.split(/[\s,;]+/).filter((d) => d !== ''),
        label: form.label,
        passwords_off: form.passwords_off,
        rev: ip.rev,
      };
      if (form.client_secret !== '') body.client_secret = form.client_secret;
      if (form.label === 'other') body.label_text = form.label_text.trim();
      const x = await api<IdentityProvider>('PUT', '/district/identity-provider', body);
      setIp(x);
      setForm(formOf(x));
      setDone(
        `Saved. The sign-in screen now offers “Sign in with ${buttonName(formOf(x))}” to addresses at ${x.domains.join(', ')}.` +
          (x.passwords_off ? ' Passwords are off for everyone but district administrators.' : ' Passwords still work too.'),
      );
    } catch (err) {
      setError(failure(err));
      if (err instanceof ApiError) setProblems(err.problems);
    } finally {
      setBusy(false);
    }
  };
  const remove = async () => {
    setConfirm('none');
    setBusy(true);
    setError(null);
    try {
      await api<void>('DELETE', '/district/identity-provider');
      const none: IdentityProvider = { connected: false, issuer: '', client_id: '', client_secret_set: false, domains: [], label: '', label_text: '', passwords_off: false, rev: 0 };
      setIp(none);
      setForm(formOf(none));
      setDone('Single sign-on is off. Everyone in the district signs in with a password again.');
    } catch (err) {
      setError(failure(err));
    } finally {
      setBusy(false);
    }
  };
  const submit = (e: Event) => {
    e.preventDefault();
    if (needsConfirm) setConfirm('save');
    else void save();
  };
  const err = (f: string) =>
    problems[f] ? (
      <p class="field-error" id={`err-${f}`}>
        {problems[f]}
      </p>
    ) : null;
  const described = (f: string, hint?: string) => {
    const ids = [hint, problems[f] ? `err-${f}` : undefined].filter(Boolean).join(' ');
    return { ...(problems[f] ? { 'aria-invalid': true } : {}), ...(ids ? { 'aria-describedby': ids } : {}) };
  };

  return (
    <form class="stack settings" onSubmit={submit} noValidate>
      <h2>Sign-in</h2>
      <p class="muted">
        {ip.connected
          ? `People with an address at ${ip.domains.join(', ')} can sign in with ${buttonName(formOf(ip))}. ${ip.passwords_off ? 'Passwords are off for everyone but district administrators.' : 'Passwords work too.'}`
          : 'Single sign-on is not set up: everyone signs in with a password. Connect your district’s identity provider so people sign in with the account they already use. Walkthrough never creates accounts: a person is matched to their Walkthrough account by a verified e-mail address.'}
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {done && (
        <p class="notice" role="status">
          {done}
        </p>
      )}
      <div class="field">
        <label for="sso-label">Provider</label>
        <select id="sso-label" value={form.label} onChange={(e) => set({ label: e.currentTarget.value as Label })} {...described('label')}>
          {labels.map(([l, text]) => (
            <option key={l} value={l}>
              {text}
            </option>
          ))}
        </select>
        {err('label')}
      </div>
      {form.label === 'other' && (
        <div class="field">
          <label for="sso-label-text">Name on the button</label>
          <input id="sso-label-text" value={form.label_text} maxLength={60} onInput={(e) => set({ label_text: e.currentTarget.value })} {...described('label_text', 'sso-label-text-hint')} />
          <p class="muted" id="sso-label-text-hint">
            The button reads “Sign in with” and these words.
          </p>
          {err('label_text')}
        </div>
      )}
      <div class="field">
        <label for="sso-issuer">Issuer URL</label>
        <input id="sso-issuer" type="url" autoCapitalize="none" spellcheck={false} value={form.issuer} onInput={(e) => set({ issuer: e.currentTarget.value })} {...described('issuer', 'sso-issuer-hint')} />
        <p class="muted" id="sso-issuer-hint">
          Such as https://accounts.google.com or https://login.microsoftonline.com/your-tenant-id/v2.0. Saving checks that it answers.
        </p>
        {err('issuer')}
      </div>
      <div class="field">
        <label for="sso-client-id">Client ID</label>
        <input id="sso-client-id" autoCapitalize="none" spellcheck={false} value={form.client_id} onInput={(e) => set({ client_id: e.currentTarget.value })} {...described('client_id')} />
        {err('client_id')}
      </div>
      <div class="field">
        <label for="sso-client-secret">Client secret</label>
        <input
          id="sso-client-secret"
          type="password"
          autoComplete="off"
          value={form.client_secret}
          onInput={(e) => set({ client_secret: e.currentTarget.value })}
          {...described('client_secret', 'sso-secret-hint')}
        />
        <p class="muted" id="sso-secret-hint">
          {ip.client_secret_set ? 'A secret is saved and never shown. Leave this empty to keep it, or type a new one to replace it.' : 'The secret your provider gave for this client. It is never shown again.'}
        </p>
        {err('client_secret')}
      </div>
      <div class="field">
        <label for="sso-domains">Allowed e-mail domains</label>
        <input id="sso-domains" autoCapitalize="none" spellcheck={false} value={form.domains} onInput={(e) => set({ domains: e.currentTarget.value })} {...described('domains', 'sso-domains-hint')} />
        <p class="muted" id="sso-domains-hint">
          Separated by commas, such as district.org, staff.district.org. The button shows for these addresses, and only these sign in with it.
        </p>
        {err('domains')}
      </div>
      <div>
        <label class="choice">
          <input type="checkbox" checked={form.passwords_off} onChange={(e) => set({ passwords_off: e.currentTarget.checked })} aria-describedby="sso-passwords-hint" />
          Turn passwords off
        </label>
        <p class="muted" id="sso-passwords-hint">
          Coaches, principals, supervisors and teachers then sign in only with {name}. District administrators keep their password, so the district can always get back in.
        </p>
      </div>
      {confirm === 'save' && (
        <div class="confirm" role="alertdialog" aria-labelledby="sso-confirm-h">
          <h3 id="sso-confirm-h" tabIndex={-1} ref={confirmRef}>
            {ip.connected ? 'Turn passwords off?' : `Connect ${name}?`}
          </h3>
          <ul>
            <li>The sign-in screen offers “Sign in with {name}” to everyone with an address at the allowed domains.</li>
            <li>Only people who already have a Walkthrough account with that verified address get in; nobody is added.</li>
            {form.passwords_off ? (
              <li>Coaches, principals, supervisors and teachers can no longer sign in with a password. District administrators still can.</li>
            ) : (
              <li>Passwords keep working for everyone.</li>
            )}
          </ul>
          <div class="actions">
            <button type="button" onClick={() => setConfirm('none')}>
              Not now
            </button>
            <button type="button" class="primary" onClick={() => void save()} disabled={busy}>
              {ip.connected ? 'Turn passwords off' : 'Connect'}
            </button>
          </div>
        </div>
      )}
      {confirm === 'remove' && (
        <div class="confirm" role="alertdialog" aria-labelledby="sso-remove-h">
          <h3 id="sso-remove-h" tabIndex={-1} ref={confirmRef}>
            Turn single sign-on off?
          </h3>
          <ul>
            <li>The “Sign in with {buttonName(formOf(ip))}” button goes away; everyone signs in with a password again.</li>
            <li>People who do not know their password need a new one set in People and access.</li>
            <li>Nobody is signed out: sessions already open keep working.</li>
          </ul>
          <div class="actions">
            <button type="button" onClick={() => setConfirm('none')}>
              Keep it
            </button>
            <button type="button" class="primary danger" onClick={() => void remove()} disabled={busy}>
              Turn it off
            </button>
          </div>
        </div>
      )}
      <div class="actions">
        <button type="submit" class="primary" disabled={busy || confirm !== 'none'} aria-busy={busy}>
          {busy ? 'Checking and saving…' : ip.connected ? 'Save' : 'Check and connect'}
        </button>
        {ip.connected && (
          <button type="button" class="danger" onClick={() => setConfirm('remove')} disabled={busy || confirm !== 'none'}>
            Turn single sign-on off
          </button>
        )}
      </div>
    </form>
  );
}
