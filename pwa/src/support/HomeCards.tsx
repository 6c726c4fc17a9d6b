// Support requests on the role homes: the requester sees the status of
// theirs, whoever assigns coaches the open ones, a coach those assigned to
// them. Read from the device, so they show offline too.
import type { SignedInUser } from '../db/types';
import { db, useLive } from '../state';
import { assignsCoaches, handlesRequests } from './access';

export function SupportCards({ user }: { user: SignedInUser }) {
  const admin = assignsCoaches(user.grants);
  const counts = useLive(async () => {
    const all = await db.supportRequests.toArray();
    const mine = all.filter((r) => r.data.requester_id === user.id && r.data.status !== 'withdrawn');
    return {
      mineOpen: mine.filter((r) => r.data.status === 'open').length,
      mineAssigned: mine.filter((r) => r.data.status === 'assigned').length,
      mineDeclined: mine.filter((r) => r.data.status === 'declined').length,
      open: all.filter((r) => r.data.status === 'open').length,
      assignedToMe: all.filter((r) => r.data.coach_id === user.id && r.data.status === 'assigned' && !r.data.cycle_id).length,
    };
  }, [user.id]);
  if (!handlesRequests(user.grants) || counts === undefined) return null;
  const cards = [];
  if (admin) {
    cards.push(
      <a class="card" href="/support" data-testid="home-open-requests">
        <strong>Support requests</strong>
        <span>{counts.open === 0 ? 'None waiting for a coach' : `${counts.open} waiting for a coach`}</span>
      </a>,
    );
  }
  if (counts.assignedToMe > 0) {
    cards.push(
      <a class="card" href="/support" data-testid="home-assigned-requests">
        <strong>Support requests assigned to you</strong>
        <span>{counts.assignedToMe} waiting for a cycle of support</span>
      </a>,
    );
  }
  if (counts.mineOpen + counts.mineAssigned + counts.mineDeclined > 0) {
    cards.push(
      <a class="card" href="/support" data-testid="home-my-requests">
        <strong>Your support requests</strong>
        <span>
          {counts.mineOpen} waiting · {counts.mineAssigned} coach assigned · {counts.mineDeclined} declined
        </span>
      </a>,
    );
  }
  if (cards.length === 0) return null;
  return (
    <section aria-labelledby="support-h">
      <h2 id="support-h">Coaching support</h2>
      <ul class="cards">
        {cards.map((c, i) => (
          <li key={i}>{c}</li>
        ))}
      </ul>
    </section>
  );
}
