import type { ObservationData } from './types';

/**
 * Whether the user made the observation. Besides the user's own, the device
 * keeps colleagues' submitted observations of the teachers in the user's
 * open cycles of support; screens that list the user's work keep to these.
 * One made on this device that the server has not yet answered names no
 * observer, and is the user's.
 */
export function isMine(o: { data: Pick<ObservationData, 'observer_id'> }, userId: string): boolean {
  return o.data.observer_id === undefined || o.data.observer_id === '' || o.data.observer_id === userId;
}
