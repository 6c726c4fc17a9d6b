// What the roles a user holds change on the device (the server checks every request itself).
import type { SignedInUser } from './db/types';

/** Whether the user only teaches: no role that observes, coaches or leads. */
export function teachesOnly(user: SignedInUser): boolean {
  const roles = (user.grants ?? []).map((g) => g.role);
  return roles.length > 0 && roles.every((r) => r === 'teacher');
}
