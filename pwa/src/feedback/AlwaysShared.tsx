import { getMeta } from '../db/schema';
import type { WalkthroughKind } from '../db/types';
import { db, useLive, type KeptDistrict } from '../state';
import { kindWords, sharingOf } from './words';

/**
 * Said on an observation whose kind the district always shares: before it
 * is submitted, that submitting shares it with the teacher and what they
 * see. Read from the district kept on the device, so it holds offline.
 */
export function AlwaysSharedNote({ kind, teacher, submitted }: { kind: WalkthroughKind; teacher: string; submitted: boolean }) {
  const always = useAlwaysShared(kind);
  if (!always || submitted) return null;
  return (
    <p class="notice" data-testid="always-shared">
      Your district shares every {kindWords(kind).replace(/s$/, '')} with the teacher: once you submit, {teacher} sees the indicators you scored, their levels and the evidence, never your private notes.
    </p>
  );
}

/** Whether the district, as this device keeps it, shares every observation of kind with its teacher. */
export function useAlwaysShared(kind: WalkthroughKind): boolean | undefined {
  return useLive(async () => sharingOf((await getMeta<KeptDistrict>(db, 'district'))?.feedback_sharing, kind) === 'always', [kind]);
}
