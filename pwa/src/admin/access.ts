// Role grants in words: what a set of grants lets a person see. Plain
// TypeScript; the server computes the same (auth.Principal.Scope).
import type { Role, RoleGrant, School } from '../api/types';

export const roles = ['district_admin', 'supervisor', 'principal', 'coach', 'observer', 'teacher'] as const satisfies readonly Role[];

/** The role a select's value names; the least privileged when it names none. */
export function roleOf(value: string): Role {
  return roles.find((r) => r === value) ?? 'teacher';
}

export const roleNames: Record<string, string> = {
  district_admin: 'District administrator',
  supervisor: 'Principal supervisor',
  principal: 'Principal',
  coach: 'Coach',
  observer: 'Observer',
  teacher: 'Teacher',
};

/** The schools grants let a person see: every school for a district administrator. */
export function visibleSchools(grants: RoleGrant[], schools: School[]): { all: boolean; schools: School[] } {
  if (grants.some((g) => g.role === 'district_admin')) return { all: true, schools };
  const ids = new Set(grants.map((g) => g.school_id).filter((x): x is string => !!x));
  return { all: false, schools: schools.filter((s) => ids.has(s.id)) };
}

const same = (a: RoleGrant, b: RoleGrant) => a.role === b.role && (a.school_id ?? '') === (b.school_id ?? '');

/** The grants after adding some and revoking others. */
export function applyGrants(current: RoleGrant[], grant: RoleGrant[], revoke: RoleGrant[]): RoleGrant[] {
  const out = current.filter((g) => !revoke.some((r) => same(r, g)));
  for (const g of grant) if (!out.some((o) => same(o, g))) out.push(g);
  return out;
}

/** "will see 3 schools: A, B and C", or every school of the district. */
export function effectInWords(grants: RoleGrant[], schools: School[]): string {
  const v = visibleSchools(grants, schools);
  if (v.all) return `will see all ${schools.length} schools of the district and administer it`;
  const n = v.schools.length;
  if (n === 0) return 'will see no school';
  const names = v.schools.map((s) => s.name);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `will see ${n} ${n === 1 ? 'school' : 'schools'}: ${list}`;
}

/** The grants of a role over a set of schools (none for a district administrator). */
export function grantsFor(role: Role, schoolIds: string[]): RoleGrant[] {
  if (role === 'district_admin') return [{ role }];
  return schoolIds.map((id) => ({ role, school_id: id }));
}
