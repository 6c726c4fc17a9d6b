// The development mailbox: the e-mail the server delivered to itself
// because no mail server is set, so that an administrator can pass on a
// password-reset link or check a reminder.
import { useEffect, useState } from 'preact/hooks';
import type { MailboxMessage, MailboxMessageList } from '../api/types';
import { api, failure } from './api';

const when = (at?: string) => (at ? new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '');

/** A message's text with its web addresses as links. */
function Text({ body }: { body: string }) {
  const parts = body.split(/(https?:\/\/\S+)/);
  return (
    <p class="mail-body">
      {parts.map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part}>
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </p>
  );
}

export function Mailbox() {
  const [messages, setMessages] = useState<MailboxMessage[] | undefined>();
  const [open, setOpen] = useState<MailboxMessage | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = async () => {
    setBusy(true);
    setError(null);
    try {
      setMessages((await api<MailboxMessageList>('GET', '/mailbox?limit=100')).items);
    } catch (e) {
      setError(failure(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const read = async (id: string) => {
    setError(null);
    try {
      setOpen(await api<MailboxMessage>('GET', `/mailbox/${encodeURIComponent(id)}`));
    } catch (e) {
      setError(failure(e));
    }
  };

  return (
    <section aria-labelledby="mb-h" class="stack">
      <h2 id="mb-h">Mailbox</h2>
      <p class="muted">
        No mail server is set for this server, so the e-mail it sends (password resets, reminders) is kept here instead of leaving it. Pass a
        message on to the person it is for.
      </p>
      <div class="actions">
        <button type="button" onClick={() => void load()} disabled={busy}>
          Check for new messages
        </button>
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {messages === undefined ? (
        !error && <p aria-busy="true">Loading…</p>
      ) : messages.length === 0 ? (
        <p class="muted">No messages yet.</p>
      ) : (
        <table class="scores mailbox">
          <caption class="visually-hidden">Messages, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Sent</th>
              <th scope="col">To</th>
              <th scope="col">Subject</th>
            </tr>
          </thead>
          <tbody>
            {messages.map((m) => (
              <tr key={m.id} aria-current={open?.id === m.id ? 'true' : undefined}>
                <td>{when(m.sent_at)}</td>
                <td>{m.to}</td>
                <td>
                  <button type="button" class="link" onClick={() => void read(m.id)}>
                    {m.subject}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {open && (
        <article aria-labelledby="mb-open" class="card stack">
          <h3 id="mb-open">{open.subject}</h3>
          <p class="muted">
            To {open.to}
            {open.sent_at ? `, ${when(open.sent_at)}` : ''}
          </p>
          <Text body={open.body ?? ''} />
        </article>
      )}
    </section>
  );
}
