import { teachesOnly } from '../roles';
import { handlesRequests, opensTeacherView } from '../support/access';
import type { SyncStatus } from '../sync/engine';
import { ago, engine, useOutboxSummary, useSyncStatus, useWho } from '../state';
import { useOnline } from './useOnline';

/** The app bar; when signed in it always shows what waits to sync and "Sync now". */
export function Header({ signedIn, trends = false }: { signedIn: boolean; trends?: boolean }) {
  const online = useOnline();
  const status = useSyncStatus();
  const sum = useOutboxSummary();
  const who = useWho();
  const admin = who?.session?.user.grants?.some((g) => g.role === 'district_admin') === true;
  const teacher = who?.session !== undefined && teachesOnly(who.session.user);
  const offline = !online || status.phase === 'offline';
  return (
    <header class="app-header">
      <a href="/" class="app-name">
        Walkthrough
      </a>
      {signedIn && (
        <nav class="app-nav" aria-label="Main">
          {admin && (
            <a href="/admin" class="admin-link">
              Administration
            </a>
          )}
          {trends && (
            <a href="/dashboard" class="nav-link">
              Trends
            </a>
          )}
          {/* The roles that read trends are the ones that run or follow cycles of support. */}
          {trends && (
            <a href="/cycles">
              Cycles
            </a>
          )}
          {opensTeacherView(who?.session?.user.grants) && <a href="/teachers">Teachers</a>}
          {handlesRequests(who?.session?.user.grants) && <a href="/support">Support</a>}
          {!teacher && (
            <a href="/due">
              Due
            </a>
          )}
          <a href="/next-steps">
            My next steps
          </a>
          <a href="/messages">Messages</a>
        </nav>
      )}
      {signedIn && (
        <div class="sync-bar" aria-label="Sync status">
          <a href="/outbox" class="sync-counts" data-testid="sync-counts">
            {sum === undefined ? (
              <span aria-busy="true">Counting…</span>
            ) : (
              <span data-testid="pending-count">{sum.pending} pending</span>
            )}
            {(sum?.rejected ?? 0) > 0 && <span class="badge danger" data-testid="rejected-count">{sum!.rejected} rejected</span>}
            {(sum?.conflicts ?? 0) > 0 && <span class="badge danger" data-testid="conflict-count">{sum!.conflicts} conflicts</span>}
          </a>
          <span class="sync-words">
            <span class="sync-progress" role="status" data-testid="sync-progress">
              {progress(status.phase, offline, sum?.pending ?? 0)}
            </span>
            <span class="last-sync" data-testid="last-sync">
              Synced {ago(sum?.lastSyncAt)}
            </span>
          </span>
          <button type="button" class="on-brand" onClick={() => void engine.syncNow()} disabled={status.phase === 'syncing'} aria-busy={status.phase === 'syncing'}>
            {status.phase === 'syncing' ? 'Syncing…' : 'Sync now'}
          </button>
        </div>
      )}
      {offline && (
        <span class="connection" role="status">
          Offline
        </span>
      )}
    </header>
  );
}

/** What the sync is doing, in a few words; changes are sent by themselves shortly after each save. */
function progress(phase: SyncStatus['phase'], offline: boolean, pending: number): string {
  if (phase === 'syncing') return pending > 0 ? `Sending ${pending}…` : 'Checking for updates…';
  if (offline) return pending > 0 ? 'Offline: saved on this device' : 'Offline';
  if (phase === 'retrying') return 'Server busy: trying again soon';
  if (phase === 'signed_out') return 'Sign in to send';
  return pending > 0 ? 'Sending soon' : 'All sent';
}
