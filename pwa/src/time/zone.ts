// Days and weeks in the district's time zone, whatever the device's zone.
// The server decides "which day and week was this" in the district's IANA
// zone (server/internal/domain/district.go); these are the same rules on the
// device, with Intl.DateTimeFormat and nothing else. Instants are epoch ms;
// calendar dates are YYYY-MM-DD strings.

/** A wall clock reading in a zone; weekday 0 is Sunday, as in Go and Date. */
export interface WallClock {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const weekdays: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

// Building a formatter costs far more than using one; a zone's is made once.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Whether Intl knows the zone (Go's zone database may know names a browser does not). */
export function isKnownZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The device's own zone. */
export function deviceZone(): string {
  return new Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** The wall clock in tz at an instant (to the second). */
export function wallClock(ms: number, tz: string): WallClock {
  const w: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
  for (const p of formatter(tz).formatToParts(ms)) {
    if (p.type === 'weekday') w.weekday = weekdays[p.value] ?? 0;
    else if (p.type === 'year' || p.type === 'month' || p.type === 'day' || p.type === 'hour' || p.type === 'minute' || p.type === 'second') w[p.type] = Number(p.value);
  }
  return w;
}

/** The zone's offset from UTC at an instant, in ms (east positive). */
function offsetAt(ms: number, tz: string): number {
  const w = wallClock(ms, tz);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - (ms - (((ms % 1000) + 1000) % 1000));
}

/**
 * The instant a wall clock reading names in tz, as Go's time.Date finds it:
 * out-of-range fields carry over (day 0 is the last of the month before); a
 * reading a clock change skips or repeats takes the offset in force at the
 * reading taken as UTC, unless that lands outside the offset's period.
 */
export function zonedInstant(tz: string, year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  const asUTC = Date.UTC(year, month - 1, day, hour, minute, second);
  const first = offsetAt(asUTC, tz);
  const guess = asUTC - first;
  const there = offsetAt(guess, tz);
  return there === first ? guess : asUTC - there;
}

/** The same wall clock time n days later in tz (Go's t.AddDate(0, 0, n)). */
function addDaysAt(ms: number, n: number, tz: string): number {
  const w = wallClock(ms, tz);
  return zonedInstant(tz, w.year, w.month, w.day + n, w.hour, w.minute, w.second);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The calendar date in tz at an instant, as YYYY-MM-DD. */
export function dateIn(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  return `${w.year}-${pad(w.month)}-${pad(w.day)}`;
}

/** The time of day in tz at an instant, as HH:MM. */
export function timeIn(ms: number, tz: string): string {
  const w = wallClock(ms, tz);
  return `${pad(w.hour)}:${pad(w.minute)}`;
}

function parseDate(date: string): [number, number, number] {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (m === null) throw new RangeError(`not a date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** The instant a calendar date starts in tz. */
export function startOfDay(date: string, tz: string): number {
  const [y, m, d] = parseDate(date);
  return zonedInstant(tz, y, m, d);
}

/** The instant a date and an HH:MM time name in tz; NaN when either is malformed. */
export function instantAt(date: string, time: string, tz: string): number {
  const t = /^(\d{2}):(\d{2})$/.exec(time);
  if (t === null || !/^\d{4}-\d{2}-\d{2}$/.test(date)) return NaN;
  const [y, m, d] = parseDate(date);
  return zonedInstant(tz, y, m, d, Number(t[1]), Number(t[2]));
}

/** An instant as RFC 3339 in UTC, whole seconds without a fraction. */
export function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

/** The day n days after a calendar date (no zone: calendar arithmetic). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = parseDate(date);
  const t = new Date(Date.UTC(y, m - 1, d + n));
  return `${t.getUTCFullYear()}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}`;
}

/** A span of time: from start (included) to end (left out), epoch ms. */
export interface Span {
  start: number;
  end: number;
}

/** The day in tz that holds an instant. */
export function dayOf(ms: number, tz: string): Span {
  const w = wallClock(ms, tz);
  const midnight = zonedInstant(tz, w.year, w.month, w.day);
  return { start: midnight, end: addDaysAt(midnight, 1, tz) };
}

/**
 * The Monday-to-Sunday week in tz that holds an instant, computed as the
 * server computes the due week (server/internal/cycles/due.go, dueBy): the
 * day's midnight, back to Monday, and seven days on.
 */
export function weekOf(ms: number, tz: string): Span {
  const midnight = dayOf(ms, tz).start;
  const back = (wallClock(midnight, tz).weekday + 6) % 7;
  const monday = addDaysAt(midnight, -back, tz);
  return { start: monday, end: addDaysAt(monday, 7, tz) };
}

/** Whether an instant falls in a span. */
export function within(ms: number, s: Span): boolean {
  return s.start <= ms && ms < s.end;
}

/** Whether instant falls in the week (in tz) that holds now. */
export function inWeekOf(instant: number, now: number, tz: string): boolean {
  return within(instant, weekOf(now, tz));
}

/** The server's due windows (GET /followups?due=…). */
export type DueWindow = 'today' | 'this_week' | 'next_week';

/** The instant a due window ends: the end of today, of this week or of next week in tz. */
export function dueBy(due: DueWindow, now: number, tz: string): number {
  if (due === 'today') return dayOf(now, tz).end;
  const week = weekOf(now, tz);
  return due === 'this_week' ? week.end : addDaysAt(week.start, 14, tz);
}
