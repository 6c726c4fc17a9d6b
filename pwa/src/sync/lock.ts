// Only one tab syncs at a time: the Web Locks API where the browser has it,
// else a lease kept in IndexedDB (one read-write transaction takes it, so two
// tabs can never both hold it).
import type { WalkthroughDB } from '../db/schema';
import { uuidv7 } from '../db/uuid';

export interface SyncLock {
  /** Runs fn while holding the lock; undefined, without running it, when another holder has it. */
  run<T>(fn: (renew: () => Promise<void>) => Promise<T>): Promise<T | undefined>;
}

interface LockManagerLike {
  request(name: string, options: { ifAvailable: boolean }, cb: (lock: unknown) => Promise<unknown>): Promise<unknown>;
}

export const lockName = 'walkthrough-sync';

export function webLock(locks: LockManagerLike): SyncLock {
  return {
    async run<T>(fn: (renew: () => Promise<void>) => Promise<T>): Promise<T | undefined> {
      let out: T | undefined;
      await locks.request(lockName, { ifAvailable: true }, async (lock) => {
        if (lock === null) return;
        out = await fn(async () => undefined);
      });
      return out;
    },
  };
}

interface Lease {
  owner: string;
  until: number;
}

/** A lease in the meta table; it lapses after ttl ms if its holder dies. */
export function leaseLock(db: WalkthroughDB, ttl = 30_000, now: () => number = Date.now): SyncLock {
  const owner = uuidv7();
  const take = () =>
    db.transaction('rw', db.meta, async () => {
      const row = await db.meta.get('sync_lease');
      const lease = row?.value as Lease | undefined;
      if (lease !== undefined && lease.owner !== owner && lease.until > now()) return false;
      await db.meta.put({ key: 'sync_lease', value: { owner, until: now() + ttl } satisfies Lease });
      return true;
    });
  const release = () =>
    db.transaction('rw', db.meta, async () => {
      const row = await db.meta.get('sync_lease');
      if ((row?.value as Lease | undefined)?.owner === owner) await db.meta.delete('sync_lease');
    });
  return {
    async run<T>(fn: (renew: () => Promise<void>) => Promise<T>): Promise<T | undefined> {
      if (!(await take())) return undefined;
      try {
        return await fn(async () => {
          if (!(await take())) throw new Error('the sync lease was lost');
        });
      } finally {
        await release();
      }
    },
  };
}

/** The best lock this environment offers. */
export function defaultLock(db: WalkthroughDB): SyncLock {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator;
  return nav?.locks !== undefined ? webLock(nav.locks) : leaseLock(db);
}
