// The app's one database and one sync engine, and hooks that read IndexedDB
// live (the screens read from the device, never from the network).
import { liveQuery } from 'dexie';
import { useEffect, useState } from 'preact/hooks';
import type { Me } from './api/types';
import { WalkthroughDB, getMeta, setMeta } from './db/schema';
import { mainFramework } from './db/frameworks';
import type { RubricVersionData, SignedInUser, StoredSession } from './db/types';
import { SyncEngine, type SyncStatus } from './sync/engine';
import { deviceZone, isKnownZone } from './time/zone';

export const db = new WalkthroughDB();
export const engine = new SyncEngine({ db });

/** A live query; undefined while loading. */
export function useLive<T>(query: () => T | Promise<T>, deps: unknown[]): T | undefined {
  const [value, setValue] = useState<T | undefined>(undefined);
  useEffect(() => {
    const sub = liveQuery(query).subscribe({ next: (v) => setValue(() => v), error: (e) => console.error(e) });
    return () => sub.unsubscribe();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  return value;
}

export function useSyncStatus(): SyncStatus {
  const [s, setS] = useState(engine.status);
  useEffect(() => engine.subscribe(setS), []);
  return s;
}

export interface Who {
  session: StoredSession | undefined;
  lastUser: SignedInUser | undefined;
  needsSignIn: boolean;
}

export function useWho(): Who | undefined {
  return useLive(async () => ({
    session: await getMeta<StoredSession>(db, 'session'),
    lastUser: await getMeta<SignedInUser>(db, 'last_user'),
    needsSignIn: (await getMeta<boolean>(db, 'needs_sign_in')) === true,
  }), []);
}

/** What the device keeps of the district (GET /api/v1/me), under meta "district". */
export interface KeptDistrict {
  id: string;
  name: string;
  /** IANA; decides "today" and "this week" on the device, offline too. */
  time_zone: string;
  /** Whether each walkthrough kind is shared with the teacher observed (absent until kept). */
  feedback_sharing?: Me['district']['settings']['feedback_sharing'];
}

/** Reads the district from the server and keeps it on the device; best effort, the next sync tries again. */
export async function keepDistrict(): Promise<void> {
  try {
    const { district: d } = await engine.getJSON<Me>('/api/v1/me');
    const kept = await getMeta<KeptDistrict>(db, 'district');
    const sharing = d.settings.feedback_sharing;
    if (kept?.id !== d.id || kept.name !== d.name || kept.time_zone !== d.time_zone || JSON.stringify(kept.feedback_sharing) !== JSON.stringify(sharing)) {
      await setMeta(db, 'district', { id: d.id, name: d.name, time_zone: d.time_zone, feedback_sharing: sharing } satisfies KeptDistrict);
    }
  } catch {
    // Offline or refused: the zone kept so far (or the device's) holds meanwhile.
  }
}

/**
 * The district's time zone as the device knows it: the device's own until
 * the first sync has kept the district's, or if the browser does not know
 * the district's zone. Read inside a live query, it re-runs when it changes.
 */
export async function districtZone(): Promise<string> {
  const tz = (await getMeta<KeptDistrict>(db, 'district'))?.time_zone;
  return tz !== undefined && isKnownZone(tz) ? tz : deviceZone();
}

/** districtZone() as a hook; the device's zone while it loads. */
export function useDistrictZone(): string {
  return useLive(districtZone, []) ?? deviceZone();
}

export interface OutboxSummary {
  pending: number;
  rejected: number;
  conflicts: number;
  photos: number;
  lastSyncAt: number | undefined;
}

export function useOutboxSummary(): OutboxSummary | undefined {
  return useLive(async () => {
    const all = await db.outbox.toArray();
    return {
      // Records, not entries: a record edited after a send in doubt has two.
      pending: new Set(all.filter((e) => e.state === 'pending').map((e) => e.id)).size,
      rejected: all.filter((e) => e.state === 'rejected' || e.state === 'forbidden' || e.state === 'gone').length,
      conflicts: all.filter((e) => e.state === 'conflict').length,
      photos: await db.attachments.filter((a) => !a.uploaded).count(),
      lastSyncAt: await getMeta<number>(db, 'last_sync_at'),
    };
  }, []);
}

/** The newest version of the district's main framework on the device: what figures and cycles read by default. */
export async function currentRubric(): Promise<{ id: string; data: RubricVersionData } | undefined> {
  const main = mainFramework(await db.frameworks.toArray(), await db.rubricVersions.toArray());
  return main === undefined ? undefined : { id: main.versionId, data: main.data };
}

export function teacherName(t: { data: { given_name: string; family_name: string } } | undefined): string {
  return t === undefined ? 'Unknown teacher' : `${t.data.given_name} ${t.data.family_name}`;
}

export function ago(ms: number | undefined, now = Date.now()): string {
  if (ms === undefined) return 'never';
  const s = Math.round((now - ms) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}
