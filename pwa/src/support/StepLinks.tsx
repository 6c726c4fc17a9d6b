// From a next step (agreed in a debrief) to support: a coach of its school
// opens a cycle of support on its indicator; a leader of its school asks for
// coaching support. The step's action comes along as what prompted it.
import type { NextStepData, SignedInUser } from '../db/types';
import { requestSchools } from './access';

export function StepLinks({ step, user }: { step: NextStepData; user: SignedInUser }) {
  if (!step.indicator_key) return null;
  const p = new URLSearchParams({ school: step.school_id, indicator: step.indicator_key, reason: step.action });
  const coaches = (user.grants ?? []).some((g) => g.role === 'coach' && g.school_id === step.school_id);
  const asks = requestSchools(user.grants);
  const leads = asks === 'all' || asks.includes(step.school_id);
  return (
    <>
      {coaches && <a href={`/cycles/new?${p.toString()}`}>Open a cycle of support on this</a>}
      {leads && <a href={`/support/new?${p.toString()}&source=next_step`}>Ask for coaching support on this</a>}
    </>
  );
}
