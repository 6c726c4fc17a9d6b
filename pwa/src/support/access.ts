// Who does what with support requests and the teacher view, as the device
// can tell from the grants (the server decides every request itself:
// server/internal/auth/policy.go).
import type { Grant } from '../dashboard/access';

const has = (grants: Grant[] | undefined, ...roles: string[]) => (grants ?? []).some((g) => roles.includes(g.role));

/** Whoever assigns coaches: the district administrator. */
export const assignsCoaches = (grants: Grant[] | undefined) => has(grants, 'district_admin');

/** The schools where the user asks for support (principals and supervisors), or 'all' for an administrator. */
export function requestSchools(grants: Grant[] | undefined): string[] | 'all' {
  if (assignsCoaches(grants)) return 'all';
  return (grants ?? []).filter((g) => g.role === 'principal' || g.role === 'supervisor').map((g) => g.school_id!).filter(Boolean);
}

/** The schools whose teachers the user sees (principals and coaches), or 'all' for an administrator. */
export function teacherSchools(grants: Grant[] | undefined): string[] | 'all' {
  if (assignsCoaches(grants)) return 'all';
  return (grants ?? []).filter((g) => g.role === 'principal' || g.role === 'coach').map((g) => g.school_id!).filter(Boolean);
}

export const seesTeachersAt = (grants: Grant[] | undefined, school: string) => {
  const s = teacherSchools(grants);
  return s === 'all' || s.includes(school);
};

/** Whether the user opens the teacher view at all. */
export const opensTeacherView = (grants: Grant[] | undefined) => {
  const s = teacherSchools(grants);
  return s === 'all' || s.length > 0;
};

/** Whether the user has anything to do with support requests. */
export const handlesRequests = (grants: Grant[] | undefined) => has(grants, 'district_admin', 'supervisor', 'principal', 'coach');
