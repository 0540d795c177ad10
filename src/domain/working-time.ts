/**
 * Working time: when a group may be disturbed by a reminder. Days are 'YYYY-MM-DD' in the group's time
 * zone, times 'HH:mm' on its wall clock, instants plain `Date`s. Every answer is computed in the group's
 * zone (luxon) and the Swedish holiday calendar (date-holidays), never in the server's own zone.
 */
import Holidays from 'date-holidays';
import { DateTime } from 'luxon';

export interface WorkingTime {
  timeZone: string;
  /** ISO weekdays 1 (Mon)..7 (Sun) */
  days: readonly number[];
  /** minutes after local midnight */
  startMinute: number;
  endMinute: number;
  /** Whether Swedish public holidays and the eves treated as holidays are days off (default true). */
  holidays?: boolean;
}

/** Office hours in Sweden: Monday to Friday, 08:00–17:00 Stockholm time. */
export const DEFAULT_WORKING_TIME: WorkingTime = Object.freeze({
  timeZone: 'Europe/Stockholm',
  days: Object.freeze([1, 2, 3, 4, 5]),
  startMinute: 8 * 60,
  endMinute: 17 * 60,
});

const MINUTES_PER_DAY = 24 * 60;

/**
 * How far to look for a working day before giving up: any sane configuration finds one within two
 * weeks, and the bound keeps a broken one (every configured weekday a holiday) from looping for ever.
 */
const MAX_DAYS_WITHOUT_WORK = 400;

/**
 * Holidays on which the group is not expected to work: the public holidays and the eves that work
 * closes for (date-holidays types them 'bank': midsommarafton, julafton, nyårsafton). Half days
 * ('optional', e.g. valborgsmässoafton) and name days ('observance') are working days.
 */
const NON_WORKING_HOLIDAY_TYPES: ReadonlySet<string> = new Set(['public', 'bank']);

let swedishHolidays: Holidays | undefined;
const holidaysByYear = new Map<number, ReadonlySet<string>>();

function swedishHolidayDays(year: number): ReadonlySet<string> {
  let days = holidaysByYear.get(year);
  if (!days) {
    swedishHolidays ??= new Holidays('SE');
    // `date` is the holiday's own calendar day in Sweden ('2026-12-24 00:00:00'), whatever the server's zone.
    days = new Set(
      swedishHolidays
        .getHolidays(year)
        .filter((holiday) => NON_WORKING_HOLIDAY_TYPES.has(holiday.type))
        .map((holiday) => holiday.date.slice(0, 10)),
    );
    holidaysByYear.set(year, days);
  }
  return days;
}

/** A 'YYYY-MM-DD' day as a calendar date (UTC midnight, so calendar steps never meet a DST change). */
function calendarDay(day: string): DateTime {
  const date = /^\d{4}-\d{2}-\d{2}$/.test(day) ? DateTime.fromISO(day, { zone: 'utc' }) : undefined;
  if (!date?.isValid) throw new RangeError(`Not a day (YYYY-MM-DD): "${day}"`);
  return date;
}

function dayAfter(day: string, step: 1 | -1): string {
  return calendarDay(day).plus({ days: step }).toISODate()!;
}

function parseTime(time: string): number {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  if (!match) throw new RangeError(`Not a time (HH:mm): "${time}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

function formatMinute(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

function zoned(instant: Date, timeZone: string): DateTime {
  if (Number.isNaN(instant.getTime())) throw new RangeError('Not an instant: Invalid Date');
  const local = DateTime.fromJSDate(instant, { zone: timeZone });
  if (!local.isValid) throw new RangeError(`Unknown time zone: "${timeZone}"`);
  return local;
}

/** Every instant at which the wall clock in `timeZone` shows `day` `time` (two in the hour the clocks go back). */
function wallClockInstants(day: string, time: string, timeZone: string): Date[] {
  const date = calendarDay(day);
  const minute = parseTime(time);
  const local = DateTime.fromObject(
    { year: date.year, month: date.month, day: date.day, hour: Math.floor(minute / 60), minute: minute % 60 },
    { zone: timeZone },
  );
  if (!local.isValid) throw new RangeError(`Unknown time zone: "${timeZone}"`);
  // luxon moves a time in a spring-forward gap forward by the gap; getPossibleOffsets lists both
  // readings of a time the clocks pass twice.
  return local
    .getPossibleOffsets()
    .map((candidate) => candidate.toJSDate())
    .sort((a, b) => a.getTime() - b.getTime());
}

function assertWorkingTime(wt: WorkingTime): void {
  const validDays = wt.days.length > 0 && wt.days.every((day) => Number.isInteger(day) && day >= 1 && day <= 7);
  const validHours =
    Number.isInteger(wt.startMinute) &&
    Number.isInteger(wt.endMinute) &&
    wt.startMinute >= 0 &&
    wt.startMinute < wt.endMinute &&
    wt.endMinute <= MINUTES_PER_DAY;
  if (!validDays || !validHours) {
    throw new RangeError(
      `Working time needs at least one weekday 1..7 and 0 <= startMinute < endMinute <= ${MINUTES_PER_DAY}: ${JSON.stringify(wt)}`,
    );
  }
}

/**
 * Whether a day is a Swedish public holiday or one of the eves treated as one (midsommarafton,
 * julafton, nyårsafton). Half days such as valborgsmässoafton are not.
 *
 * @example
 *   isSwedishHoliday('2026-12-24') // true (julafton)
 *   isSwedishHoliday('2026-04-30') // false (valborgsmässoafton)
 */
export function isSwedishHoliday(day: string): boolean {
  return swedishHolidayDays(calendarDay(day).year).has(day);
}

/**
 * Whether a day is one of the configured weekdays and not a Swedish holiday.
 *
 * @example
 *   isWorkingDay('2026-04-03', DEFAULT_WORKING_TIME) // false (långfredagen)
 *   isWorkingDay('2026-04-07', DEFAULT_WORKING_TIME) // true
 */
export function isWorkingDay(day: string, wt: WorkingTime): boolean {
  assertWorkingTime(wt);
  return wt.days.includes(calendarDay(day).weekday) && (wt.holidays === false || !isSwedishHoliday(day));
}

/**
 * A calendar day some months later; the end of a shorter month is kept (31 August + 6 months: 28 February).
 *
 * @example
 *   addCalendarMonths('2026-08-31', 6) // '2027-02-28'
 */
export function addCalendarMonths(day: string, months: number): string {
  return DateTime.fromISO(day, { zone: 'UTC' }).plus({ months }).toISODate()!;
}

/**
 * The day the wall clock in `timeZone` shows at an instant.
 *
 * @example
 *   localDayOf(new Date('2026-06-18T22:30:00Z'), 'Europe/Stockholm') // '2026-06-19'
 */
export function localDayOf(instant: Date, timeZone: string): string {
  return zoned(instant, timeZone).toISODate()!;
}

/**
 * The instant at which the wall clock in `timeZone` shows `day` `time`. A time the clocks skip moves
 * forward by the gap; a time the clocks pass twice is the earlier instant, so a reminder fires once.
 *
 * @example
 *   wallClockToInstant('2026-03-29', '02:30', 'Europe/Stockholm') // 2026-03-29T01:30:00Z (03:30 local)
 *   wallClockToInstant('2026-10-25', '02:30', 'Europe/Stockholm') // 2026-10-25T00:30:00Z (the first 02:30)
 */
export function wallClockToInstant(day: string, time: string, timeZone: string): Date {
  return wallClockInstants(day, time, timeZone)[0]!;
}

/**
 * Whether an instant falls within working time: on a working day, from the start minute (inclusive)
 * to the end minute (exclusive) of the local wall clock.
 *
 * @example
 *   isWorkingTime(new Date('2026-12-23T15:59:00Z'), DEFAULT_WORKING_TIME) // true (16:59 local)
 *   isWorkingTime(new Date('2026-12-23T16:00:00Z'), DEFAULT_WORKING_TIME) // false (17:00 local)
 */
export function isWorkingTime(instant: Date, wt: WorkingTime): boolean {
  assertWorkingTime(wt);
  const local = zoned(instant, wt.timeZone);
  const minute = local.hour * 60 + local.minute;
  return minute >= wt.startMinute && minute < wt.endMinute && isWorkingDay(local.toISODate()!, wt);
}

/**
 * The first moment at or after `instant` that is working time: the instant itself when it is within
 * working time, the start of today's working hours when it is before them on a working day, else the
 * start of the next working day. Never earlier than `instant`, so nothing due is dropped.
 *
 * @example
 *   nextWorkingTime(new Date('2026-12-18T17:00:00Z'), DEFAULT_WORKING_TIME) // Friday 18:00 → 2026-12-21T07:00:00Z (Monday 08:00)
 */
export function nextWorkingTime(instant: Date, wt: WorkingTime): Date {
  if (isWorkingTime(instant, wt)) return instant;
  const local = zoned(instant, wt.timeZone);
  const today = local.toISODate()!;
  if (local.hour * 60 + local.minute < wt.startMinute && isWorkingDay(today, wt)) {
    // In the hour the clocks go back the start may be shown twice; take the first showing not yet past.
    const start = wallClockInstants(today, formatMinute(wt.startMinute), wt.timeZone).find((at) => at >= instant);
    if (start) return start;
  }
  return startOfWorkingDay(firstWorkingDayAfter(today, wt), wt);
}

/**
 * The day `n` working days after `day` (before it when `n` is negative); `day` itself when `n` is 0.
 *
 * @example
 *   addWorkingDays('2026-04-02', 1, DEFAULT_WORKING_TIME)  // '2026-04-07' (over Easter)
 *   addWorkingDays('2026-04-07', -1, DEFAULT_WORKING_TIME) // '2026-04-02'
 */
export function addWorkingDays(day: string, n: number, wt: WorkingTime): string {
  if (!Number.isInteger(n)) throw new RangeError(`Working days must be a whole number: ${n}`);
  assertWorkingTime(wt);
  calendarDay(day);
  const step = n < 0 ? -1 : 1;
  let current = day;
  for (let remaining = Math.abs(n); remaining > 0; remaining--) {
    let skipped = 0;
    do {
      current = dayAfter(current, step);
      if (++skipped > MAX_DAYS_WITHOUT_WORK) {
        throw new RangeError(`No working day within ${MAX_DAYS_WITHOUT_WORK} days of ${current}: ${JSON.stringify(wt)}`);
      }
    } while (!isWorkingDay(current, wt));
  }
  return current;
}

/**
 * The last working day strictly before `day`.
 *
 * @example
 *   workingDayBefore('2026-12-28', DEFAULT_WORKING_TIME) // '2026-12-23'
 */
export function workingDayBefore(day: string, wt: WorkingTime): string {
  return addWorkingDays(day, -1, wt);
}

/**
 * The first working day strictly after `day`.
 *
 * @example
 *   firstWorkingDayAfter('2026-12-23', DEFAULT_WORKING_TIME) // '2026-12-28'
 */
export function firstWorkingDayAfter(day: string, wt: WorkingTime): string {
  return addWorkingDays(day, 1, wt);
}

/**
 * The instant working hours start on `day` (its start minute on the group's wall clock).
 *
 * @example
 *   startOfWorkingDay('2026-12-21', DEFAULT_WORKING_TIME) // 2026-12-21T07:00:00Z
 */
export function startOfWorkingDay(day: string, wt: WorkingTime): Date {
  assertWorkingTime(wt);
  return wallClockToInstant(day, formatMinute(wt.startMinute), wt.timeZone);
}
