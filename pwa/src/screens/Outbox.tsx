import { useState } from 'preact/hooks';
import type { OutboxEntry } from '../db/schema';
import type { ObservationData } from '../db/types';
import { exportUnsynced, resolveConflict, retryEntry } from '../db/writes';
import { db, engine, teacherName, useLive, useSyncStatus } from '../state';

const stateText: Record<OutboxEntry['state'], string> = {
  pending: 'Waiting to sync',
  rejected: 'Rejected by the server',
  forbidden: 'Not allowed by the server',
  conflict: 'Conflict: changed on the server too',
  gone: 'Deleted on the server',
};

export function Outbox() {
  const status = useSyncStatus();
  const data = useLive(async () => {
    const entries = await db.outbox.orderBy('seq').toArray();
    const teachers = new Map((await db.teachers.toArray()).map((t) => [t.id, t]));
    const photos = await db.attachments.filter((a) => !a.uploaded).toArray();
    return { entries, teachers, photos };
  }, []);
  const [message, setMessage] = useState<string | null>(null);

  const exportAll = async () => {
    const json = await exportUnsynced(db);
    const url = URL.createObjectURL(new Blob([json], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `walkthrough-unsynced-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
    setMessage('Exported. Keep the file until everything has synced.');
  };

  const label = (e: OutboxEntry) => {
    if (e.entity === 'observation') {
      const d = e.data as ObservationData | undefined;
      return `Observation of ${teacherName(d ? data?.teachers.get(d.teacher_id) : undefined)}${d?.status === 'submitted' ? ' (submitted)' : ' (draft)'}`;
    }
    return e.entity.replace('_', ' ');
  };

  return (
    <main class="screen wide">
      <h1>Outbox</h1>
      <p class="muted" role="status">
        {status.phase === 'offline' ? 'Offline: changes wait on this device.' : status.message && status.phase !== 'idle' ? status.message : 'Changes leave this list once the server has them.'}
      </p>
      <div class="actions">
        <button type="button" onClick={() => void engine.syncNow()}>
          Sync now
        </button>
        <button type="button" onClick={() => void exportAll()}>
          Export unsynced changes
        </button>
      </div>
      {message && <p class="notice" role="status">{message}</p>}
      {data === undefined && <p aria-busy="true">Loading…</p>}
      {data !== undefined && data.entries.length === 0 && data.photos.length === 0 && <p data-testid="outbox-empty">Everything is synced.</p>}
      <ul class="cards" aria-label="Changes not yet on the server">
        {data?.entries.map((e) => (
          <li key={e.seq} class={`card outbox-entry ${e.state}`} data-testid="outbox-entry" data-state={e.state}>
            <strong>{label(e)}</strong>
            <span>{stateText[e.state]}</span>
            {e.error && (
              <span class="reason" data-testid="reason">
                Reason: {e.error.message}
                {e.error.field ? ` (${e.error.field})` : ''}
              </span>
            )}
            <span class="muted">
              Saved {new Date(e.updated_at).toLocaleString()}
              {e.attempts > 0 ? ` · ${e.attempts} ${e.attempts === 1 ? 'attempt' : 'attempts'}` : ''}
            </span>
            <div class="actions">
              {e.entity === 'observation' && (
                <a class="button" href={`/observe/${e.id}`}>
                  Open
                </a>
              )}
              {(e.state === 'rejected' || e.state === 'forbidden' || e.state === 'gone') && (
                <button type="button" onClick={() => void retryEntry(db, e.seq!).then(() => engine.syncNow())}>
                  Retry
                </button>
              )}
              {e.state === 'conflict' && (
                <>
                  <button type="button" onClick={() => void resolveConflict(db, e.seq!, 'mine').then(() => engine.syncNow())}>
                    Keep mine
                  </button>
                  <button type="button" onClick={() => void resolveConflict(db, e.seq!, 'theirs')}>
                    Take the server’s
                  </button>
                </>
              )}
            </div>
          </li>
        ))}
        {data?.photos.map((p) => (
          <li key={p.id} class="card">
            <strong>Photo of student work</strong>
            <span>{p.error ? `Not uploaded: ${p.error}` : 'Waiting to upload after its observation syncs'}</span>
          </li>
        ))}
      </ul>
    </main>
  );
}
