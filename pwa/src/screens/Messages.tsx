// The e-mail a person gets: /messages chooses which reminders come, and
// /unsubscribe (the link at the end of each reminder) stops one kind
// without signing in, after asking.
import { useEffect, useState } from 'preact/hooks';
import type { MessagePreferences as Preferences, Unsubscribed } from '../api/types';
import { useOnline } from '../components/useOnline';
import { engine } from '../state';


async function detailOf(res: Response): Promise<string> {
  try {
    const p = (await res.json()) as { detail?: string };
    if (p.detail) return p.detail.charAt(0).toUpperCase() + p.detail.slice(1) + '.';
  } catch {
    // not a problem document
  }
  return `The server answered ${res.status}. Try again in a moment.`;
}

/** /messages: which reminders the signed-in person gets by e-mail. */
export function Messages() {
  const online = useOnline();
  const [prefs, setPrefs] = useState<Preferences | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = async () => {
    setError(null);
    try {
      const res = await engine.request('GET', '/api/v1/me/message-preferences');
      if (!res.ok) throw new Error(await detailOf(res));
      setPrefs((await res.json()) as Preferences);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };
  useEffect(() => {
    if (online) void load();
  }, [online]);

  const toggle = async (kind: string, on: boolean) => {
    if (!prefs || busy) return;
    setBusy(true);
    setSaved(false);
    setError(null);
    // The box shows the choice at once; a refusal puts it back.
    setPrefs({ ...prefs, messages: prefs.messages.map((m) => (m.kind === kind ? { ...m, on } : m)) });
    try {
      const res = await engine.request('PUT', '/api/v1/me/message-preferences', { rev: prefs.rev, messages: { [kind]: on } });
      if (res.status === 409) {
        setError('Your choices were changed elsewhere meanwhile, so nothing was saved. They are shown as they are now; choose again.');
        await load();
        return;
      }
      if (!res.ok) throw new Error(await detailOf(res));
      setPrefs((await res.json()) as Preferences);
      setSaved(true);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setPrefs(prefs);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="screen narrow">
      <h1>Messages</h1>
      <p>Choose which reminders we send you by e-mail. A password reset you ask for always comes.</p>
      {!online && <p class="notice">You are offline. Choosing your messages needs a connection.</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {saved && (
        <p class="notice" role="status">
          Saved.
        </p>
      )}
      {prefs === undefined ? (
        !error && online && <p aria-busy="true">Loading…</p>
      ) : (
        <fieldset class="stack" disabled={busy}>
          <legend>Send me an e-mail when</legend>
          {prefs.messages.map((m) => (
            <label class="choice" key={m.kind}>
              <input type="checkbox" checked={m.on} onChange={(e) => void toggle(m.kind, e.currentTarget.checked)} />
              <span>
                {m.label} <span class="muted">(for {m.who})</span>
              </span>
            </label>
          ))}
        </fieldset>
      )}
    </main>
  );
}

/** /unsubscribe?token=…: stops one kind of message, after asking. */
export function Unsubscribe() {
  const [token] = useState(() => (typeof location === 'undefined' ? '' : (new URLSearchParams(location.search).get('token') ?? '')));
  const [done, setDone] = useState<Unsubscribed | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const stop = async () => {
    setBusy(true);
    setError(null);
    try {
      const res = await fetch(`/api/v1/unsubscribe?token=${encodeURIComponent(token)}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      if (!res.ok) throw new Error(res.status === 404 ? 'This link is not valid. Choose your messages in the app, under Messages.' : await detailOf(res));
      setDone((await res.json()) as Unsubscribed);
    } catch (e) {
      setError(e instanceof TypeError ? 'Could not reach the server. Check the connection and try again.' : e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main class="screen narrow">
      <h1>Stop these messages</h1>
      {done ? (
        <div class="stack">
          <p role="status" data-testid="unsubscribed">
            Done: {done.email} no longer gets an e-mail when “{done.label.charAt(0).toLowerCase() + done.label.slice(1)}”.
          </p>
          <p class="muted">To get them again, sign in and turn them back on under Messages.</p>
          <p>
            <a href="/messages">Choose your messages</a>
          </p>
        </div>
      ) : !token ? (
        <p class="error" role="alert">
          This link is not complete. Open the link in the message again.
        </p>
      ) : (
        <div class="stack">
          <p>Stop the e-mail this link came with? Other messages keep coming.</p>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <button type="button" class="primary" onClick={() => void stop()} disabled={busy} aria-busy={busy}>
            {busy ? 'Stopping…' : 'Stop these messages'}
          </button>
        </div>
      )}
    </main>
  );
}
