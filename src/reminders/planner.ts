/**
 * Plans reminders in bounded sweeps, a batch at a time, each batch one transaction. The rules of what
 * is reminded and when are in domain/reminders.ts; here is only which rows are read and when.
 *
 * - Agreements, crisis plans and board entries carry `remindersPlan`: the bot plans an agreement's
 *   reminders when it makes or changes it (storage/agreements.ts), and marks a thing 0 when a change
 *   elsewhere moves its reminders (new settings, a new case manager, a review). The sweep takes the
 *   rows below the current plan (those, and rows the bot did not write: an import, a restore, an
 *   upgrade with a new reminder kind) by the index, plans them and marks them, until none is left.
 * - Follow-ups are a queue already: each active one's next unplanned occurrence (`unplannedAt`) within
 *   the horizon, read by a keyset cursor.
 * - The weekly digests and the daily board cards are periodic: each period (a week, a day) walks its
 *   groups or teams once, a batch at a time, from a cursor every process shares (SweepCursor).
 *
 * A row the planner cannot plan (a malformed value, a group gone) is logged by id and skipped; one job's
 * failure never stops the others (the scheduler runs each on its own).
 */
import { boardQuestionDay, DEFAULT_ASK_AFTER_DAYS } from '../domain/board';
import { MEETING_KINDS } from '../domain/follow-ups';
import { nextOccurrence, parseRecurrence } from '../domain/recurrence';
import {
  addDays,
  boardDailyReminders,
  boardQuestionReminder,
  crisisPlanReviewReminder,
  groupDestination,
  recipientDestination,
  mondayOf,
  personalDigestReminder,
  REMINDER_PLANS,
  todayCache,
  utcDay,
  weeklyDigestReminder,
  workingTimeOf,
  type PlannedReminder,
} from '../domain/reminders';
import { addWorkingDays, localDayOf, nextWorkingTime, startOfWorkingDay } from '../domain/working-time';
import type { Db } from '../storage/database';
import {
  advanceSweepCursorSteps,
  agreementsToPlanSteps,
  boardEntriesToPlanSteps,
  crisisPlansToPlanSteps,
  findBoardTeams,
  findDigestGroups,
  findDigestSubscribers,
  markPlannedSteps,
  readSweepCursor,
  remindersOfAgreementRow,
  RowWithoutGroup,
  workingTimeOfRow,
  type PlannedTable,
} from '../storage/planning';
import { planRemindersSteps } from '../storage/reminders';
import { all, run, sqlOf, type SqlWork } from '../storage/sql';

/** Rows per batch: a batch is one short transaction (a few milliseconds on SQLite, where it holds the event loop). */
export const PLAN_BATCH = 100;

export interface PlanOptions {
  now: Date;
  /** Plan occurrences whose time is before now + horizon (follow-ups, digests, board cards). */
  horizonMs: number;
  /** Told about every row that could not be planned (by id: never its content). */
  onSkip?: (entity: string, id: string, error: unknown) => void;
}

/** What one batch did: rows read, reminders planned (inserted or moved), and whether rows are left. */
export interface BatchResult {
  read: number;
  planned: number;
  more: boolean;
}

/**
 * One batch of a marked table: read the rows below the current plan, plan each (a row that fails is
 * skipped and still marked, so it never blocks the sweep), mark them, all in one transaction.
 */
async function planMarkedBatch<Row extends { id: string; remindersPlan: number }>(
  db: Db,
  table: PlannedTable,
  plan: number,
  read: (plan: number, limit: number) => SqlWork<Row[]>,
  remindersOf: (row: Row, today: (timeZone: string) => string) => PlannedReminder[],
  options: PlanOptions,
): Promise<BatchResult> {
  const skipped: Array<{ id: string; error: unknown }> = [];
  const result = await sqlOf(db).transaction(function* () {
    skipped.length = 0;
    const rows = yield* read(plan, PLAN_BATCH);
    const today = todayCache(options.now);
    const planned: PlannedReminder[] = [];
    for (const row of rows) {
      try {
        planned.push(...remindersOf(row, today));
      } catch (error) {
        skipped.push({ id: row.id, error });
      }
    }
    const count = yield* planRemindersSteps(planned, options.now);
    for (const row of rows) yield* markPlannedSteps(table, row.id, row.remindersPlan, plan);
    return { read: rows.length, planned: count, more: rows.length === PLAN_BATCH };
  });
  for (const { id, error } of skipped) options.onSkip?.(table, id, error);
  return result;
}

/**
 * One batch of agreements: their reminders before the due date, overdue and escalated (to the case
 * manager), from today on. Finished agreements are only marked.
 */
export function planAgreementBatch(db: Db, options: PlanOptions): Promise<BatchResult> {
  return planMarkedBatch(db, 'Agreement', REMINDER_PLANS.agreement, agreementsToPlanSteps, remindersOfAgreementRow, options);
}

/** One batch of crisis plans: the review reminder to the case manager (a plan with nothing written has none). */
export function planCrisisPlanBatch(db: Db, options: PlanOptions): Promise<BatchResult> {
  return planMarkedBatch(db, 'CrisisPlan', REMINDER_PLANS.crisisPlan, crisisPlansToPlanSteps, (row, today) => {
    if (row.currentVersion <= 0) return [];
    const wt = workingTimeOfRow(row);
    const caseManager = row.caseManagerId ? { memberId: row.caseManagerId, teamsUserId: row.caseManagerTeamsUserId } : null;
    const reminder = crisisPlanReviewReminder(row, caseManager, { id: row.groupId!, workingTime: wt }, today(wt.timeZone));
    return reminder ? [reminder] : [];
  }, options);
}

/** One batch of board entries: the "can they come off?" question, for a FACT group's current stay. */
export function planBoardEntryBatch(db: Db, options: PlanOptions): Promise<BatchResult> {
  return planMarkedBatch(db, 'BoardEntry', REMINDER_PLANS.boardEntry, boardEntriesToPlanSteps, (row, today) => {
    if (row.removedAt || row.caseManagementModel !== 'FACT') return [];
    const wt = workingTimeOfRow(row);
    const caseManager = row.caseManagerId ? { memberId: row.caseManagerId, teamsUserId: row.caseManagerTeamsUserId } : null;
    const day = boardQuestionDay(row.placedAt, row.askAfterDays ?? DEFAULT_ASK_AFTER_DAYS, wt.timeZone);
    const reminder = boardQuestionReminder(row, day, caseManager, { id: row.groupId!, workingTime: wt }, today(wt.timeZone));
    return reminder ? [reminder] : [];
  }, options);
}

/** A follow-up as the queue reads it. */
interface FollowUpRow {
  id: string;
  groupId: string;
  kind: string;
  startDay: string;
  time: string;
  timeZone: string;
  recurrence: string;
  audience: string;
  audienceMemberIds: string | null;
  unplannedAt: unknown;
  unplannedDay: string | null;
  revision: number;
  groupTimeZone: string | null;
  workDays: string | null;
  workdayStartMinute: number | null;
  workdayEndMinute: number | null;
  observeHolidays: boolean | number | null;
}

/** Where the follow-up queue's keyset is in this pass: the last (unplannedAt as stored, id) read. */
export interface FollowUpCursor {
  at: unknown;
  id: string;
}

/**
 * One batch of follow-ups whose next occurrence is within the horizon, after `cursor` in the queue's
 * order: each occurrence planned (a reminder per recipient, a meeting's agenda the working day before)
 * and the follow-up's planner place moved on, each follow-up in a transaction of its own. Returns the
 * cursor for the next batch of the same pass, undefined at the end.
 */
export async function planFollowUpBatch(db: Db, options: PlanOptions, cursor: FollowUpCursor | undefined): Promise<BatchResult & { cursor?: FollowUpCursor }> {
  const horizon = new Date(options.now.getTime() + options.horizonMs);
  const rows = await sqlOf(db).all<FollowUpRow>(
    'SELECT f."id", f."groupId", f."kind", f."startDay", f."time", f."timeZone", f."recurrence", f."audience", f."audienceMemberIds", f."unplannedAt", f."unplannedDay", f."revision", ' +
      'g."timeZone" AS "groupTimeZone", g."workDays", g."workdayStartMinute", g."workdayEndMinute", g."observeHolidays" ' +
      'FROM "FollowUp" f LEFT JOIN "ResourceGroup" g ON g."id" = f."groupId" ' +
      `WHERE f."status" = 'active' AND f."unplannedAt" <= ? ${cursor ? 'AND (f."unplannedAt" > ? OR (f."unplannedAt" = ? AND f."id" > ?)) ' : ''}` +
      'ORDER BY f."unplannedAt", f."id" LIMIT ?',
    cursor ? [horizon, cursor.at as string, cursor.at as string, cursor.id, PLAN_BATCH] : [horizon, PLAN_BATCH],
  );
  let planned = 0;
  for (const row of rows) {
    try {
      planned += await planOneOccurrence(db, row, options.now);
    } catch (error) {
      options.onSkip?.('FollowUp', row.id, error);
    }
  }
  const last = rows.at(-1);
  const more = rows.length === PLAN_BATCH;
  return { read: rows.length, planned, more, cursor: more && last ? { at: last.unplannedAt, id: last.id } : undefined };
}

/**
 * Plans a follow-up's next unplanned occurrence and moves its planner place on, in one transaction: a
 * process that dies in between leaves the follow-up where it was (a later run plans it), never moved
 * on without its reminder. The move is guarded by the occurrence and the schedule's revision it starts
 * from, so of two processes only one plans it. After a change of the schedule the keys carry its
 * revision, so an occurrence planned (and cancelled) under the old schedule is planned again.
 */
async function planOneOccurrence(db: Db, followUp: FollowUpRow, now: Date): Promise<number> {
  if (!followUp.groupTimeZone || followUp.workDays === null || followUp.workdayStartMinute === null || followUp.workdayEndMinute === null) throw new RowWithoutGroup();
  const wt = workingTimeOf({
    timeZone: followUp.groupTimeZone,
    workDays: followUp.workDays,
    workdayStartMinute: followUp.workdayStartMinute,
    workdayEndMinute: followUp.workdayEndMinute,
    observeHolidays: followUp.observeHolidays === null ? true : Boolean(followUp.observeHolidays),
  });
  const storedAt = followUp.unplannedAt;
  const at = storedAt instanceof Date ? storedAt : new Date(storedAt as string);
  if (Number.isNaN(at.getTime())) throw new RangeError('unplannedAt');
  const day = followUp.unplannedDay ?? localDayOf(at, followUp.timeZone);
  const recurrence = parseRecurrence(followUp.recurrence) ?? { kind: 'once' as const };
  const next = nextOccurrence({ startDay: followUp.startDay, time: followUp.time, timeZone: followUp.timeZone, recurrence }, at);
  // After a change: ':r<revision>' at the end (the day stays the third part, which agendas are read by).
  const revision = followUp.revision > 0 ? `:r${followUp.revision}` : '';
  const recipients: Array<string | undefined> = followUp.audience === 'members' ? audienceOf(followUp.audienceMemberIds) : [undefined];
  const occurrence = (memberId: string | undefined, destination: string): PlannedReminder => ({
    groupId: followUp.groupId,
    kind: 'follow_up',
    occurrenceKey: `follow_up:${followUp.id}:${day}T${followUp.time}${memberId ? `:${memberId}` : ''}${revision}`,
    followUpId: followUp.id,
    memberId,
    destination,
    dueAt: at,
    sendAfter: nextWorkingTime(at, wt),
  });
  const agenda: PlannedReminder[] = [];
  if ((MEETING_KINDS as readonly string[]).includes(followUp.kind)) {
    const agendaAt = startOfWorkingDay(addWorkingDays(day, -1, wt), wt);
    // An agenda whose day has passed already (a meeting planned for tomorrow evening) is still useful today.
    agenda.push({
      groupId: followUp.groupId,
      kind: 'meeting_agenda',
      occurrenceKey: `meeting_agenda:${followUp.id}:${day}${revision}`,
      followUpId: followUp.id,
      destination: groupDestination(followUp.groupId),
      dueAt: agendaAt,
      sendAfter: agendaAt.getTime() < now.getTime() ? nextWorkingTime(now, wt) : agendaAt,
    });
  }
  return sqlOf(db).transaction(function* () {
    const moved = yield* run(
      'UPDATE "FollowUp" SET "unplannedAt" = ?, "unplannedDay" = ?, "updatedAt" = ? WHERE "id" = ? AND "status" = \'active\' AND "unplannedAt" = ? AND "revision" = ?',
      [next?.at ?? null, next?.day ?? null, now, followUp.id, storedAt as string | Date, followUp.revision],
    );
    if (moved !== 1) return 0;
    const planned: PlannedReminder[] = [...agenda];
    for (const memberId of recipients) {
      if (!memberId) {
        planned.push(occurrence(undefined, groupDestination(followUp.groupId)));
        continue;
      }
      // A chosen member is reminded in their personal chat: the person's destination, by their Teams id.
      const [member] = yield* all<{ teamsUserId: string | null }>('SELECT "teamsUserId" FROM "Member" WHERE "id" = ? AND "groupId" = ?', [memberId, followUp.groupId]);
      planned.push(occurrence(memberId, recipientDestination({ memberId, teamsUserId: member?.teamsUserId ?? null })));
    }
    return yield* planRemindersSteps(planned, now);
  });
}

/** The member ids a follow-up reminds; a value that is not a JSON list of ids is refused (the row is skipped). */
function audienceOf(json: string | null): string[] {
  const parsed: unknown = JSON.parse(json ?? '[]');
  if (!Array.isArray(parsed) || !parsed.every((id) => typeof id === 'string')) throw new TypeError('audienceMemberIds');
  return parsed as string[];
}

/**
 * One batch of follow-ups whose coming occurrence has passed and was planned: their coming occurrence
 * becomes the next unplanned one, or, with none left, they are finished. Guarded by the occurrence
 * they move from. By keyset from `cursor`; a follow-up not planned yet waits (and is passed over).
 */
export async function moveOnPassedOccurrences(db: Db, now: Date, cursor: FollowUpCursor | undefined): Promise<BatchResult & { cursor?: FollowUpCursor }> {
  const rows = await sqlOf(db).all<{ id: string; nextAt: unknown; unplannedAt: unknown; unplannedDay: string | null }>(
    'SELECT "id", "nextAt", "unplannedAt", "unplannedDay" FROM "FollowUp" ' +
      `WHERE "status" = 'active' AND "nextAt" <= ? ${cursor ? 'AND ("nextAt" > ? OR ("nextAt" = ? AND "id" > ?)) ' : ''}ORDER BY "nextAt", "id" LIMIT ?`,
    cursor ? [now, cursor.at as string, cursor.at as string, cursor.id, PLAN_BATCH] : [now, PLAN_BATCH],
  );
  const time = (value: unknown) => (value === null || value === undefined ? null : value instanceof Date ? value : new Date(value as string));
  let moved = 0;
  for (const f of rows) {
    const nextAt = time(f.nextAt)!;
    const unplannedAt = time(f.unplannedAt);
    // Not planned yet (its planning failed, or it is beyond the horizon of a stopped clock): it waits.
    if (unplannedAt && unplannedAt.getTime() <= nextAt.getTime()) continue;
    moved += await sqlOf(db).run(
      unplannedAt
        ? 'UPDATE "FollowUp" SET "nextAt" = ?, "nextDay" = ?, "updatedAt" = ? WHERE "id" = ? AND "status" = \'active\' AND "nextAt" = ?'
        : 'UPDATE "FollowUp" SET "nextAt" = NULL, "nextDay" = NULL, "status" = \'finished\', "updatedAt" = ? WHERE "id" = ? AND "status" = \'active\' AND "nextAt" = ?',
      unplannedAt ? [unplannedAt, f.unplannedDay, now, f.id, f.nextAt as string] : [now, f.id, f.nextAt as string],
    );
  }
  const last = rows.at(-1);
  const more = rows.length === PLAN_BATCH;
  return { read: rows.length, planned: moved, more, cursor: more && last ? { at: last.nextAt, id: last.id } : undefined };
}

/**
 * One batch of a periodic sweep: reads the rows after the cursor of the current period (a new period
 * starts again from the beginning), plans them, and moves the cursor, in one transaction.
 */
async function planPeriodicBatch<Row extends { key: string }>(
  db: Db,
  job: string,
  period: string,
  read: (position: string | null) => Promise<Row[]>,
  remindersOf: (row: Row) => PlannedReminder[],
  entity: string,
  idOf: (row: Row) => string,
  options: PlanOptions,
): Promise<BatchResult> {
  const cursor = await readSweepCursor(db, job);
  const position = cursor && cursor.period === period ? cursor.position : null;
  if (cursor && cursor.period > period) return { read: 0, planned: 0, more: false };
  const rows = await read(position);
  const planned: PlannedReminder[] = [];
  for (const row of rows) {
    try {
      planned.push(...remindersOf(row));
    } catch (error) {
      options.onSkip?.(entity, idOf(row), error);
    }
  }
  const last = rows.at(-1);
  const count = await sqlOf(db).transaction(function* () {
    const changed = yield* planRemindersSteps(planned, options.now);
    // The period's start is recorded too, so the next period knows this one began.
    yield* advanceSweepCursorSteps(job, period, last?.key ?? position ?? '', options.now);
    return changed;
  });
  return { read: rows.length, planned: count, more: rows.length === PLAN_BATCH };
}

/** The week the digests are planned for: the Monday of the week `now + horizon` falls in. */
function digestWeek(options: PlanOptions): string {
  return mondayOf(utcDay(new Date(options.now.getTime() + options.horizonMs)));
}

/**
 * One batch of the weekly digests: every group that has it on gets one for the week's first working
 * time (Monday morning, or later when Monday is a holiday), once per week.
 */
export function planWeeklyDigestBatch(db: Db, options: PlanOptions): Promise<BatchResult> {
  const monday = digestWeek(options);
  return planPeriodicBatch(
    db,
    'weekly_digest',
    monday,
    (position) => findDigestGroups(db, position, PLAN_BATCH),
    (row) => {
      const wt = workingTimeOfRow(row);
      const reminder = weeklyDigestReminder({ id: row.groupId!, createdAt: row.createdAt, workingTime: wt }, monday);
      return reminder ? [reminder] : [];
    },
    'ResourceGroup',
    (row) => row.groupId ?? '',
    options,
  );
}

/**
 * One batch of the personal digests ("your agreements this week"): one per person who asked for it
 * and has Teams, across their groups (the key is the person's), in the week's first working time of
 * their first membership's group.
 */
export function planPersonalDigestBatch(db: Db, options: PlanOptions): Promise<BatchResult> {
  const monday = digestWeek(options);
  return planPeriodicBatch(
    db,
    'personal_digest',
    monday,
    (position) => findDigestSubscribers(db, position, PLAN_BATCH),
    (row) => {
      if (row.removedAt || !row.teamsUserId) return [];
      const wt = workingTimeOfRow(row);
      return [personalDigestReminder({ id: row.id, groupId: row.groupId!, aadObjectId: row.aadObjectId, teamsUserId: row.teamsUserId, workingTime: wt }, monday)];
    },
    'Member',
    (row) => row.id,
    options,
  );
}

/**
 * One batch of the daily board cards: each team with a board channel gets its card for today and
 * tomorrow (within the horizon), once per day's sweep.
 */
export function planBoardDailyBatch(db: Db, options: PlanOptions): Promise<BatchResult> {
  const day = utcDay(options.now);
  const horizon = options.now.getTime() + options.horizonMs;
  return planPeriodicBatch(
    db,
    'board_daily',
    day,
    async (position) => (await findBoardTeams(db, position, PLAN_BATCH)).map((team) => ({ ...team, key: team.teamId })),
    (team) => {
      if (!team.channelConversationId || !team.dailyEnabled || !team.anchor) return [];
      const wt = workingTimeOfRow(team.anchor);
      const today = localDayOf(options.now, wt.timeZone);
      return boardDailyReminders(team, { id: team.anchor.groupId, workingTime: wt }, [today, addDays(today, 1)]).filter((r) => r.dueAt.getTime() <= horizon);
    },
    'BoardTeam',
    (team) => team.teamId,
    options,
  );
}

/** planAll's bound on follow-up passes (occurrences per follow-up within the horizon). */
const MAX_FOLLOW_UP_PASSES = 1_000;

/**
 * Plans everything planning can see now, to the end: every batch of every job (for tests and tools;
 * the scheduler runs the jobs a bounded number of batches per tick, see scheduler.ts).
 */
export async function planAll(db: Db, options: PlanOptions): Promise<number> {
  let planned = 0;
  for (const job of [planAgreementBatch, planCrisisPlanBatch, planBoardEntryBatch, planWeeklyDigestBatch, planPersonalDigestBatch, planBoardDailyBatch]) {
    for (let batch = await job(db, options); ; batch = await job(db, options)) {
      planned += batch.planned;
      if (!batch.more) break;
    }
  }
  // A pass plans each follow-up's next occurrence; passes until one plans nothing (a weekly follow-up
  // after weeks down has one occurrence per pass).
  for (let pass = 0, plannedInPass = 1; plannedInPass > 0 && pass < MAX_FOLLOW_UP_PASSES; pass++) {
    plannedInPass = 0;
    for (let cursor: FollowUpCursor | undefined, first = true; first || cursor; first = false) {
      const batch = await planFollowUpBatch(db, options, cursor);
      plannedInPass += batch.planned;
      cursor = batch.cursor;
    }
    planned += plannedInPass;
  }
  for (let cursor: FollowUpCursor | undefined, first = true; first || cursor; first = false) cursor = (await moveOnPassedOccurrences(db, options.now, cursor)).cursor;
  return planned;
}

