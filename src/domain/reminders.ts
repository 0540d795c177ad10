/**
 * Which reminders a thing has, as pure rules: an agreement's (before its due date, overdue, escalated),
 * a crisis plan's review, the FACT board's question and daily card, the weekly digests. Each occurrence
 * is computed from the wall clock in the group's time zone and its working time; its key is unique, so
 * planning it again (from any process, or after a change) never makes a second one.
 *
 * Planning happens when a thing is made or changed, and in bounded sweeps for what the bot did not
 * write itself (reminders/planner.ts); both call these functions.
 */
import type { ReminderKind } from './follow-ups';
import { addCalendarMonths, addWorkingDays, firstWorkingDayAfter, isWorkingDay, localDayOf, nextWorkingTime, startOfWorkingDay, wallClockToInstant, type WorkingTime } from './working-time';

/** One reminder as planned: its key, where it goes and when. */
export interface PlannedReminder {
  groupId: string;
  kind: ReminderKind;
  occurrenceKey: string;
  agreementId?: string;
  followUpId?: string;
  memberId?: string;
  destination: string;
  dueAt: Date;
  sendAfter: Date;
}

/**
 * Which version of the rules planned a thing's reminders (the `remindersPlan` column). Raising one (a
 * new reminder kind) makes the planning sweep plan every such thing again, a batch at a time; what it
 * planned before stays as it was (same keys). 0 is "not planned".
 */
export const REMINDER_PLANS = { agreement: 1, crisisPlan: 1, boardEntry: 1 } as const;

/** "group:<id>": the group's own conversation. */
export const groupDestination = (groupId: string) => `group:${groupId}`;
/** "user:<Teams user id>": a person's personal chat with the bot, one destination whatever their number of groups. */
export const personDestination = (teamsUserId: string) => `user:${teamsUserId}`;
/** "member:<id>": a member without Teams (such reminders are dropped when their time comes), and rows planned before "user:". */
export const memberDestination = (memberId: string) => `member:${memberId}`;
/** "board:<teamId>": a FACT team's board channel (the daily board card). */
export const boardDestination = (teamId: string) => `board:${teamId}`;

/** Who a reminder goes to: a membership, and the person's Teams id when they have Teams. */
export interface Recipient {
  memberId: string;
  teamsUserId: string | null;
}

/** Where a reminder to a member goes: their personal chat, or nowhere reachable without Teams. */
export function recipientDestination(recipient: Recipient): string {
  return recipient.teamsUserId ? personDestination(recipient.teamsUserId) : memberDestination(recipient.memberId);
}

/** A group's working time from its stored settings. */
export function workingTimeOf(group: { timeZone: string; workDays: string; workdayStartMinute: number; workdayEndMinute: number; observeHolidays?: boolean }): WorkingTime {
  const days = group.workDays
    .split(',')
    .map((d) => Number(d))
    .filter((d) => Number.isInteger(d) && d >= 1 && d <= 7);
  return { timeZone: group.timeZone, days, startMinute: group.workdayStartMinute, endMinute: group.workdayEndMinute, holidays: group.observeHolidays ?? true };
}

/** The first working time on or after a day (its start, when the day is a working day), as an instant. */
export function firstWorkingTimeOn(day: string, wt: WorkingTime): Date {
  return nextWorkingTime(startOfWorkingDay(day, { ...wt, startMinute: 0 }), wt);
}

/** The UTC calendar day of an instant (a due date is stored as that day's UTC midnight). */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The local day in a zone, once per zone and batch. */
export function todayCache(now: Date): (timeZone: string) => string {
  const days = new Map<string, string>();
  return (timeZone) => {
    let day = days.get(timeZone);
    if (day === undefined) days.set(timeZone, (day = localDayOf(now, timeZone)));
    return day;
  };
}

/** A group's settings that agreement reminders depend on. */
export interface AgreementReminderSettings {
  groupId: string;
  workingTime: WorkingTime;
  reminderLeadDays: number;
  escalateAfterDays: number;
}

/**
 * The instants of an agreement's three reminders for a due day, memoised: agreements share few due
 * days and settings, and each computation walks the holiday calendar. Bounded; emptied when full.
 */
const agreementTimes = new Map<string, { dueDay: string; due: number; overdue: number; escalation: number; days: [string, string, string] }>();
const AGREEMENT_TIMES_MAX = 4_096;

function agreementTimesOf(dueDay: string, settings: AgreementReminderSettings) {
  const wt = settings.workingTime;
  const key = `${dueDay}|${wt.timeZone}|${wt.days.join(',')}|${wt.startMinute}|${wt.endMinute}|${wt.holidays !== false}|${settings.reminderLeadDays}|${settings.escalateAfterDays}`;
  let times = agreementTimes.get(key);
  if (!times) {
    const dueReminderDay = addWorkingDays(dueDay, -Math.max(1, settings.reminderLeadDays), wt);
    const overdueDay = firstWorkingDayAfter(dueDay, wt);
    const escalationDay = addWorkingDays(overdueDay, Math.max(1, settings.escalateAfterDays), wt);
    times = {
      dueDay,
      due: startOfWorkingDay(dueReminderDay, wt).getTime(),
      overdue: startOfWorkingDay(overdueDay, wt).getTime(),
      escalation: startOfWorkingDay(escalationDay, wt).getTime(),
      days: [dueReminderDay, overdueDay, escalationDay],
    };
    if (agreementTimes.size >= AGREEMENT_TIMES_MAX) agreementTimes.clear();
    agreementTimes.set(key, times);
  }
  return times;
}

/**
 * An agreement's reminders: `reminderLeadDays` working days before the due date to the person
 * responsible ("due"), on the first working day after it ("overdue"), and `escalateAfterDays` working
 * days later to the case manager ("escalation"), each at the start of that working day. Only those
 * whose day is `today` (the group's local day of planning) or later: a reminder for a day already past
 * when the agreement was made, changed or found by the sweep is not sent late. The key carries the due
 * day, so a new due date makes new reminders (the old ones are found obsolete when their time comes).
 *
 * @example
 *   agreementReminders({ id: 'a1', dueDate: new Date('2026-12-03T00:00:00Z') }, { memberId: 'm1', teamsUserId: '29:anna' }, null, settings, '2026-12-01')
 *   // [{ kind: 'agreement_due', occurrenceKey: 'agreement_due:a1:2026-12-03', destination: 'user:29:anna', sendAfter: 2026-12-02T07:00Z, … }, { kind: 'agreement_overdue', … }]
 */
export function agreementReminders(
  agreement: { id: string; dueDate: Date },
  responsible: Recipient | null,
  caseManager: Recipient | null,
  settings: AgreementReminderSettings,
  today: string,
): PlannedReminder[] {
  const dueDay = utcDay(agreement.dueDate);
  const times = agreementTimesOf(dueDay, settings);
  const occurrences: Array<[ReminderKind, number, string, Recipient | null]> = [
    ['agreement_due', times.due, times.days[0], responsible],
    ['agreement_overdue', times.overdue, times.days[1], responsible],
    ['agreement_escalation', times.escalation, times.days[2], caseManager],
  ];
  const planned: PlannedReminder[] = [];
  for (const [kind, at, day, recipient] of occurrences) {
    if (!recipient || day < today) continue;
    planned.push({
      groupId: settings.groupId,
      kind,
      occurrenceKey: `${kind}:${agreement.id}:${dueDay}`,
      agreementId: agreement.id,
      memberId: recipient.memberId,
      destination: recipientDestination(recipient),
      dueAt: new Date(at),
      sendAfter: new Date(at),
    });
  }
  return planned;
}

/**
 * The day a crisis plan's review with the individual is due: `reviewIntervalMonths` after the last
 * review, or after the plan was first written when it has never been reviewed (local days in the zone).
 *
 * @example
 *   crisisPlanReviewDay({ reviewedAt: null, createdAt: new Date('2026-06-01T10:00:00Z'), reviewIntervalMonths: 6 }, 'Europe/Stockholm') // '2026-12-01'
 */
export function crisisPlanReviewDay(plan: { reviewedAt: Date | null; createdAt: Date; reviewIntervalMonths: number }, timeZone: string): string {
  return addCalendarMonths(localDayOf(plan.reviewedAt ?? plan.createdAt, timeZone), Math.max(1, plan.reviewIntervalMonths));
}

/**
 * A reminder to the case manager about something due on `day` (`subjectId`'s review or question): at the
 * first working time on or after that day, or today when it has passed (it is still due). The key
 * carries the subject and the day, so a new day moves the reminder (the old one is found obsolete when
 * its time comes). None without a case manager.
 */
function caseManagerReminder(
  kind: 'crisis_plan_review' | 'board_question',
  subjectId: string,
  day: string,
  caseManager: Recipient | null,
  group: { id: string; workingTime: WorkingTime },
  today: string,
): PlannedReminder | null {
  if (!caseManager) return null;
  const at = firstWorkingTimeOn(day < today ? today : day, group.workingTime);
  return { groupId: group.id, kind, occurrenceKey: `${kind}:${subjectId}:${day}`, memberId: caseManager.memberId, destination: recipientDestination(caseManager), dueAt: at, sendAfter: at };
}

/** The crisis plan's review reminder to the case manager, on the day the review is due (crisisPlanReviewDay). */
export function crisisPlanReviewReminder(
  plan: { id: string; reviewedAt: Date | null; createdAt: Date; reviewIntervalMonths: number },
  caseManager: Recipient | null,
  group: { id: string; workingTime: WorkingTime },
  today: string,
): PlannedReminder | null {
  return caseManagerReminder('crisis_plan_review', plan.id, crisisPlanReviewDay(plan, group.workingTime.timeZone), caseManager, group, today);
}

/**
 * The "can they come off?" question to the group's case manager, `askAfterDays` after the individual was
 * put on the board (`day`); the key carries the entry, so a new stay asks in its own time.
 */
export function boardQuestionReminder(
  entry: { id: string; placedAt: Date },
  day: string,
  caseManager: Recipient | null,
  group: { id: string; workingTime: WorkingTime },
  today: string,
): PlannedReminder | null {
  return caseManagerReminder('board_question', entry.id, day, caseManager, group, today);
}

const DAY_MS = 86_400_000;

/** The Monday (YYYY-MM-DD) of the week a day is in. */
export function mondayOf(day: string): string {
  const noon = new Date(`${day}T12:00:00Z`);
  const weekday = noon.getUTCDay() || 7;
  return utcDay(new Date(noon.getTime() - (weekday - 1) * DAY_MS));
}

/** A day `n` calendar days after another. */
export function addDays(day: string, n: number): string {
  return utcDay(new Date(new Date(`${day}T12:00:00Z`).getTime() + n * DAY_MS));
}

/**
 * The group's weekly digest for the week starting `monday`: the first working time of that week
 * (Monday morning, or later when Monday is a holiday), to the group's conversation; none for a week
 * that began before the group existed.
 */
export function weeklyDigestReminder(group: { id: string; createdAt: Date; workingTime: WorkingTime }, monday: string): PlannedReminder | null {
  const at = firstWorkingTimeOn(monday, group.workingTime);
  if (at.getTime() < group.createdAt.getTime()) return null;
  return { groupId: group.id, kind: 'weekly_digest', occurrenceKey: `weekly_digest:${group.id}:${monday}`, destination: groupDestination(group.id), dueAt: at, sendAfter: at };
}

/** A person's own weekly digest ("your agreements this week"): one per person and week, across their groups. */
export function personalDigestReminder(member: { id: string; groupId: string; aadObjectId: string; teamsUserId: string; workingTime: WorkingTime }, monday: string): PlannedReminder {
  const at = firstWorkingTimeOn(monday, member.workingTime);
  return {
    groupId: member.groupId,
    kind: 'personal_digest',
    occurrenceKey: `personal_digest:${member.aadObjectId}:${monday}`,
    memberId: member.id,
    destination: personDestination(member.teamsUserId),
    dueAt: at,
    sendAfter: at,
  };
}

/**
 * The daily board card of a team on the days given: on each working day (of the team's first FACT
 * group) at the team's time, to `board:<teamId>`, never for a moment before the channel was chosen.
 */
export function boardDailyReminders(
  team: { teamId: string; dailyTime: string; channelSetAt: Date | null },
  anchor: { id: string; workingTime: WorkingTime },
  days: readonly string[],
): PlannedReminder[] {
  const planned: PlannedReminder[] = [];
  for (const day of days) {
    if (!isWorkingDay(day, anchor.workingTime)) continue;
    const at = wallClockToInstant(day, team.dailyTime, anchor.workingTime.timeZone);
    if (team.channelSetAt && at.getTime() < team.channelSetAt.getTime()) continue;
    planned.push({ groupId: anchor.id, kind: 'board_daily', occurrenceKey: `board_daily:${team.teamId}:${day}`, destination: boardDestination(team.teamId), dueAt: at, sendAfter: at });
  }
  return planned;
}
