/**
 * What the planning sweeps read and mark (reminders/planner.ts), in plain SQL (sql.ts) so that a batch
 * is one transaction that never fails on a key that exists: the things whose reminders are not planned
 * by the current rules (an `remindersPlan` below REMINDER_PLANS, on an index, a batch at a time), and
 * where the periodic sweeps (weekly digests, daily board cards) have got to (SweepCursor).
 *
 * Every read is bounded by its `limit`, ordered by an index, and carries what planning needs (the
 * group's working time, the case manager, the recipients' Teams ids) in the same statement, so a batch
 * costs a fixed number of statements whatever the size of the database.
 */
import { isOpenAgreement } from '../domain/agreements';
import { agreementReminders, REMINDER_PLANS, workingTimeOf, type PlannedReminder } from '../domain/reminders';
import type { WorkingTime } from '../domain/working-time';
import { planRemindersSteps } from './reminders';
import { all, dateOf, dateOrNull, run, sqlOf, type SqlWork } from './sql';
import type { Db } from './database';

/** A group's working-time and reminder settings, as every batch row carries them. */
export interface GroupSettingsRow {
  groupId: string | null;
  timeZone: string | null;
  workDays: string | null;
  workdayStartMinute: number | null;
  workdayEndMinute: number | null;
  observeHolidays: boolean | number | null;
}

const GROUP_SETTINGS = 'g."id" AS "groupId", g."timeZone", g."workDays", g."workdayStartMinute", g."workdayEndMinute", g."observeHolidays"';

/** The group's current case manager and their Teams id (a subquery: at most one row per group). */
const CASE_MANAGER_JOIN =
  'LEFT JOIN "Member" cm ON cm."id" = (SELECT c."id" FROM "Member" c WHERE c."groupId" = g."id" AND c."isCaseManager" = ? AND c."removedAt" IS NULL ORDER BY c."createdAt", c."id" LIMIT 1)';

export interface AgreementToPlan extends GroupSettingsRow {
  id: string;
  remindersPlan: number;
  status: string;
  dueDate: Date;
  responsibleMemberId: string;
  responsibleTeamsUserId: string | null;
  caseManagerId: string | null;
  caseManagerTeamsUserId: string | null;
  reminderLeadDays: number | null;
  escalateAfterDays: number | null;
}

const AGREEMENT_TO_PLAN =
  `SELECT a."id", a."remindersPlan", a."status", a."dueDate", a."responsibleMemberId", r."teamsUserId" AS "responsibleTeamsUserId", ` +
  `cm."id" AS "caseManagerId", cm."teamsUserId" AS "caseManagerTeamsUserId", ${GROUP_SETTINGS}, g."reminderLeadDays", g."escalateAfterDays" ` +
  'FROM "Agreement" a LEFT JOIN "ResourceGroup" g ON g."id" = a."groupId" LEFT JOIN "Member" r ON r."id" = a."responsibleMemberId" ' +
  CASE_MANAGER_JOIN;

/** Inside a batch's transaction: up to `limit` agreements not planned by plan `plan`, by (remindersPlan, id). */
export function* agreementsToPlanSteps(plan: number, limit: number): SqlWork<AgreementToPlan[]> {
  const rows = yield* all<AgreementToPlan>(`${AGREEMENT_TO_PLAN} WHERE a."remindersPlan" < ? ORDER BY a."remindersPlan", a."id" LIMIT ?`, [true, plan, limit]);
  return rows.map((row) => ({ ...row, dueDate: dateOf(row.dueDate) }));
}

/** A row the bot did not write, whose group is gone: logged by id and skipped. */
export class RowWithoutGroup extends Error {
  override name = 'RowWithoutGroup';
  readonly code = 'no_group';
}

/** A group's working time from a batch row; throws RowWithoutGroup when the row has none. */
export function workingTimeOfRow(row: GroupSettingsRow): WorkingTime {
  if (!row.groupId || !row.timeZone || row.workDays === null || row.workdayStartMinute === null || row.workdayEndMinute === null) throw new RowWithoutGroup();
  return workingTimeOf({
    timeZone: row.timeZone,
    workDays: row.workDays,
    workdayStartMinute: row.workdayStartMinute,
    workdayEndMinute: row.workdayEndMinute,
    observeHolidays: row.observeHolidays === null ? true : Boolean(row.observeHolidays),
  });
}

/** An agreement's reminders from its planning row, from `today(zone)` on; none when it is finished. Throws for a row that cannot be planned. */
export function remindersOfAgreementRow(row: AgreementToPlan, today: (timeZone: string) => string): PlannedReminder[] {
  if (!isOpenAgreement(row.status)) return [];
  const wt = workingTimeOfRow(row);
  if (Number.isNaN(row.dueDate.getTime())) throw new RangeError('dueDate');
  return agreementReminders(
    { id: row.id, dueDate: row.dueDate },
    { memberId: row.responsibleMemberId, teamsUserId: row.responsibleTeamsUserId },
    row.caseManagerId ? { memberId: row.caseManagerId, teamsUserId: row.caseManagerTeamsUserId } : null,
    { groupId: row.groupId!, workingTime: wt, reminderLeadDays: row.reminderLeadDays ?? 1, escalateAfterDays: row.escalateAfterDays ?? 3 },
    today(wt.timeZone),
  );
}

/**
 * Inside the transaction that makes or changes an agreement: plans its reminders as it is now (a new
 * due date: new reminders; another person responsible: the pending ones move to them) and marks it
 * planned, so the sweep passes it by.
 */
export function* planAgreementSteps(agreementId: string, now: Date, today: (timeZone: string) => string): SqlWork<number> {
  const [row] = yield* all<AgreementToPlan>(`${AGREEMENT_TO_PLAN} WHERE a."id" = ?`, [true, agreementId]);
  if (!row) return 0;
  const planned = yield* planRemindersSteps(remindersOfAgreementRow({ ...row, dueDate: dateOf(row.dueDate) }, today), now);
  yield* markPlannedSteps('Agreement', row.id, row.remindersPlan, REMINDER_PLANS.agreement);
  return planned;
}

export interface CrisisPlanToPlan extends GroupSettingsRow {
  id: string;
  remindersPlan: number;
  currentVersion: number;
  reviewedAt: Date | null;
  createdAt: Date;
  reviewIntervalMonths: number;
  caseManagerId: string | null;
  caseManagerTeamsUserId: string | null;
}

/** Inside a batch's transaction: up to `limit` crisis plans whose review reminder is not planned by plan `plan`. */
export function* crisisPlansToPlanSteps(plan: number, limit: number): SqlWork<CrisisPlanToPlan[]> {
  const rows = yield* all<CrisisPlanToPlan>(
    'SELECT p."id", p."remindersPlan", p."currentVersion", p."reviewedAt", p."createdAt", p."reviewIntervalMonths", ' +
      `cm."id" AS "caseManagerId", cm."teamsUserId" AS "caseManagerTeamsUserId", ${GROUP_SETTINGS} ` +
      `FROM "CrisisPlan" p LEFT JOIN "ResourceGroup" g ON g."id" = p."groupId" ${CASE_MANAGER_JOIN} ` +
      'WHERE p."remindersPlan" < ? ORDER BY p."remindersPlan", p."id" LIMIT ?',
    [true, plan, limit],
  );
  return rows.map((row) => ({ ...row, reviewedAt: dateOrNull(row.reviewedAt), createdAt: dateOf(row.createdAt) }));
}

export interface BoardEntryToPlan extends GroupSettingsRow {
  id: string;
  remindersPlan: number;
  placedAt: Date;
  removedAt: Date | null;
  caseManagementModel: string | null;
  askAfterDays: number | null;
  caseManagerId: string | null;
  caseManagerTeamsUserId: string | null;
}

/** Inside a batch's transaction: up to `limit` board entries whose question is not planned by plan `plan`. */
export function* boardEntriesToPlanSteps(plan: number, limit: number): SqlWork<BoardEntryToPlan[]> {
  const rows = yield* all<BoardEntryToPlan>(
    'SELECT e."id", e."remindersPlan", e."placedAt", e."removedAt", g."caseManagementModel", t."askAfterDays", ' +
      `cm."id" AS "caseManagerId", cm."teamsUserId" AS "caseManagerTeamsUserId", ${GROUP_SETTINGS} ` +
      'FROM "BoardEntry" e LEFT JOIN "ResourceGroup" g ON g."id" = e."groupId" LEFT JOIN "BoardTeam" t ON t."teamId" = g."teamId" ' +
      `${CASE_MANAGER_JOIN} WHERE e."remindersPlan" < ? ORDER BY e."remindersPlan", e."id" LIMIT ?`,
    [true, plan, limit],
  );
  return rows.map((row) => ({ ...row, placedAt: dateOf(row.placedAt), removedAt: dateOrNull(row.removedAt) }));
}

/** The tables whose rows carry a `remindersPlan`. */
export type PlannedTable = 'Agreement' | 'CrisisPlan' | 'BoardEntry';

/**
 * Inside a batch's transaction: records that a row's reminders are planned by `plan`, unless the row
 * was marked again since it was read (a change asked for planning anew: the next batch takes it).
 */
export function* markPlannedSteps(table: PlannedTable, id: string, readPlan: number, plan: number): SqlWork<number> {
  return yield* run(`UPDATE "${table}" SET "remindersPlan" = ? WHERE "id" = ? AND "remindersPlan" = ?`, [plan, id, readPlan]);
}

/** How many rows of a table wait for planning, counted up to `cap` (for the scheduler's log line). */
export async function countUnplanned(db: Db, table: PlannedTable, plan: number, cap: number): Promise<number> {
  const [row] = await sqlOf(db).all<{ n: number | string }>(`SELECT COUNT(*) AS "n" FROM (SELECT 1 FROM "${table}" WHERE "remindersPlan" < ? LIMIT ?) AS "unplanned"`, [plan, cap]);
  return Number(row?.n ?? 0);
}

/** Where a periodic sweep has got to in its period: null position at the start of a period. */
export interface SweepPosition {
  period: string;
  position: string | null;
}

/** The sweep's place, or null when it never ran. */
export async function readSweepCursor(db: Db, job: string): Promise<SweepPosition | null> {
  const [row] = await sqlOf(db).all<SweepPosition>('SELECT "period", "position" FROM "SweepCursor" WHERE "job" = ?', [job]);
  return row ?? null;
}

/**
 * Inside a batch's transaction: moves the sweep's place forward, never back: a later period, or a
 * later position in the same period (another process may have gone further meanwhile).
 */
export function* advanceSweepCursorSteps(job: string, period: string, position: string, now: Date): SqlWork<number> {
  return yield* run(
    'INSERT INTO "SweepCursor" ("job", "period", "position", "updatedAt") VALUES (?, ?, ?, ?) ' +
      'ON CONFLICT ("job") DO UPDATE SET "period" = excluded."period", "position" = excluded."position", "updatedAt" = excluded."updatedAt" ' +
      'WHERE excluded."period" > "SweepCursor"."period" OR (excluded."period" = "SweepCursor"."period" AND ("SweepCursor"."position" IS NULL OR excluded."position" > "SweepCursor"."position"))',
    [job, period, position, now],
  );
}

export interface DigestGroupRow extends GroupSettingsRow {
  createdAt: Date;
  /** The keyset position: createdAt as stored, and id. */
  key: string;
}

/**
 * A stored DateTime as the keyset compares it: the text SQLite holds (rows written straight into the
 * table may hold another format than Prisma's, and the index orders the text), or the instant
 * PostgreSQL holds.
 */
function storedTime(value: unknown): string {
  return value instanceof Date ? value.toISOString() : String(value);
}

/** Up to `limit` groups with the weekly digest on, after `position`, in the order they were made. */
export async function findDigestGroups(db: Db, position: string | null, limit: number): Promise<DigestGroupRow[]> {
  const separator = position?.indexOf('|') ?? -1;
  const afterAt = position && separator >= 0 ? position.slice(0, separator) : '';
  const afterId = position && separator >= 0 ? position.slice(separator + 1) : '';
  const sql = sqlOf(db);
  const rows = await sql.all<DigestGroupRow & { storedCreatedAt: unknown }>(
    `SELECT ${GROUP_SETTINGS}, g."createdAt" AS "storedCreatedAt" FROM "ResourceGroup" g WHERE g."weeklyDigest" = ? ` +
      (position ? 'AND (g."createdAt" > ? OR (g."createdAt" = ? AND g."id" > ?)) ' : '') +
      'ORDER BY g."createdAt", g."id" LIMIT ?',
    position ? [true, afterAt, afterAt, afterId, limit] : [true, limit],
  );
  return rows.map(({ storedCreatedAt, ...row }) => ({ ...row, createdAt: dateOf(storedCreatedAt), key: `${storedTime(storedCreatedAt)}|${row.groupId}` }));
}

export interface DigestSubscriberRow extends GroupSettingsRow {
  id: string;
  aadObjectId: string;
  teamsUserId: string | null;
  removedAt: unknown;
  /** The keyset position: aadObjectId and id. */
  key: string;
}

/**
 * Up to `limit` memberships of people who asked for their personal digest, after `position`, by
 * person: the first membership of a person plans their digest (its key is the person's).
 */
export async function findDigestSubscribers(db: Db, position: string | null, limit: number): Promise<DigestSubscriberRow[]> {
  const [afterAad, afterId] = position ? (position.split('|') as [string, string]) : ['', ''];
  const rows = await sqlOf(db).all<DigestSubscriberRow>(
    `SELECT m."id", m."aadObjectId", m."teamsUserId", m."removedAt", ${GROUP_SETTINGS} FROM "Member" m LEFT JOIN "ResourceGroup" g ON g."id" = m."groupId" ` +
      'WHERE m."personalDigest" = ? AND m."aadObjectId" IS NOT NULL AND (m."aadObjectId" > ? OR (m."aadObjectId" = ? AND m."id" > ?)) ' +
      'ORDER BY m."aadObjectId", m."id" LIMIT ?',
    [true, afterAad, afterAad, afterId, limit],
  );
  return rows.map((row) => ({ ...row, key: `${row.aadObjectId}|${row.id}` }));
}

export interface BoardTeamRow {
  teamId: string;
  dailyTime: string;
  dailyEnabled: boolean | number;
  channelConversationId: string | null;
  channelSetAt: Date | null;
  anchor: (GroupSettingsRow & { groupId: string }) | null;
}

/** Up to `limit` FACT teams after `position` (by team id), each with its first FACT group (whose working time the board keeps). */
export async function findBoardTeams(db: Db, position: string | null, limit: number): Promise<BoardTeamRow[]> {
  const rows = await sqlOf(db).all<Omit<BoardTeamRow, 'anchor'> & GroupSettingsRow>(
    `SELECT t."teamId", t."dailyTime", t."dailyEnabled", t."channelConversationId", t."channelSetAt", ${GROUP_SETTINGS} FROM "BoardTeam" t ` +
      'LEFT JOIN "ResourceGroup" g ON g."id" = (SELECT f."id" FROM "ResourceGroup" f WHERE f."teamId" = t."teamId" AND f."caseManagementModel" = \'FACT\' ORDER BY f."createdAt", f."id" LIMIT 1) ' +
      'WHERE t."teamId" > ? ORDER BY t."teamId" LIMIT ?',
    [position ?? '', limit],
  );
  return rows.map(({ groupId, timeZone, workDays, workdayStartMinute, workdayEndMinute, observeHolidays, ...team }) => ({
    ...team,
    channelSetAt: dateOrNull(team.channelSetAt),
    anchor: groupId ? { groupId, timeZone, workDays, workdayStartMinute, workdayEndMinute, observeHolidays } : null,
  }));
}

/** A Prisma client or an interactive transaction client (raw statements only). */
type RawClient = Pick<Db, '$executeRaw'>;

/**
 * Inside a change's transaction: asks the planning sweep to plan a group's reminders anew, because
 * their times or recipient moved (new reminder settings or working time, a new case manager). Its
 * agreements' `updatedAt` is left alone (they did not change: the agenda reads "changed since" by it).
 */
export async function markGroupForReplanning(tx: RawClient, groupId: string): Promise<void> {
  await tx.$executeRaw`UPDATE "Agreement" SET "remindersPlan" = 0 WHERE "groupId" = ${groupId} AND "status" IN ('proposed', 'accepted', 'declined')`;
  await tx.$executeRaw`UPDATE "CrisisPlan" SET "remindersPlan" = 0 WHERE "groupId" = ${groupId}`;
  await tx.$executeRaw`UPDATE "BoardEntry" SET "remindersPlan" = 0 WHERE "groupId" = ${groupId} AND "removedAt" IS NULL`;
}

/**
 * Inside a change's transaction: a periodic sweep (weekly_digest, personal_digest, board_daily) starts
 * its period again, so a setting changed after the sweep passed its row applies in this period too
 * (what it planned already is planned again under the same keys, moved where the time changed).
 */
export async function restartSweep(tx: RawClient, job: 'weekly_digest' | 'personal_digest' | 'board_daily'): Promise<void> {
  await tx.$executeRaw`DELETE FROM "SweepCursor" WHERE "job" = ${job}`;
}

/** Inside a change's transaction: the current board entries of a team's groups are planned anew (new board settings). */
export async function markTeamBoardForReplanning(tx: RawClient, teamId: string): Promise<void> {
  await tx.$executeRaw`UPDATE "BoardEntry" SET "remindersPlan" = 0 WHERE "removedAt" IS NULL AND "groupId" IN (SELECT "id" FROM "ResourceGroup" WHERE "teamId" = ${teamId})`;
}
