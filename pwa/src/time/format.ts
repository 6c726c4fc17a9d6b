// The app's one way of writing dates and times: in the district's zone, in
// the locale of the device, day before month where the locale puts it so.

/** A day, as "4 Dec" (or "Dec 4"). */
export function shortDay(ms: number, tz: string): string {
  return new Date(ms).toLocaleDateString(undefined, { day: 'numeric', month: 'short', timeZone: tz });
}

/** A day and a time, as "4 Dec, 09:12". */
export function dayAndTime(ms: number, tz: string): string {
  return `${shortDay(ms, tz)}, ${new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', timeZone: tz })}`;
}

/** A calendar date written YYYY-MM-DD, as "4 Dec". */
export function shortDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return shortDay(Date.UTC(y!, m! - 1, d!, 12), 'UTC');
}
