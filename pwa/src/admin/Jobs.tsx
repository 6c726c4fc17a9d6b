// The district's jobs: the messages the server sends in the background.
// Those that failed come first, with the mail server's reason in plain
// words and a button to send them again; below them, the recent ones.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Job, JobList } from '../api/types';
import { api, failure } from './api';

const when = (at?: string) => (at ? new Date(at).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '');

const stateWords: Record<Job['state'], string> = {
  queued: 'Queued',
  retrying: 'Failed; tried again later',
  failed: 'Failed every attempt',
  sent: 'Sent',
};

const failed = (j: Job) => j.state === 'retrying' || j.state === 'failed';

export function Jobs() {
  const [jobs, setJobs] = useState<Job[] | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState<Job | undefined>();
  const [done, setDone] = useState<string | null>(null);
  // A retried job keeps its place among the failed until the list is read
  // again, so that the administrator sees it queued where it was.
  const [retried, setRetried] = useState<Set<string>>(new Set());
  const confirmRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);

  const load = async () => {
    setBusy(true);
    setError(null);
    try {
      setJobs((await api<JobList>('GET', '/jobs?limit=200')).items);
      setRetried(new Set());
    } catch (e) {
      setError(failure(e));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const retry = async (j: Job) => {
    setBusy(true);
    setError(null);
    try {
      const queued = await api<Job>('POST', `/jobs/${encodeURIComponent(j.id)}/retry`);
      setJobs((all) => all?.map((x) => (x.id === queued.id ? queued : x)));
      setRetried((ids) => new Set(ids).add(queued.id));
      setDone(`“${queued.subject}” to ${queued.to} is queued and will be sent in a moment.`);
      setAsking(undefined);
    } catch (e) {
      setError(failure(e));
    } finally {
      setBusy(false);
    }
  };

  const top = (jobs ?? []).filter((j) => failed(j) || retried.has(j.id));
  const rest = (jobs ?? []).filter((j) => !top.includes(j));

  return (
    <section aria-labelledby="jobs-h" class="stack">
      <h2 id="jobs-h">Jobs</h2>
      <p class="muted">
        The server sends its e-mail (password resets, reminders, the Monday digest) in the background. A message the mail server refused is tried
        again later, up to a dozen times; here you see why it failed and can send it again once the mail server works.
      </p>
      <div class="actions">
        <button type="button" onClick={() => void load()} disabled={busy}>
          Check again
        </button>
      </div>
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
      {jobs === undefined ? (
        !error && <p aria-busy="true">Loading…</p>
      ) : (
        <>
          <h3>Failed messages</h3>
          {top.length === 0 ? (
            <p class="muted">No messages have failed.</p>
          ) : (
            <table class="scores jobs">
              <caption class="visually-hidden">Messages that failed, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Message</th>
                  <th scope="col">State</th>
                  <th scope="col">Why</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {top.map((j) => (
                  <tr key={j.id}>
                    <td>
                      “{j.subject}” to {j.to}
                      <br />
                      <span class="muted">recorded {when(j.created_at)}</span>
                    </td>
                    <td>
                      {stateWords[j.state]}
                      {failed(j) && (
                        <>
                          <br />
                          <span class="muted">
                            {j.attempts} of {j.max_attempts} attempts, last {when(j.failed_at)}
                          </span>
                        </>
                      )}
                    </td>
                    <td>{j.last_error ?? ''}</td>
                    <td>
                      {failed(j) && (
                        <button type="button" onClick={() => setAsking(j)} disabled={busy} aria-label={`Retry “${j.subject}” to ${j.to}`}>
                          Retry
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {asking && (
            <div class="confirm" role="alertdialog" aria-labelledby="retry-h" aria-describedby="retry-what">
              <h4 id="retry-h" tabIndex={-1} ref={confirmRef}>
                Send this message again?
              </h4>
              <p id="retry-what">
                “{asking.subject}” goes to {asking.to} once, now, through the mail server this server is set up with. If it is refused again, it is
                tried again later, up to {asking.max_attempts} times.
              </p>
              <div class="actions">
                <button type="button" onClick={() => setAsking(undefined)}>
                  Not now
                </button>
                <button type="button" class="primary" onClick={() => void retry(asking)} disabled={busy}>
                  Send again
                </button>
              </div>
            </div>
          )}
          <h3>Recent messages</h3>
          {rest.length === 0 ? (
            <p class="muted">No other messages yet.</p>
          ) : (
            <table class="scores jobs">
              <caption class="visually-hidden">Other recent messages, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Message</th>
                  <th scope="col">State</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {rest.map((j) => (
                  <tr key={j.id}>
                    <td>
                      “{j.subject}” to {j.to}
                    </td>
                    <td>{stateWords[j.state]}</td>
                    <td>{when(j.sent_at ?? j.created_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
    </section>
  );
}
