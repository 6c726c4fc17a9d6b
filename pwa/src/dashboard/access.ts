// Who opens the dashboard. Kept apart from the dashboard itself: the header
// asks it on every screen, and the dashboard's code loads only when opened.
import type { RoleGrant } from '../api/types';

/** A grant as GET /me has it, or as the session kept on the device has it (its role a plain string). */
export type Grant = Omit<RoleGrant, 'role'> & { role: string };

/** The roles that read trends (and the observations behind them at their schools). */
export const trendRoles: readonly string[] = ['district_admin', 'supervisor', 'principal', 'coach'];

/** Whether the grants open the dashboard at all (the server decides what is in it). */
export function readsTrends(grants: Grant[] | undefined): boolean {
  return (grants ?? []).some((g) => trendRoles.includes(g.role));
}
