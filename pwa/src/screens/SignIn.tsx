import { useState } from 'preact/hooks';
import { login, type Session } from '../api/auth';
import { type ApiClient, NetworkError, ProblemError } from '../api/client';
import { useOnline } from '../components/useOnline';

interface Props {
  client: ApiClient;
  onSignedIn: (session: Session) => void;
}

interface Failure {
  message: string;
  fields: { email?: string; password?: string };
}

// What to tell the user when sign-in fails, in their words.
function describe(err: unknown): Failure {
  if (err instanceof NetworkError) {
    return { message: 'Could not reach the server. Check the connection and try again.', fields: {} };
  }
  if (err instanceof ProblemError) {
    if (err.status === 404) {
      return { message: 'Sign-in is not available on this server yet.', fields: {} };
    }
    const fields: Failure['fields'] = {};
    const email = err.fieldError('email');
    const password = err.fieldError('password');
    if (email !== undefined) fields.email = email;
    if (password !== undefined) fields.password = password;
    const p = err.problem;
    return { message: p.detail || p.title || `Sign-in failed (HTTP ${p.status}).`, fields };
  }
  return { message: 'Sign-in failed because of an error in the app. Reload the page and try again.', fields: {} };
}

export function SignIn({ client, onSignedIn }: Props) {
  const online = useOnline();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<Failure | null>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setFailure(null);
    try {
      const session = await login(client, { email: email.trim(), password });
      setPassword('');
      onSignedIn(session);
    } catch (err) {
      setFailure(describe(err));
    } finally {
      setBusy(false);
    }
  };

  const emailError = failure?.fields.email;
  const passwordError = failure?.fields.password;

  return (
    <main class="screen">
      <h1>Sign in</h1>
      <form class="stack" onSubmit={submit} aria-describedby={failure ? 'signin-error' : undefined}>
        {!online && (
          <p class="notice">
            This device is offline. Signing in needs a connection to the server.
          </p>
        )}
        {failure && (
          <p id="signin-error" class="error" role="alert">
            {failure.message}
          </p>
        )}
        <div class="field">
          <label for="signin-email">Email</label>
          <input
            id="signin-email"
            name="email"
            type="email"
            inputMode="email"
            autoComplete="username"
            autoCapitalize="none"
            spellcheck={false}
            required
            value={email}
            onInput={(e) => setEmail(e.currentTarget.value)}
            aria-invalid={emailError !== undefined}
            aria-describedby={emailError !== undefined ? 'signin-email-error' : undefined}
          />
          {emailError !== undefined && (
            <p id="signin-email-error" class="field-error">
              {emailError}
            </p>
          )}
        </div>
        <div class="field">
          <label for="signin-password">Password</label>
          <input
            id="signin-password"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            aria-invalid={passwordError !== undefined}
            aria-describedby={passwordError !== undefined ? 'signin-password-error' : undefined}
          />
          {passwordError !== undefined && (
            <p id="signin-password-error" class="field-error">
              {passwordError}
            </p>
          )}
        </div>
        <button type="submit" class="primary" disabled={busy} aria-busy={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
