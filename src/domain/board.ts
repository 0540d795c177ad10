/**
 * The FACT board (FACT-tavla): an individual in crisis is put on the board with a reason and the
 * intensified interventions agreed, and taken off with a short note; the team sees who is on it and for
 * how long. Pure rules: the form, days on the board, when the "can they come off?" question is due, and
 * the team's statistics per week.
 */
import { DateTime } from 'luxon';
import type { FieldErrors } from './errors';
import { choiceField, integerField, textField, type Validation } from './forms';

/** Why someone is put on the board: a short list the team recognises, and `other`. */
export const BOARD_REASONS = ['relapse_risk', 'suicide_risk', 'substance_relapse', 'somatic_illness', 'housing_crisis', 'after_discharge', 'other'] as const;
export type BoardReason = (typeof BOARD_REASONS)[number];

export const BOARD_REASON_TEXT_MAX = 300;
export const BOARD_INTERVENTIONS_MAX = 500;
export const BOARD_NOTE_MAX = 300;
/** Days on the board before the case manager is asked whether the individual can come off (default). */
export const DEFAULT_ASK_AFTER_DAYS = 14;
/** How many weeks the statistics cover. */
export const BOARD_STATS_WEEKS = 12;

export interface BoardEntryInput {
  reasonCode: BoardReason;
  /** In the team's words; required when the reason is `other`. */
  reasonText: string | null;
  /** Who visits, how often. */
  interventions: string;
}

/**
 * @example
 *   validateBoardEntryInput({ reasonCode: 'relapse_risk', interventions: 'Hembesök varje dag (Anna)' }) // ok
 */
export function validateBoardEntryInput(data: Record<string, unknown>): Validation<BoardEntryInput> {
  const fieldErrors: FieldErrors = {};
  const reasonCode = choiceField(data.reasonCode, BOARD_REASONS);
  const reasonText = textField(data.reasonText);
  const interventions = textField(data.interventions);
  if (!reasonCode) fieldErrors.reasonCode = 'board.error.reason';
  if (reasonCode === 'other' && !reasonText) fieldErrors.reasonText = 'board.error.reasonText';
  if ([...reasonText].length > BOARD_REASON_TEXT_MAX) fieldErrors.reasonText = 'board.error.tooLong';
  if (!interventions) fieldErrors.interventions = 'board.error.interventions';
  else if ([...interventions].length > BOARD_INTERVENTIONS_MAX) fieldErrors.interventions = 'board.error.tooLong';
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  return { ok: true, value: { reasonCode: reasonCode!, reasonText: reasonText || null, interventions } };
}

/** The note when someone comes off the board: short and required. */
export function validateBoardRemoval(data: Record<string, unknown>): Validation<{ note: string }> {
  const note = textField(data.note);
  if (!note) return { ok: false, fieldErrors: { note: 'board.error.note' } };
  if ([...note].length > BOARD_NOTE_MAX) return { ok: false, fieldErrors: { note: 'board.error.tooLong' } };
  return { ok: true, value: { note } };
}

export interface BoardSettingsInput {
  dailyTime: string;
  dailyEnabled: boolean;
  askAfterDays: number;
}

/** The team's board settings: the daily card's time (HH:mm), on or off, and days before the question. */
export function validateBoardSettings(data: Record<string, unknown>): Validation<BoardSettingsInput> {
  const fieldErrors: FieldErrors = {};
  const dailyTime = textField(data.dailyTime).slice(0, 5);
  const askAfterDays = integerField(data.askAfterDays, 1, 90);
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(dailyTime)) fieldErrors.dailyTime = 'board.error.time';
  if (askAfterDays === undefined) fieldErrors.askAfterDays = 'board.error.askAfterDays';
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  return { ok: true, value: { dailyTime, dailyEnabled: data.dailyEnabled === true || data.dailyEnabled === 'true', askAfterDays: askAfterDays! } };
}

/**
 * Whole calendar days on the board (in the time zone): 0 on the day they were put on it.
 *
 * @example
 *   daysOnBoard(new Date('2026-12-01T09:00:00Z'), new Date('2026-12-03T07:00:00Z'), 'Europe/Stockholm') // 2
 */
export function daysOnBoard(placedAt: Date, until: Date, timeZone: string): number {
  const from = DateTime.fromJSDate(placedAt, { zone: timeZone }).startOf('day');
  const to = DateTime.fromJSDate(until, { zone: timeZone }).startOf('day');
  return Math.max(0, Math.round(to.diff(from, 'days').days));
}

/** The local day the "can they come off?" question is due: `askAfterDays` after they were put on. */
export function boardQuestionDay(placedAt: Date, askAfterDays: number, timeZone: string): string {
  return DateTime.fromJSDate(placedAt, { zone: timeZone }).startOf('day').plus({ days: askAfterDays }).toISODate()!;
}

export interface BoardWeek {
  /** The Monday the week starts on (YYYY-MM-DD) and its ISO week number. */
  monday: string;
  week: number;
  /** How many were on the board at some time that week. */
  count: number;
}

export interface BoardStats {
  weeks: BoardWeek[];
  /** Average whole days on the board of the stays that overlap the period (ongoing ones up to now); null when none. */
  averageDays: number | null;
  /** Stays in the period. */
  stays: number;
}

/**
 * The team's board over the last `weeks` weeks (this week last): how many were on it each week, and
 * the average days on the board.
 *
 * @example
 *   boardStats([{ placedAt, removedAt: null }], now, 'Europe/Stockholm').weeks.at(-1)?.count // 1
 */
export function boardStats(entries: ReadonlyArray<{ placedAt: Date; removedAt: Date | null }>, now: Date, timeZone: string, weeks = BOARD_STATS_WEEKS): BoardStats {
  const thisMonday = DateTime.fromJSDate(now, { zone: timeZone }).startOf('week');
  const start = thisMonday.minus({ weeks: weeks - 1 });
  const result: BoardWeek[] = [];
  for (let i = 0; i < weeks; i++) {
    const from = start.plus({ weeks: i });
    const to = from.plus({ weeks: 1 });
    const count = entries.filter((e) => e.placedAt.getTime() < to.toMillis() && (e.removedAt === null || e.removedAt.getTime() >= from.toMillis())).length;
    result.push({ monday: from.toISODate()!, week: from.weekNumber, count });
  }
  const inPeriod = entries.filter((e) => e.removedAt === null || e.removedAt.getTime() >= start.toMillis());
  const total = inPeriod.reduce((sum, e) => sum + daysOnBoard(e.placedAt, e.removedAt ?? now, timeZone), 0);
  return { weeks: result, averageDays: inPeriod.length === 0 ? null : Math.round((total / inPeriod.length) * 10) / 10, stays: inPeriod.length };
}
