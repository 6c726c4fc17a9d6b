import { useEffect, useState } from 'preact/hooks';
import { useOnline } from '../components/useOnline';
import type { SignedInUser } from '../db/types';
import { HttpError, RetryLater, type SSOButtonAnswer } from '../sync/engine';
import { engine, useOutboxSummary } from '../state';

// What to tell the user when sign-in fails, in their words.
function describe(err: unknown): string {
  if (err instanceof RetryLater) {
    return err.network ? 'Could not reach the server. Check the connection and try again.' : 'The server had a problem. Try again in a moment.';
  }
  if (err instanceof HttpError) {
    if (err.status === 404) return 'Sign-in is not available on this server yet.';
    return err.message || `Sign-in failed (HTTP ${err.status}).`;
  }
  return 'Sign-in failed because of an error in the app. Reload the page and try again.';
}

/** The single sign-on button of the district that the typed address's domain belongs to, once it is known. */
function useSSOButton(email: string): SSOButtonAnswer | undefined {
  const [button, setButton] = useState<SSOButtonAnswer | undefined>(undefined);
  const domain = /^[^@\s]+@([^@\s]+\.[^@\s]+)$/.exec(email.trim())?.[1]?.toLowerCase();
  useEffect(() => {
    if (domain === undefined) {
      setButton(undefined);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      engine.ssoButton(domain).then(
        (b) => live && setButton(b),
        () => live && setButton(undefined), // offline or refused: the password form stays
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [domain]);
  return button;
}

/** Sign in with the district's identity provider: the browser goes there and comes back to /sso. */
function SSOSignIn({ button }: { button: SSOButtonAnswer }) {
  return (
    <section class="stack sso" aria-label="Sign in with your district account">
      {/* A full navigation, not a client route: the server sends the browser on to the provider. */}
      <button type="button" class="primary" onClick={() => location.assign(engine.ssoStartURL(button.district_id))}>
        Sign in with {button.name}
      </button>
      <p class="muted">
        {button.passwords_off
          ? `Your district signs in with ${button.name}. Only district administrators use a password.`
          : `Your district also lets you sign in with your ${button.name} account.`}
      </p>
    </section>
  );
}

interface Props {
  lastUser: SignedInUser | undefined;
  /** The session ended (refresh refused): the outbox is waiting. */
  again: boolean;
}

export function SignIn({ lastUser, again }: Props) {
  const online = useOnline();
  const sum = useOutboxSummary();
  const [email, setEmail] = useState(lastUser?.email ?? '');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const sso = useSSOButton(email);
  const waiting = (sum?.pending ?? 0) + (sum?.rejected ?? 0) + (sum?.conflicts ?? 0);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setFailure(null);
    try {
      await engine.signIn(email.trim(), password);
      setPassword('');
    } catch (err) {
      setFailure(describe(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="screen narrow">
      <h1>{again ? 'Sign in again' : 'Sign in'}</h1>
      <form class="stack" onSubmit={submit} aria-describedby={failure ? 'signin-error' : undefined}>
        {again && (
          <p class="notice" data-testid="sign-in-again">
            Your session ended. Sign in again to sync; everything on this device is kept.
          </p>
        )}
        {waiting > 0 && (
          <p class="notice" data-testid="outbox-kept">
            {waiting} {waiting === 1 ? 'change is' : 'changes are'} waiting on this device and will sync after you sign in.
          </p>
        )}
        {!online && <p class="notice">This device is offline. Signing in needs a connection to the server.</p>}
        {failure && (
          <p id="signin-error" class="error" role="alert">
            {failure}
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
          />
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
          />
        </div>
        <button type="submit" class={sso ? undefined : 'primary'} disabled={busy} aria-busy={busy}>
          {busy ? 'Signing in…' : sso ? 'Sign in with a password' : 'Sign in'}
        </button>
      </form>
      {sso && <SSOSignIn button={sso} />}
      <p class="muted" data-testid="forgot-password">
        Forgot your password? <a href="/forgot-password">Get a link to choose a new one</a>. Anything saved on this device stays here meanwhile.
      </p>
    </main>
  );
}
