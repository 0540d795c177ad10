/**
 * Plans reminders from what the groups have: agreements (before, on the first working day after, and
 * escalated to the case manager), scheduled follow-ups and their meeting agendas, and the weekly
 * digests. Every occurrence is computed from the wall clock in the group's time zone and moved into its
 * working time; it becomes one Reminder row (unique key), so planning is repeatable from any process.
 * Only occurrences within the horizon are planned; later ones are planned by a later run.
 */
import { OPEN_AGREEMENT_STATUSES } from '../domain/agreements';
import { MEETING_KINDS } from '../domain/follow-ups';
import { nextOccurrence, parseRecurrence } from '../domain/recurrence';
import {
  addCalendarMonths,
  addWorkingDays,
  firstWorkingDayAfter,
  isWorkingDay,
  localDayOf,
  nextWorkingTime,
  startOfWorkingDay,
  wallClockToInstant,
  type WorkingTime,
} from '../domain/working-time';
import { boardQuestionDay, DEFAULT_ASK_AFTER_DAYS } from '../domain/board';
import { isoDay } from '../cards/format';
import type { Db } from '../storage/database';
import { boardDestination, groupDestination, memberDestination, planReminders, type PlannedReminder } from '../storage/reminders';


/** The columns a group's working time is read from (workingTimeOf). */
export const WORKING_TIME_COLUMNS = { timeZone: true, workDays: true, workdayStartMinute: true, workdayEndMinute: true, observeHolidays: true } as const;

/** A group's working time from its stored settings. */
export function workingTimeOf(group: { timeZone: string; workDays: string; workdayStartMinute: number; workdayEndMinute: number; observeHolidays?: boolean }): WorkingTime {
  const days = group.workDays
    .split(',')
    .map((d) => Number(d))
    .filter((d) => Number.isInteger(d) && d >= 1 && d <= 7);
  return { timeZone: group.timeZone, days, startMinute: group.workdayStartMinute, endMinute: group.workdayEndMinute, holidays: group.observeHolidays ?? true };
}

const DAY_MS = 86_400_000;

export interface PlanOptions {
  now: Date;
  /** Plan occurrences whose time is before now + horizon. */
  horizonMs: number;
}

/**
 * Agreement reminders: `reminderLeadDays` working days before the due date to the person responsible
 * ("due"), on the first working day after it ("overdue"), and `escalateAfterDays` working days later to
 * the case manager too. The key carries the due date, so a new due date plans new reminders and the
 * old ones are found obsolete when their time comes (scheduler.ts).
 */
export async function planAgreementReminders(db: Db, options: PlanOptions): Promise<number> {
  const { now, horizonMs } = options;
  // Open agreements whose reminders can fall between a month ago and the horizon.
  const agreements = await db.agreement.findMany({
    where: { status: { in: [...OPEN_AGREEMENT_STATUSES] }, dueDate: { gte: new Date(now.getTime() - 31 * DAY_MS), lte: new Date(now.getTime() + horizonMs + 31 * DAY_MS) } },
    select: {
      id: true,
      dueDate: true,
      createdAt: true,
      responsibleMemberId: true,
      group: { select: { id: true, ...WORKING_TIME_COLUMNS, reminderLeadDays: true, escalateAfterDays: true } },
    },
  });
  const caseManagers = await caseManagersOf(db, [...new Set(agreements.map((a) => a.group.id))]);
  const horizon = now.getTime() + horizonMs;
  const planned: PlannedReminder[] = [];
  for (const agreement of agreements) {
    const wt = workingTimeOf(agreement.group);
    const dueDay = isoDay(agreement.dueDate);
    const overdueDay = firstWorkingDayAfter(dueDay, wt);
    const occurrences: Array<{ kind: PlannedReminder['kind']; day: string; memberId: string | undefined }> = [
      { kind: 'agreement_due', day: addWorkingDays(dueDay, -Math.max(1, agreement.group.reminderLeadDays), wt), memberId: agreement.responsibleMemberId },
      { kind: 'agreement_overdue', day: overdueDay, memberId: agreement.responsibleMemberId },
      { kind: 'agreement_escalation', day: addWorkingDays(overdueDay, Math.max(1, agreement.group.escalateAfterDays), wt), memberId: caseManagers.get(agreement.group.id) },
    ];
    for (const occurrence of occurrences) {
      if (!occurrence.memberId) continue;
      const at = startOfWorkingDay(occurrence.day, wt);
      // Not before the agreement existed (a reminder for a day already past when it was made), not yet beyond the horizon.
      if (at.getTime() > horizon || localDayOf(at, wt.timeZone) < localDayOf(agreement.createdAt, wt.timeZone)) continue;
      planned.push({
        groupId: agreement.group.id,
        kind: occurrence.kind,
        occurrenceKey: `${occurrence.kind}:${agreement.id}:${dueDay}`,
        agreementId: agreement.id,
        memberId: occurrence.memberId,
        destination: memberDestination(occurrence.memberId),
        dueAt: at,
        sendAfter: at,
      });
    }
  }
  return planReminders(db, planned);
}

/**
 * Follow-up reminders: each active follow-up's next occurrence within the horizon becomes a reminder
 * (to the channel or to each chosen member), a meeting also an agenda the working day before, and the
 * follow-up's planner place (unplannedAt) moves on to the following occurrence. Its coming occurrence as
 * members see it (nextAt) moves on only once that occurrence has passed, so `uppföljning`, the digest
 * and "snooze to the next meeting" show a meeting planned for tomorrow as tomorrow's; a one-off
 * follow-up is finished then.
 */
export async function planFollowUpReminders(db: Db, options: PlanOptions): Promise<number> {
  const { now, horizonMs } = options;
  const horizon = new Date(now.getTime() + horizonMs);
  let created = 0;
  // Each pass plans one occurrence per follow-up; a follow-up far behind (the bot was down) catches up
  // over a few passes, bounded so one run stays short.
  for (let pass = 0; pass < 8; pass++) {
    const due = await db.followUp.findMany({
      where: { status: 'active', unplannedAt: { lte: horizon } },
      include: { group: { select: { id: true, ...WORKING_TIME_COLUMNS } } },
      take: 500,
    });
    if (due.length === 0) break;
    for (const followUp of due) created += await planOneOccurrence(db, followUp, now);
  }
  await moveOnPassedOccurrences(db, now);
  return created;
}

type FollowUpWithGroup = Awaited<ReturnType<Db['followUp']['findFirstOrThrow']>> & {
  group: { id: string; timeZone: string; workDays: string; workdayStartMinute: number; workdayEndMinute: number };
};

/**
 * Plans a follow-up's next unplanned occurrence and moves its planner place on, in one transaction: a
 * process that dies in between leaves the follow-up where it was (a later run plans it), never moved
 * on without its reminder. The move is guarded by the occurrence and the schedule's revision it starts
 * from, so of two processes only one plans it. After a change of the schedule the keys carry its
 * revision, so an occurrence planned (and cancelled) under the old schedule is planned again.
 */
async function planOneOccurrence(db: Db, followUp: FollowUpWithGroup, now: Date): Promise<number> {
  const wt = workingTimeOf(followUp.group);
  const at = followUp.unplannedAt!;
  const day = followUp.unplannedDay ?? localDayOf(at, followUp.timeZone);
  const recurrence = parseRecurrence(followUp.recurrence) ?? { kind: 'once' as const };
  const next = nextOccurrence({ startDay: followUp.startDay, time: followUp.time, timeZone: followUp.timeZone, recurrence }, at);
  // After a change: ':r<revision>' at the end (the day stays the third part, which agendas are read by).
  const revision = followUp.revision > 0 ? `:r${followUp.revision}` : '';
  const recipients: Array<string | undefined> =
    followUp.audience === 'members' ? (JSON.parse(followUp.audienceMemberIds ?? '[]') as string[]) : [undefined];
  const planned: PlannedReminder[] = recipients.map((memberId) => ({
    groupId: followUp.groupId,
    kind: 'follow_up',
    occurrenceKey: `follow_up:${followUp.id}:${day}T${followUp.time}${memberId ? `:${memberId}` : ''}${revision}`,
    followUpId: followUp.id,
    memberId,
    destination: memberId ? memberDestination(memberId) : groupDestination(followUp.groupId),
    dueAt: at,
    sendAfter: nextWorkingTime(at, wt),
  }));
  if ((MEETING_KINDS as readonly string[]).includes(followUp.kind)) {
    const agendaAt = startOfWorkingDay(addWorkingDays(day, -1, wt), wt);
    // An agenda whose day has passed already (a meeting planned for tomorrow evening) is still useful today.
    planned.push({
      groupId: followUp.groupId,
      kind: 'meeting_agenda',
      occurrenceKey: `meeting_agenda:${followUp.id}:${day}${revision}`,
      followUpId: followUp.id,
      destination: groupDestination(followUp.groupId),
      dueAt: agendaAt,
      sendAfter: agendaAt.getTime() < now.getTime() ? nextWorkingTime(now, wt) : agendaAt,
    });
  }
  return db.$transaction(async (tx) => {
    const moved = await tx.followUp.updateMany({
      where: { id: followUp.id, status: 'active', unplannedAt: at, revision: followUp.revision },
      data: { unplannedAt: next?.at ?? null, unplannedDay: next?.day ?? null },
    });
    return moved.count === 1 ? planReminders(tx as unknown as Db, planned) : 0;
  });
}

/**
 * The follow-ups whose coming occurrence has passed and was planned: their coming occurrence becomes the
 * next unplanned one, or, with none left, they are finished. Guarded by the occurrence they move from.
 */
async function moveOnPassedOccurrences(db: Db, now: Date): Promise<void> {
  const passed = await db.followUp.findMany({
    where: { status: 'active', nextAt: { lte: now } },
    select: { id: true, nextAt: true, unplannedAt: true, unplannedDay: true },
    take: 500,
  });
  for (const f of passed) {
    // Not planned yet (its planning failed, or it is beyond the horizon of a stopped clock): it waits.
    if (f.unplannedAt && f.unplannedAt.getTime() <= f.nextAt!.getTime()) continue;
    await db.followUp.updateMany({
      where: { id: f.id, status: 'active', nextAt: f.nextAt },
      data: f.unplannedAt ? { nextAt: f.unplannedAt, nextDay: f.unplannedDay } : { nextAt: null, nextDay: null, status: 'finished' },
    });
  }
}

/**
 * The weekly digest of every group that has it on: the first working time of the week (Monday
 * morning, or later when Monday is a holiday), one per group and week. And the personal digest of
 * every member who asked for it, one per person and week, across their groups.
 */
export async function planDigests(db: Db, options: PlanOptions): Promise<number> {
  const { now, horizonMs } = options;
  const horizon = now.getTime() + horizonMs;
  const groups = await db.resourceGroup.findMany({
    where: { weeklyDigest: true },
    select: { id: true, createdAt: true, ...WORKING_TIME_COLUMNS },
  });
  const planned: PlannedReminder[] = [];
  const weekStart = (wt: WorkingTime) => {
    const today = localDayOf(now, wt.timeZone);
    const weekday = new Date(`${today}T12:00:00Z`).getUTCDay() || 7;
    const monday = isoDay(new Date(new Date(`${today}T12:00:00Z`).getTime() - (weekday - 1) * DAY_MS));
    return { monday, at: firstWorkingTimeOn(monday, wt) };
  };
  for (const group of groups) {
    const wt = workingTimeOf(group);
    const { monday, at } = weekStart(wt);
    if (at.getTime() > horizon || at.getTime() < group.createdAt.getTime()) continue;
    planned.push({ groupId: group.id, kind: 'weekly_digest', occurrenceKey: `weekly_digest:${group.id}:${monday}`, destination: groupDestination(group.id), dueAt: at, sendAfter: at });
  }
  const subscribers = await db.member.findMany({
    where: { personalDigest: true, removedAt: null, aadObjectId: { not: null }, teamsUserId: { not: null } },
    select: { id: true, aadObjectId: true, groupId: true, group: { select: WORKING_TIME_COLUMNS } },
    orderBy: { createdAt: 'asc' },
  });
  const seen = new Set<string>();
  for (const member of subscribers) {
    if (seen.has(member.aadObjectId!)) continue;
    seen.add(member.aadObjectId!);
    const wt = workingTimeOf(member.group);
    const { monday, at } = weekStart(wt);
    if (at.getTime() > horizon) continue;
    planned.push({
      groupId: member.groupId,
      kind: 'personal_digest',
      occurrenceKey: `personal_digest:${member.aadObjectId}:${monday}`,
      memberId: member.id,
      destination: memberDestination(member.id),
      dueAt: at,
      sendAfter: at,
    });
  }
  return planReminders(db, planned);
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
 * The crisis plan's review reminder: to the case manager, at the start of the first working time on
 * or after the day the review is due. The key carries that day, so a review moves the reminder (the
 * old one is found obsolete when its time comes, reminder-sender.ts).
 */
export async function planCrisisPlanReviews(db: Db, options: PlanOptions): Promise<number> {
  const { now, horizonMs } = options;
  // A review is due a month after the last one at the earliest: plans reviewed more recently wait.
  const latestBase = new Date(now.getTime() + horizonMs - 28 * DAY_MS);
  const plans = await db.crisisPlan.findMany({
    where: { currentVersion: { gt: 0 }, OR: [{ reviewedAt: { lte: latestBase } }, { reviewedAt: null, createdAt: { lte: latestBase } }] },
    select: { id: true, reviewedAt: true, createdAt: true, reviewIntervalMonths: true, group: { select: { id: true, ...WORKING_TIME_COLUMNS } } },
  });
  if (plans.length === 0) return 0;
  const caseManagers = await caseManagersOf(db, plans.map((p) => p.group.id));
  const horizon = now.getTime() + horizonMs;
  const planned: PlannedReminder[] = [];
  for (const plan of plans) {
    const caseManager = caseManagers.get(plan.group.id);
    if (!caseManager) continue;
    const wt = workingTimeOf(plan.group);
    const day = crisisPlanReviewDay(plan, wt.timeZone);
    const at = firstWorkingTimeOn(day, wt);
    if (at.getTime() > horizon) continue;
    planned.push({
      groupId: plan.group.id,
      kind: 'crisis_plan_review',
      occurrenceKey: `crisis_plan_review:${plan.id}:${day}`,
      memberId: caseManager,
      destination: memberDestination(caseManager),
      dueAt: at,
      sendAfter: at,
    });
  }
  return planReminders(db, planned);
}

/** The first working time on or after a day (its start, when the day is a working day), as an instant. */
function firstWorkingTimeOn(day: string, wt: WorkingTime): Date {
  return nextWorkingTime(startOfWorkingDay(day, { ...wt, startMinute: 0 }), wt);
}

/** The current case manager of each group (group id → member id), read once for a planning pass. */
async function caseManagersOf(db: Db, groupIds: string[]): Promise<Map<string, string>> {
  const members = await db.member.findMany({ where: { groupId: { in: groupIds }, isCaseManager: true, removedAt: null }, select: { id: true, groupId: true } });
  return new Map(members.map((m) => [m.groupId, m.id]));
}

/**
 * The FACT board's reminders. The daily board card of every team with a board channel: on each
 * working day (of the team's first FACT group) at the team's time, to `board:<teamId>`, never for a day
 * before the channel was chosen. And the "can they come off?" question to the case manager of each
 * group whose individual has been on the board `askAfterDays` days, at the start of the working day.
 */
export async function planBoardReminders(db: Db, options: PlanOptions): Promise<number> {
  const { now, horizonMs } = options;
  const horizon = now.getTime() + horizonMs;
  const planned: PlannedReminder[] = [];
  const teams = await db.boardTeam.findMany({ where: { dailyEnabled: true, channelConversationId: { not: null } } });
  const anchors = teams.length === 0 ? [] : await db.resourceGroup.findMany({ where: { teamId: { in: teams.map((t) => t.teamId) }, caseManagementModel: 'FACT' }, orderBy: { createdAt: 'asc' }, select: { id: true, teamId: true, ...WORKING_TIME_COLUMNS } });
  for (const team of teams) {
    const anchor = anchors.find((g) => g.teamId === team.teamId);
    if (!anchor) continue;
    const wt = workingTimeOf(anchor);
    const today = localDayOf(now, wt.timeZone);
    for (let i = 0; i * DAY_MS <= horizonMs; i++) {
      const day = isoDay(new Date(new Date(`${today}T12:00:00Z`).getTime() + i * DAY_MS));
      if (!isWorkingDay(day, wt)) continue;
      const at = wallClockToInstant(day, team.dailyTime, wt.timeZone);
      if (at.getTime() > horizon || (team.channelSetAt && at.getTime() < team.channelSetAt.getTime())) continue;
      planned.push({ groupId: anchor.id, kind: 'board_daily', occurrenceKey: `board_daily:${team.teamId}:${day}`, destination: boardDestination(team.teamId), dueAt: at, sendAfter: at });
    }
  }
  const entries = await db.boardEntry.findMany({
    where: { removedAt: null, group: { caseManagementModel: 'FACT' } },
    select: { id: true, placedAt: true, group: { select: { id: true, teamId: true, ...WORKING_TIME_COLUMNS } } },
  });
  if (entries.length > 0) {
    const askAfter = new Map((await db.boardTeam.findMany({ where: { teamId: { in: entries.flatMap((e) => (e.group.teamId ? [e.group.teamId] : [])) } }, select: { teamId: true, askAfterDays: true } })).map((t) => [t.teamId, t.askAfterDays]));
    const caseManagers = await caseManagersOf(db, entries.map((e) => e.group.id));
    for (const entry of entries) {
      const caseManager = caseManagers.get(entry.group.id);
      if (!caseManager) continue;
      const wt = workingTimeOf(entry.group);
      const day = boardQuestionDay(entry.placedAt, (entry.group.teamId ? askAfter.get(entry.group.teamId) : undefined) ?? DEFAULT_ASK_AFTER_DAYS, wt.timeZone);
      const at = firstWorkingTimeOn(day, wt);
      if (at.getTime() > horizon) continue;
      planned.push({
        groupId: entry.group.id,
        kind: 'board_question',
        occurrenceKey: `board_question:${entry.id}:${day}`,
        memberId: caseManager,
        destination: memberDestination(caseManager),
        dueAt: at,
        sendAfter: at,
      });
    }
  }
  return planReminders(db, planned);
}

/** Plans everything due within the horizon; returns how many reminders were new. */
export async function planAll(db: Db, options: PlanOptions): Promise<number> {
  return (
    (await planAgreementReminders(db, options)) +
    (await planFollowUpReminders(db, options)) +
    (await planDigests(db, options)) +
    (await planCrisisPlanReviews(db, options)) +
    (await planBoardReminders(db, options))
  );
}
