/**
 * Recurring reminders as wall-clock rules ("every other Monday at 08:30", "the last Friday of the
 * month"). Occurrences are found day by day on the calendar and only then turned into instants in
 * the group's zone, so a reminder stays at 08:30 local across daylight-saving changes.
 */
import { DateTime } from 'luxon';
import { localDayOf, wallClockToInstant } from './working-time';

export type Recurrence =
  | { kind: 'once' }
  | { kind: 'weekly'; everyWeeks: number /* 1..52 */ }
  | { kind: 'monthly'; nth: 1 | 2 | 3 | 4 | -1 /* -1 = last */; weekday: number /* 1..7 */ };

export interface WallClockSchedule {
  startDay: string;
  time: string;
  timeZone: string;
  recurrence: Recurrence;
}

const MAX_EVERY_WEEKS = 52;
const MONTHLY_NTHS: readonly number[] = [1, 2, 3, 4, -1];

function isValidRecurrence(r: Recurrence): boolean {
  switch (r.kind) {
    case 'once':
      return true;
    case 'weekly':
      return Number.isInteger(r.everyWeeks) && r.everyWeeks >= 1 && r.everyWeeks <= MAX_EVERY_WEEKS;
    case 'monthly':
      return MONTHLY_NTHS.includes(r.nth) && Number.isInteger(r.weekday) && r.weekday >= 1 && r.weekday <= 7;
    default:
      return false;
  }
}

function assertRecurrence(r: Recurrence): void {
  if (!isValidRecurrence(r)) throw new RangeError(`Not a valid recurrence: ${JSON.stringify(r)}`);
}

/**
 * The recurrence in its stored form, or undefined when the text is not exactly one of them.
 *
 * @example
 *   parseRecurrence('weekly:2')     // { kind: 'weekly', everyWeeks: 2 }
 *   parseRecurrence('monthly:1:2')  // { kind: 'monthly', nth: 1, weekday: 2 } (first Tuesday)
 *   parseRecurrence('monthly:-1:5') // { kind: 'monthly', nth: -1, weekday: 5 } (last Friday)
 */
export function parseRecurrence(text: string): Recurrence | undefined {
  if (text === 'once') return { kind: 'once' };
  const weekly = /^weekly:([1-9]\d?)$/.exec(text);
  if (weekly) {
    const recurrence: Recurrence = { kind: 'weekly', everyWeeks: Number(weekly[1]) };
    return isValidRecurrence(recurrence) ? recurrence : undefined;
  }
  const monthly = /^monthly:(-1|[1-4]):([1-7])$/.exec(text);
  if (monthly) return { kind: 'monthly', nth: Number(monthly[1]) as 1 | 2 | 3 | 4 | -1, weekday: Number(monthly[2]) };
  return undefined;
}

/**
 * The stored form of a recurrence (what parseRecurrence reads back).
 *
 * @example
 *   formatRecurrence({ kind: 'monthly', nth: -1, weekday: 5 }) // 'monthly:-1:5'
 */
export function formatRecurrence(r: Recurrence): string {
  assertRecurrence(r);
  switch (r.kind) {
    case 'once':
      return 'once';
    case 'weekly':
      return `weekly:${r.everyWeeks}`;
    case 'monthly':
      return `monthly:${r.nth}:${r.weekday}`;
  }
}

/** A 'YYYY-MM-DD' day as a calendar date (UTC, so calendar steps never meet a DST change). */
function calendarDay(day: string): DateTime {
  return DateTime.fromISO(day, { zone: 'utc' });
}

/** The nth (or, with -1, the last) ISO weekday of the month that `month` lies in, as 'YYYY-MM-DD'. */
function nthWeekdayOfMonth(month: DateTime, nth: 1 | 2 | 3 | 4 | -1, weekday: number): string {
  if (nth === -1) {
    const last = month.endOf('month').startOf('day');
    return last.minus({ days: (last.weekday - weekday + 7) % 7 }).toISODate()!;
  }
  const first = month.startOf('month');
  return first.plus({ days: (weekday - first.weekday + 7) % 7, weeks: nth - 1 }).toISODate()!;
}

/**
 * The first occurrence strictly after `after`, or undefined for a 'once' schedule whose only
 * occurrence is not after it. Weekly: startDay and every `everyWeeks` weeks from it. Monthly: the
 * nth weekday of each month from startDay's month on, none before startDay. Each occurrence is the
 * wall-clock `time` on its day in `timeZone` (see wallClockToInstant for the DST days).
 *
 * @example
 *   const firstTuesday = { startDay: '2026-01-01', time: '08:30', timeZone: 'Europe/Stockholm',
 *     recurrence: { kind: 'monthly', nth: 1, weekday: 2 } } as const;
 *   nextOccurrence(firstTuesday, new Date('2026-01-06T07:30:00Z')) // { day: '2026-02-03', at: 2026-02-03T07:30:00Z }
 */
export function nextOccurrence(schedule: WallClockSchedule, after: Date): { day: string; at: Date } | undefined {
  const { startDay, time, timeZone, recurrence } = schedule;
  assertRecurrence(recurrence);
  // Also checks the day, time and zone before any calendar stepping.
  const atStart = wallClockToInstant(startDay, time, timeZone);
  const afterDay = calendarDay(localDayOf(after, timeZone));
  if (recurrence.kind === 'once') return atStart > after ? { day: startDay, at: atStart } : undefined;

  // Begin a step before the day `after` falls on: any occurrence on an earlier day is already past.
  const start = calendarDay(startDay);
  if (recurrence.kind === 'weekly') {
    const periodDays = 7 * recurrence.everyWeeks;
    const elapsedDays = afterDay.diff(start, 'days').days;
    for (let k = Math.max(0, Math.floor(elapsedDays / periodDays) - 1); ; k++) {
      const day = start.plus({ days: k * periodDays }).toISODate()!;
      const at = wallClockToInstant(day, time, timeZone);
      if (at > after) return { day, at };
    }
  }
  const startMonth = start.startOf('month');
  const monthBeforeAfter = afterDay.startOf('month').minus({ months: 1 });
  for (let month = startMonth > monthBeforeAfter ? startMonth : monthBeforeAfter; ; month = month.plus({ months: 1 })) {
    const day = nthWeekdayOfMonth(month, recurrence.nth, recurrence.weekday);
    if (day < startDay) continue;
    const at = wallClockToInstant(day, time, timeZone);
    if (at > after) return { day, at };
  }
}
