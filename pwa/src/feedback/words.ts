import type { WalkthroughKind } from '../db/types';
import type { KeptDistrict } from '../state';

type Sharing = NonNullable<KeptDistrict['feedback_sharing']>['classroom'];

/** The district's sharing of a kind; before the device has kept it, the server decides (and says so if it refuses). */
export function sharingOf(settings: KeptDistrict['feedback_sharing'], kind: WalkthroughKind): Sharing {
  return settings?.[kind] ?? 'chosen';
}

/** A kind of visit in words, plural. */
export function kindWords(kind: WalkthroughKind | string): string {
  switch (kind) {
    case 'classroom':
      return 'classroom walkthroughs';
    case 'leadership':
      return 'leadership walkthroughs';
    case 'follow_up':
      return 'follow-up observations';
    default:
      return 'informal visits';
  }
}
