// Links to ask for coaching support from where a pattern shows: a trend, a
// heat-map cell, a debrief. The request form (/support/new) takes them
// filled in; it saves on the device and the sync loop sends it.
import type { Grant } from '../dashboard/access';
import { requestSchools, seesTeachersAt } from './access';

/** Whether the user asks for support at the school (principals and supervisors there; administrators anywhere). */
export function asksAt(grants: Grant[] | undefined, school: string): boolean {
  const s = requestSchools(grants);
  return s === 'all' || s.includes(school);
}

/** The request form's address with the school, indicators, teachers (only where the user sees them) and reason filled in. */
export function askHref(
  grants: Grant[] | undefined,
  o: { school: string; indicators: string[]; teachers?: string[]; reason?: string; source: 'trend' | 'heat_map' | 'debrief' },
): string {
  const p = new URLSearchParams({ school: o.school });
  for (const i of o.indicators) p.append('indicator', i);
  if (seesTeachersAt(grants, o.school)) for (const t of o.teachers ?? []) p.append('teacher', t);
  if (o.reason) p.set('reason', o.reason);
  p.set('source', o.source);
  return `/support/new?${p.toString()}`;
}
