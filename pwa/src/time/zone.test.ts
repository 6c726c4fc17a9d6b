// The device here is in Tokyo (UTC+9, no daylight saving time) and the
// district in Chicago: the answers must be the district's, never the
// device's. The expected instants are what the server's Go code
// (server/internal/cycles/due.go, time.Date) answers for the same inputs.
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { addDays, dateIn, dayOf, dueBy, inWeekOf, instantAt, isKnownZone, rfc3339, startOfDay, timeIn, wallClock, weekOf, within, zonedInstant } from './zone';

const chicago = 'America/Chicago';
const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(() => {
  vi.stubEnv('TZ', 'Asia/Tokyo');
});
afterAll(() => {
  vi.unstubAllEnvs();
});

test('the device is in Tokyo for these tests', () => {
  expect(new Date(at('2026-11-15T23:30:00Z')).getTimezoneOffset()).toBe(-540);
  expect(new Date(at('2026-11-15T23:30:00Z')).getDay()).toBe(1); // Monday on the device
});

describe('Sunday evening in Chicago is Monday morning on the device', () => {
  // 2026-11-16 08:30 in Tokyo = 2026-11-15 23:30 UTC = Sunday 17:30 CST.
  const now = at('2026-11-15T23:30:00Z');

  test('the calendar date is the district’s', () => {
    expect(dateIn(now, chicago)).toBe('2026-11-15');
    expect(timeIn(now, chicago)).toBe('17:30');
    expect(wallClock(now, chicago).weekday).toBe(0);
  });

  test('today ends at midnight in Chicago', () => {
    expect(dayOf(now, chicago)).toEqual({ start: at('2026-11-15T06:00:00Z'), end: at('2026-11-16T06:00:00Z') });
    expect(iso(dueBy('today', now, chicago))).toBe('2026-11-16T06:00:00.000Z');
  });

  test('the week is still the one that began on Monday the 9th', () => {
    const week = weekOf(now, chicago);
    expect(iso(week.start)).toBe('2026-11-09T06:00:00.000Z');
    expect(iso(week.end)).toBe('2026-11-16T06:00:00.000Z');
    expect(iso(dueBy('this_week', now, chicago))).toBe('2026-11-16T06:00:00.000Z');
    expect(iso(dueBy('next_week', now, chicago))).toBe('2026-11-23T06:00:00.000Z');
  });

  test('a follow-up on Monday morning in Chicago is next week, though the device calls it this week', () => {
    const mondayVisit = at('2026-11-16T15:00:00Z'); // Monday 09:00 CST, Tuesday 00:00 in Tokyo
    expect(inWeekOf(mondayVisit, now, chicago)).toBe(false);
    expect(mondayVisit < dueBy('this_week', now, chicago)).toBe(false);
    expect(mondayVisit < dueBy('next_week', now, chicago)).toBe(true);
    // Sunday 18:00 CST: Monday 09:00 on the device, still this week in the district.
    expect(inWeekOf(at('2026-11-16T00:00:00Z'), now, chicago)).toBe(true);
  });
});

describe('Monday morning in Chicago', () => {
  // 2026-11-16 07:00 CST = 13:00 UTC = Monday 22:00 in Tokyo.
  const now = at('2026-11-16T13:00:00Z');

  test('opens the new week at Chicago’s midnight', () => {
    expect(dateIn(now, chicago)).toBe('2026-11-16');
    expect(weekOf(now, chicago)).toEqual({ start: at('2026-11-16T06:00:00Z'), end: at('2026-11-23T06:00:00Z') });
    expect(inWeekOf(at('2026-11-16T05:59:59Z'), now, chicago)).toBe(false); // Sunday 23:59:59 CST
    expect(inWeekOf(at('2026-11-16T06:00:00Z'), now, chicago)).toBe(true);
  });

  test('the first instant of a week belongs to it, its end does not', () => {
    const week = weekOf(at('2026-11-16T06:00:00Z'), chicago);
    expect(iso(week.start)).toBe('2026-11-16T06:00:00.000Z');
    expect(within(week.start, week)).toBe(true);
    expect(within(week.end, week)).toBe(false);
  });
});

describe('weeks in which the clocks change', () => {
  test('the week daylight saving time ends has 169 hours', () => {
    // Sunday 2026-11-01 02:00 CDT becomes 01:00 CST.
    const week = weekOf(at('2026-10-28T17:00:00Z'), chicago);
    expect(iso(week.start)).toBe('2026-10-26T05:00:00.000Z');
    expect(iso(week.end)).toBe('2026-11-02T06:00:00.000Z');
    expect((week.end - week.start) / 3_600_000).toBe(169);
    // The Sunday evening after the change is in it, in Chicago and on the device alike.
    expect(inWeekOf(at('2026-11-02T05:30:00Z'), at('2026-10-26T05:00:00Z'), chicago)).toBe(true);
    expect(dateIn(at('2026-11-02T05:30:00Z'), chicago)).toBe('2026-11-01');
  });

  test('the week daylight saving time begins has 167 hours', () => {
    // Sunday 2026-03-08 02:00 CST becomes 03:00 CDT.
    const week = weekOf(at('2026-03-08T20:00:00Z'), chicago);
    expect(iso(week.start)).toBe('2026-03-02T06:00:00.000Z');
    expect(iso(week.end)).toBe('2026-03-09T05:00:00.000Z');
    expect((week.end - week.start) / 3_600_000).toBe(167);
    expect(within(at('2026-03-09T04:30:00Z'), week)).toBe(true); // Sunday 23:30 CDT
    expect(within(at('2026-03-09T05:00:00Z'), week)).toBe(false); // Monday 00:00 CDT
  });

  test('the day the clocks change is 23 or 25 hours long', () => {
    const spring = dayOf(at('2026-03-08T12:00:00Z'), chicago);
    expect((spring.end - spring.start) / 3_600_000).toBe(23);
    const autumn = dayOf(at('2026-11-01T12:00:00Z'), chicago);
    expect((autumn.end - autumn.start) / 3_600_000).toBe(25);
  });

  test('a time the clocks skip or repeat is read as Go’s time.Date reads it', () => {
    expect(iso(zonedInstant(chicago, 2026, 3, 8, 2, 30))).toBe('2026-03-08T07:30:00.000Z'); // 01:30 CST
    expect(iso(zonedInstant(chicago, 2026, 11, 1, 1, 30))).toBe('2026-11-01T06:30:00.000Z'); // the first 01:30 (CDT)
  });
});

describe('dates and times typed in a form are the district’s', () => {
  test('a day and a time name an instant in the zone', () => {
    expect(iso(instantAt('2026-11-16', '09:00', chicago))).toBe('2026-11-16T15:00:00.000Z');
    expect(iso(instantAt('2026-07-01', '09:00', chicago))).toBe('2026-07-01T14:00:00.000Z');
    expect(Number.isNaN(instantAt('2026-11-16', '', chicago))).toBe(true);
    expect(Number.isNaN(instantAt('', '09:00', chicago))).toBe(true);
  });

  test('a day starts at the zone’s midnight, daylight saving time included', () => {
    expect(iso(startOfDay('2026-11-16', chicago))).toBe('2026-11-16T06:00:00.000Z');
    expect(iso(startOfDay('2026-11-16', 'Asia/Tokyo'))).toBe('2026-11-15T15:00:00.000Z');
    expect(rfc3339(startOfDay('2026-09-07', chicago))).toBe('2026-09-07T05:00:00Z');
    expect(rfc3339(startOfDay('2026-11-01', chicago))).toBe('2026-11-01T05:00:00Z'); // the day summer time ends
    expect(rfc3339(startOfDay('2026-09-07', 'UTC'))).toBe('2026-09-07T00:00:00Z');
  });

  test('today is the date in the district, not in UTC nor on the device', () => {
    const late = at('2026-11-24T03:00:00Z'); // 21:00 on the 23rd in Chicago, noon on the 24th in Tokyo
    expect(dateIn(late, chicago)).toBe('2026-11-23');
    expect(dateIn(late, 'UTC')).toBe('2026-11-24');
  });

  test('out-of-range fields carry over, as in Go', () => {
    expect(iso(zonedInstant(chicago, 2026, 12, 32))).toBe('2027-01-01T06:00:00.000Z');
    expect(iso(zonedInstant(chicago, 2026, 3, 0))).toBe('2026-02-28T06:00:00.000Z');
  });
});

test('calendar arithmetic crosses months and years', () => {
  expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  expect(addDays('2028-03-01', -1)).toBe('2028-02-29');
  expect(addDays('2026-11-16', -28)).toBe('2026-10-19');
});

test('a zone the browser does not know is told apart', () => {
  expect(isKnownZone(chicago)).toBe(true);
  expect(isKnownZone('Mars/Olympus_Mons')).toBe(false);
});
