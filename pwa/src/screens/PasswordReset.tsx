// Forgotten passwords: ask for a reset link by e-mail, then choose a new
// password with the link (/reset-password#token=…). Both talk to the
// server directly; neither needs a session.
import { useState } from 'preact/hooks';
import { useOnline } from '../components/useOnline';

const minPasswordLength = 10;

/** The server's refusal in a sentence, or a word about the connection. */
async function refusal(res: Response): Promise<string> {
  try {
    const p = (await res.json()) as { detail?: string; errors?: { field: string; message: string }[] };
    const field = p.errors?.find((e) => e.field === 'password');
    const text = field ? `The password ${field.message}` : p.detail;
    if (text) return text.charAt(0).toUpperCase() + text.slice(1) + '.';
  } catch {
    // not a problem document
  }
  return res.status === 429 ? 'Too many requests. Wait a few minutes and try again.' : 'The server had a problem. Try again in a moment.';
}

async function post(path: string, body: unknown): Promise<string | null> {
  try {
    const res = await fetch('/api/v1' + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    return res.ok ? null : await refusal(res);
  } catch {
    return 'Could not reach the server. Check the connection and try again.';
  }
}

/** /forgot-password: asks for a reset link. */
export function ForgotPassword() {
  const online = useOnline();
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    const err = await post('/auth/forgot-password', { email: email.trim() });
    setBusy(false);
    if (err) setError(err);
    else setSent(true);
  };

  return (
    <main class="screen narrow">
      <h1>Forgot password</h1>
      {sent ? (
        <div class="stack">
          <p role="status" data-testid="reset-sent">
            If {email.trim()} belongs to an account here, a message with a link to choose a new password is on its way. The link works once, for
            30 minutes.
          </p>
          <p class="muted">No message after a few minutes? Check the spam folder, or ask your district’s Walkthrough administrator.</p>
          <p>
            <a href="/">Back to sign in</a>
          </p>
        </div>
      ) : (
        <form class="stack" onSubmit={submit} aria-describedby={error ? 'forgot-error' : undefined}>
          <p>Enter the email you sign in with. We will send a link to choose a new password.</p>
          {!online && <p class="notice">This device is offline. Asking for a new password needs a connection to the server.</p>}
          {error && (
            <p id="forgot-error" class="error" role="alert">
              {error}
            </p>
          )}
          <div class="field">
            <label for="forgot-email">Email</label>
            <input
              id="forgot-email"
              type="email"
              inputMode="email"
              autoComplete="username"
              autoCapitalize="none"
              spellcheck={false}
              required
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
          </div>
          <button type="submit" class="primary" disabled={busy} aria-busy={busy}>
            {busy ? 'Sending…' : 'Send the link'}
          </button>
          <p>
            <a href="/">Back to sign in</a>
          </p>
        </form>
      )}
    </main>
  );
}

/** The token of a reset link: /reset-password#token=… */
function tokenOf(hash: string): string {
  return new URLSearchParams(hash.replace(/^#/, '')).get('token') ?? '';
}

/** /reset-password#token=…: chooses a new password, once. */
export function ResetPassword() {
  const [token] = useState(() => tokenOf(typeof location === 'undefined' ? '' : location.hash));
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    if (password !== again) {
      setError('The two passwords are not the same.');
      return;
    }
    setBusy(true);
    setError(null);
    const err = await post('/auth/reset-password', { token, password });
    setBusy(false);
    if (err) setError(err);
    else setDone(true);
  };

  if (!token) {
    return (
      <main class="screen narrow">
        <h1>Choose a new password</h1>
        <p class="error" role="alert">
          This link is not complete. Open the link in the message again, or <a href="/forgot-password">ask for a new one</a>.
        </p>
      </main>
    );
  }
  return (
    <main class="screen narrow">
      <h1>Choose a new password</h1>
      {done ? (
        <div class="stack">
          <p role="status" data-testid="reset-done">
            Your password is changed. Every device that was signed in must sign in again with the new password.
          </p>
          <p>
            <a href="/">Sign in</a>
          </p>
        </div>
      ) : (
        <form class="stack" onSubmit={submit} aria-describedby={error ? 'reset-error' : undefined}>
          {error && (
            <p id="reset-error" class="error" role="alert">
              {error} {error.includes('link') && <a href="/forgot-password">Ask for a new link</a>}
            </p>
          )}
          <div class="field">
            <label for="reset-password">New password</label>
            <input
              id="reset-password"
              type="password"
              autoComplete="new-password"
              minLength={minPasswordLength}
              required
              aria-describedby="reset-rule"
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
            <p id="reset-rule" class="muted">
              At least {minPasswordLength} characters.
            </p>
          </div>
          <div class="field">
            <label for="reset-again">New password again</label>
            <input id="reset-again" type="password" autoComplete="new-password" required value={again} onInput={(e) => setAgain(e.currentTarget.value)} />
          </div>
          <button type="submit" class="primary" disabled={busy} aria-busy={busy}>
            {busy ? 'Saving…' : 'Save the new password'}
          </button>
        </form>
      )}
    </main>
  );
}
