import { useState } from 'preact/hooks';
import type { OutboxEntry } from '../db/schema';
import type { ActivityData, CycleData, FollowUpData, NextStepData, ObservationData, WalkthroughData } from '../db/types';
import { discardRefused, exportUnsynced, resolveConflict } from '../db/writes';
import { db, engine, teacherName, useDistrictZone, useLive, useSyncStatus } from '../state';
import { dayAndTime, shortDate, shortDay } from '../time/format';

const stateText: Record<OutboxEntry['state'], string> = {
  pending: 'Waiting to be sent',
  rejected: 'Not accepted by the server',
  forbidden: 'Not allowed by the server',
  conflict: 'Changed on the server too',
  gone: 'Deleted on the server',
};

const refused = (e: OutboxEntry) => e.state === 'rejected' || e.state === 'forbidden' || e.state === 'gone';

/** One row per record: the entry that needs the user first, else the newest. */
function perRecord(entries: OutboxEntry[]): OutboxEntry[] {
  const by = new Map<string, OutboxEntry>();
  for (const e of entries) {
    const cur = by.get(e.id);
    if (cur === undefined || (cur.state === 'pending' && e.state !== 'pending') || (cur.state === e.state && e.updated_at > cur.updated_at)) by.set(e.id, e);
  }
  return [...by.values()];
}

export function Outbox() {
  const status = useSyncStatus();
  const tz = useDistrictZone();
  const data = useLive(async () => {
    const entries = perRecord(await db.outbox.orderBy('seq').toArray());
    const teachers = new Map((await db.teachers.toArray()).map((t) => [t.id, t]));
    const schools = new Map((await db.schools.toArray()).map((s) => [s.id, s.data.name]));
    const walkthroughs = new Map((await db.walkthroughs.toArray()).map((w) => [w.id, w.data]));
    const photos = await db.attachments.filter((a) => !a.uploaded).toArray();
    return { entries, teachers, schools, walkthroughs, photos };
  }, []);
  const [message, setMessage] = useState<string | null>(null);
  const [discarding, setDiscarding] = useState<number | null>(null);

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
    setMessage('Exported. Keep the file until everything has been sent.');
  };

  /** What the record is, in the user's words. */
  const label = (e: OutboxEntry): string => {
    if (data === undefined) return '';
    const teacher = (id: string | undefined) => teacherName(id ? data.teachers.get(id) : undefined);
    switch (e.entity) {
      case 'observation': {
        const d = e.data as ObservationData | undefined;
        if (e.op === 'delete') return 'Discarded observation';
        return `Observation of ${teacher(d?.teacher_id)}${d?.status === 'submitted' ? ' (submitted)' : ' (draft)'}`;
      }
      case 'walkthrough': {
        const d = (e.data as WalkthroughData | undefined) ?? data.walkthroughs.get(e.id);
        return d ? `Walkthrough at ${data.schools.get(d.school_id) ?? 'a school'}, ${shortDate(d.date)}` : 'Walkthrough';
      }
      case 'next_step': {
        const d = e.data as NextStepData | undefined;
        return d ? `Next step: ${d.action}` : 'Next step';
      }
      case 'follow_up': {
        const d = e.data as FollowUpData | undefined;
        return d ? `Follow-up with ${teacher(d.teacher_id)}, ${shortDay(Date.parse(d.starts_at), tz)}` : 'Follow-up';
      }
      case 'cycle': {
        const d = e.data as CycleData | undefined;
        const what = d?.status === 'completed' ? 'completed' : d?.status === 'abandoned' ? 'abandoned' : d?.status === 'active' ? 'active' : 'planned';
        return `Cycle of support with ${d?.teacher_ids.map((t) => teacher(t)).join(', ') ?? 'a teacher'}: ${what}`;
      }
      case 'cycle_activity': {
        const d = e.data as ActivityData | undefined;
        return d ? `Support activity (${d.kind.replace(/_/g, ' ')}), ${shortDate(d.occurred_on)}` : 'Support activity';
      }
      case 'support_request': {
        const d = e.data as { school_id?: string; status?: string } | undefined;
        return d?.status === 'withdrawn' ? 'Support request withdrawn' : `Support request at ${data.schools.get(d?.school_id ?? '') ?? 'a school'}`;
      }
      default:
        return 'Change';
    }
  };

  /** Where the record is opened to be fixed. */
  const opens = (e: OutboxEntry): string | undefined => {
    if (e.op === 'delete') return undefined;
    switch (e.entity) {
      case 'observation':
        return `/observe/${e.id}`;
      case 'walkthrough':
        return `/walkthroughs/${e.id}`;
      case 'next_step':
        return '/next-steps';
      case 'support_request':
        return '/support';
      case 'cycle':
        return `/cycles/${e.id}`;
      case 'follow_up':
      case 'cycle_activity': {
        const cycle = (e.data as { cycle_id?: string } | undefined)?.cycle_id;
        return cycle ? `/cycles/${cycle}` : undefined;
      }
      default:
        return undefined;
    }
  };

  return (
    <main class="screen wide">
      <h1>Outbox</h1>
      <p class="muted" role="status">
        {status.phase === 'offline'
          ? 'Offline: changes wait on this device and are sent when it is back online.'
          : 'Changes are sent by themselves moments after you save them, and leave this list once the server has them.'}
      </p>
      <div class="actions">
        <button type="button" onClick={() => void engine.syncNow()}>
          Sync now
        </button>
        <button type="button" onClick={() => void exportAll()}>
          Export unsent changes
        </button>
      </div>
      {message && <p class="notice" role="status">{message}</p>}
      {data === undefined && <p aria-busy="true">Loading…</p>}
      {data !== undefined && data.entries.length === 0 && data.photos.length === 0 && <p data-testid="outbox-empty">Everything has been sent.</p>}
      <ul class="cards" aria-label="Changes not yet on the server">
        {data?.entries.map((e) => {
          const href = opens(e);
          return (
            <li key={e.seq} class={`card outbox-entry ${e.state}`} data-testid="outbox-entry" data-state={e.state}>
              <strong>{label(e)}</strong>
              <span>{stateText[e.state]}</span>
              {e.error && (
                <span class="reason" data-testid="reason">
                  Reason: {e.error.message}
                </span>
              )}
              <span class="muted">
                Saved {dayAndTime(e.updated_at, tz)}
                {e.attempts > 0 ? ` · ${e.attempts} ${e.attempts === 1 ? 'attempt' : 'attempts'}` : ''}
              </span>
              {refused(e) && <span class="muted">Open it to fix it: it is sent again when you change it. Or discard the change.</span>}
              <div class="actions">
                {href !== undefined && (
                  <a class="button" href={href}>
                    {refused(e) ? 'Open to fix' : 'Open'}
                  </a>
                )}
                {refused(e) && discarding !== e.seq && (
                  <button type="button" onClick={() => setDiscarding(e.seq!)}>
                    Discard…
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
              {discarding === e.seq && (
                <div class="confirm" role="group" aria-label="Discard this change">
                  <p>Discard “{label(e)}”? The change is removed from this device and the server keeps its own version. This cannot be undone.</p>
                  <div class="actions">
                    <button type="button" class="danger" onClick={() => void discardRefused(db, e.seq!).then(() => setDiscarding(null))}>
                      Discard the change
                    </button>
                    <button type="button" onClick={() => setDiscarding(null)}>
                      Keep it
                    </button>
                  </div>
                </div>
              )}
            </li>
          );
        })}
        {data?.photos.map((p) => (
          <li key={p.id} class="card">
            <strong>Photo of student work</strong>
            <span>{p.error ? `Not uploaded: ${p.error}` : 'Waiting to upload after its observation is sent'}</span>
          </li>
        ))}
      </ul>
    </main>
  );
}
