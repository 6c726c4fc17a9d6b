// /sso: where the server sends the browser back from the district's
// identity provider. With a one-time code in the fragment it exchanges it
// for the app's own session (then the app works offline exactly as after a
// password sign-in); with ?error= it says, in plain words, why nobody was
// signed in.
import { useEffect, useState } from 'preact/hooks';
import { useLocation } from 'preact-iso';
import { HttpError, RetryLater } from '../sync/engine';
import { engine } from '../state';

const refusals: Record<string, string> = {
  expired: 'This sign-in took too long, was already used, or was started in another browser. Go back and sign in again.',
  denied: 'The sign-in was cancelled at your district’s sign-in page, so nobody was signed in.',
  invalid: 'Your district’s sign-in page answered in a way Walkthrough could not check, so nobody was signed in. Try again; if it keeps happening, tell your district’s Walkthrough administrator.',
  unverified: 'Your district’s sign-in page does not confirm that this e-mail address is yours. Ask your district’s IT team to verify it, then try again.',
  domain: 'That account’s e-mail address is not one of your district’s. Sign in with your district account.',
  unknown: 'There is no Walkthrough account for that e-mail address. Accounts are not created on sign-in: ask your district’s Walkthrough administrator to add you.',
  inactive: 'Your Walkthrough account is turned off. Ask your district’s Walkthrough administrator to turn it back on.',
  unavailable: 'Signing in with your district account is not available right now. Try again in a moment.',
};

function describe(err: unknown): string {
  if (err instanceof RetryLater) return 'Could not reach the server to finish signing in. Check the connection and sign in again.';
  if (err instanceof HttpError && (err.status === 400 || err.status === 401 || err.status === 404)) return refusals.expired!;
  return 'Signing in failed because of an error in the app. Go back and sign in again.';
}

export function SSOReturn() {
  const { route, query } = useLocation();
  const [problem, setProblem] = useState<string | null>(() => {
    const e = query.error;
    return e === undefined ? null : (refusals[e] ?? refusals.unavailable!);
  });
  useEffect(() => {
    if (problem !== null) return;
    const code = new URLSearchParams(location.hash.slice(1)).get('code');
    // The code is spent once: it leaves the address bar and history now.
    history.replaceState(null, '', '/sso');
    if (!code) {
      setProblem(refusals.expired!);
      return;
    }
    engine.signInWithCode(code).then(
      () => route('/', true),
      (err) => setProblem(describe(err)),
    );
  }, []);

  if (problem === null) {
    return (
      <main class="screen narrow" aria-busy="true">
        <h1>Signing in…</h1>
        <p>Finishing the sign-in with your district account.</p>
      </main>
    );
  }
  return (
    <main class="screen narrow">
      <h1>You are not signed in</h1>
      <p class="error" role="alert" data-testid="sso-refused">
        {problem}
      </p>
      <p>
        <a class="button" href="/">
          Back to sign in
        </a>
      </p>
    </main>
  );
}
