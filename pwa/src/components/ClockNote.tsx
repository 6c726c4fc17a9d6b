import type { ObservationData } from '../db/types';
import { clockNote } from './clockNote';

/** A small note beside an observation's time when its device's clock was off. */
export function ClockNote({ o, timeZone }: { o: Pick<ObservationData, 'clock_skewed' | 'counted_at'>; timeZone?: string }) {
  const note = clockNote(o, timeZone);
  return note === undefined ? null : (
    <small class="clock-note" data-testid="clock-note">
      {' '}({note})
    </small>
  );
}
