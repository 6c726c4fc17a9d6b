import { getMeta, type RefreshedNote as Note } from '../db/schema';
import { db, useLive } from '../state';

/**
 * Says that the device replaced its data with a fresh copy from the server
 * (after the server could no longer bring it up to date change by change),
 * until the user dismisses it. Nothing waiting in the outbox was touched.
 */
export function RefreshedNote() {
  const note = useLive(() => getMeta<Note>(db, 'refreshed'), []);
  if (note === undefined) return null;
  const removed =
    note.removed === 0
      ? ''
      : ` ${note.removed} ${note.removed === 1 ? 'record' : 'records'} this account may no longer keep ${note.removed === 1 ? 'was' : 'were'} removed from it.`;
  return (
    <div class="notice banner refreshed" role="status" data-testid="refreshed-note">
      <p>
        This device refreshed its data from the server.{removed} Changes waiting to sync were kept.
      </p>
      <p class="muted">Why: {note.reason.replace(/: start again from a full snapshot\.?$/, '')}.</p>
      <button type="button" onClick={() => void db.meta.delete('refreshed')}>
        OK
      </button>
    </div>
  );
}
