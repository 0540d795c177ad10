/**
 * Follow-ups (uppföljning): what kind, when (a wall-clock day and time in the group's time zone), one-off
 * or recurring (every N weeks, or monthly on a weekday such as "the first Tuesday"), and who is reminded.
 * Pure rules: validation of the form and the recurrence choices it offers.
 */
import type { FieldErrors } from './errors';
import { choiceField, textField, type Validation } from './forms';
import { nextOccurrence, type Recurrence } from './recurrence';

export const FOLLOW_UP_KINDS = ['plan_follow_up', 'sip_meeting', 'goal_evaluation', 'crisis_plan_review', 'group_meeting'] as const;
export type FollowUpKind = (typeof FOLLOW_UP_KINDS)[number];

/** What a reminder is about: agreements (before, overdue, escalated), follow-ups, agendas, digests. */
export type ReminderKind =
  | 'agreement_due'
  | 'agreement_overdue'
  | 'agreement_escalation'
  | 'follow_up'
  | 'meeting_agenda'
  | 'weekly_digest'
  | 'personal_digest'
  | 'crisis_plan_review'
  | 'board_daily'
  | 'board_question';

/** The meetings: they get an agenda the working day before, and "to the next meeting" snoozes to them. */
export const MEETING_KINDS: readonly FollowUpKind[] = ['sip_meeting', 'group_meeting'];

/** The repeat choices the form offers: once, every 1, 2, 4 weeks, or monthly on the start day's weekday. */
export const REPEAT_CHOICES = ['once', 'weekly:1', 'weekly:2', 'weekly:4', 'monthly'] as const;

export interface FollowUpInput {
  kind: FollowUpKind;
  startDay: string;
  time: string;
  recurrence: Recurrence;
  /** Empty: the group's conversation. */
  memberIds: string[];
}

/**
 * The monthly rule a start day implies: its weekday, and which one of the month it is (the fifth
 * becomes "the last").
 *
 * @example
 *   monthlyRuleOf('2026-12-01') // { kind: 'monthly', nth: 1, weekday: 2 } (the first Tuesday)
 */
export function monthlyRuleOf(day: string): Recurrence {
  const date = new Date(`${day}T12:00:00Z`);
  const nth = Math.ceil(date.getUTCDate() / 7);
  return { kind: 'monthly', nth: nth >= 5 ? -1 : (nth as 1 | 2 | 3 | 4), weekday: date.getUTCDay() || 7 };
}

/**
 * Validates the follow-up form. `allowedMemberIds` are the group's members who can be reminded; the first
 * occurrence must lie after `now` in the group's time zone.
 *
 * @example
 *   validateFollowUpInput({ kind: 'sip_meeting', day: '2026-12-01', time: '09:00', repeat: 'monthly' }, ids, now, 'Europe/Stockholm')
 */
export function validateFollowUpInput(data: Record<string, unknown>, allowedMemberIds: readonly string[], now: Date, timeZone: string): Validation<FollowUpInput> {
  const fieldErrors: FieldErrors = {};
  const kind = choiceField(data.kind, FOLLOW_UP_KINDS);
  if (!kind) fieldErrors.kind = 'followUp.error.kindRequired';
  const startDay = textField(data.day);
  const dayValid = /^\d{4}-\d{2}-\d{2}$/.test(startDay) && !Number.isNaN(new Date(`${startDay}T00:00:00Z`).getTime());
  if (!dayValid) fieldErrors.day = startDay ? 'plan.error.dateInvalid' : 'plan.error.dateRequired';
  const time = textField(data.time).slice(0, 5);
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) fieldErrors.time = 'followUp.error.timeRequired';
  const repeat = choiceField(data.repeat, REPEAT_CHOICES) ?? 'once';
  const memberIds = [...new Set(textField(data.members).split(',').map((id) => id.trim()).filter(Boolean))];
  if (memberIds.some((id) => !allowedMemberIds.includes(id))) fieldErrors.members = 'followUp.error.members';
  if (Object.keys(fieldErrors).length > 0 || !kind) return { ok: false, fieldErrors };
  const recurrence: Recurrence = repeat === 'monthly' ? monthlyRuleOf(startDay) : repeat === 'once' ? { kind: 'once' } : { kind: 'weekly', everyWeeks: Number(repeat.split(':')[1]) };
  // The first occurrence must still be ahead: a past start is most likely a typing mistake.
  const first = nextOccurrence({ startDay, time, timeZone, recurrence }, new Date(now.getTime() - 1));
  if (!first || first.day !== startDay) return { ok: false, fieldErrors: { day: 'followUp.error.past' } };
  return { ok: true, value: { kind, startDay, time, recurrence, memberIds } };
}

/** A group's reminder settings as the case manager sets them. */
export interface ReminderSettings {
  workDays: number[];
  workdayStartMinute: number;
  workdayEndMinute: number;
  observeHolidays: boolean;
  weeklyDigest: boolean;
  reminderLeadDays: number;
  escalateAfterDays: number;
}

const minuteOf = (time: string): number | undefined => {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time.slice(0, 5));
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
};

/**
 * Validates the reminder settings form: working days, a working day's start before its end, the two
 * numbers of working days within their bounds.
 *
 * @example
 *   validateReminderSettings({ workDays: '1,2,3,4,5', start: '08:00', end: '17:00', leadDays: '1', escalateDays: '3' })
 */
export function validateReminderSettings(data: Record<string, unknown>): Validation<ReminderSettings> {
  const fieldErrors: FieldErrors = {};
  const workDays = [...new Set(textField(data.workDays).split(',').map(Number))].filter((d) => Number.isInteger(d) && d >= 1 && d <= 7).sort();
  if (workDays.length === 0) fieldErrors.workDays = 'settings.error.workDays';
  const start = minuteOf(textField(data.start));
  // 24:00 cannot be typed: an end of 23:59 means "until midnight".
  const endRaw = minuteOf(textField(data.end));
  const end = endRaw === 23 * 60 + 59 ? 1440 : endRaw;
  if (start === undefined || end === undefined || start >= end) fieldErrors.end = 'settings.error.hours';
  const leadDays = Number(textField(data.leadDays) || '1');
  const escalateDays = Number(textField(data.escalateDays) || '3');
  if (!Number.isInteger(leadDays) || leadDays < 1 || leadDays > 10 || !Number.isInteger(escalateDays) || escalateDays < 1 || escalateDays > 20) fieldErrors.days = 'settings.error.days';
  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  return {
    ok: true,
    value: {
      workDays,
      workdayStartMinute: start!,
      workdayEndMinute: end!,
      observeHolidays: textField(data.observeHolidays) !== 'false',
      weeklyDigest: textField(data.weeklyDigest) !== 'false',
      reminderLeadDays: leadDays,
      escalateAfterDays: escalateDays,
    },
  };
}
