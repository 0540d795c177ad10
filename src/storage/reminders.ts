/**
 * Due reminders as an outbox in the database: planned once per occurrence (a unique key), claimed by
 * one process at a time under a lease, and settled with their outcome. A destination (a group's
 * conversation or a member's personal chat) is sent to by one process at a time (SendLease), so Teams'
 * per-conversation limits hold however many instances run. A process that dies leaves leases that
 * expire; another process takes the work over. The outbox's hot statements are plain SQL (sql.ts),
 * portable between both databases: guarded updates, an upsert and RETURNING.
 */
import { randomUUID } from 'node:crypto';
import type { PlannedReminder } from '../domain/reminders';
import type { Db } from './database';
import { boardDestination, groupDestination, personDestination } from '../domain/reminders';
import { appendAuditSteps, type AuditEntry } from './audit';
import { dateOf, dateOrNull, run, sqlOf, type SqlValue, type SqlWork } from './sql';

export type { PlannedReminder } from '../domain/reminders';
export { boardDestination, groupDestination, memberDestination, personDestination } from '../domain/reminders';

export type ReminderRow = NonNullable<Awaited<ReturnType<Db['reminder']['findFirst']>>>;

const PLAN_COLUMNS = ['id', 'groupId', 'kind', 'occurrenceKey', 'agreementId', 'followUpId', 'memberId', 'destination', 'dueAt', 'sendAfter', 'status', 'attempts', 'createdAt', 'updatedAt'] as const;
/** Rows per planning statement: a fixed size (and one row for the rest), so each text is prepared once. */
const PLAN_CHUNK = 25;

/**
 * Inserts reminders, or moves a pending one whose time or recipient changed (new settings, a new case
 * manager, an agreement given to someone else); one that was sent, cancelled or snoozed is left as it
 * is, and a deferral (outside working time, 429, unreachable) keeps its wait unless the reminder's own
 * time moved. Never fails on a key that exists (ON CONFLICT), so it can run inside any transaction,
 * also on PostgreSQL, where a failed statement would abort the whole transaction.
 */
function planText(rows: number): string {
  const values = Array.from({ length: rows }, () => `(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`).join(', ');
  return (
    `INSERT INTO "Reminder" (${PLAN_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES ${values} ` +
    'ON CONFLICT ("occurrenceKey") DO UPDATE SET "dueAt" = excluded."dueAt", "sendAfter" = excluded."sendAfter", "memberId" = excluded."memberId", ' +
    '"destination" = excluded."destination", "updatedAt" = excluded."updatedAt" ' +
    'WHERE "Reminder"."status" = \'pending\' AND ("Reminder"."dueAt" <> excluded."dueAt" OR "Reminder"."destination" <> excluded."destination")'
  );
}

function planParams(planned: readonly PlannedReminder[], now: Date): SqlValue[] {
  return planned.flatMap((p) => [randomUUID(), p.groupId, p.kind, p.occurrenceKey, p.agreementId ?? null, p.followUpId ?? null, p.memberId ?? null, p.destination, p.dueAt, p.sendAfter, now, now]);
}

/**
 * Plans reminders inside a plain-SQL transaction (Sql.transaction): inserts those that do not exist
 * yet (by occurrence key) and moves pending ones whose time or recipient changed. Returns how many
 * rows it inserted or moved. Planning the same occurrence again, from any process, never makes a second row.
 */
export function* planRemindersSteps(planned: readonly PlannedReminder[], now: Date): SqlWork<number> {
  // One statement may not touch a key twice (PostgreSQL refuses): the last plan of a key counts.
  const unique = [...new Map(planned.map((p) => [p.occurrenceKey, p])).values()];
  let changed = 0;
  let i = 0;
  for (; i + PLAN_CHUNK <= unique.length; i += PLAN_CHUNK) changed += yield* run(planText(PLAN_CHUNK), planParams(unique.slice(i, i + PLAN_CHUNK), now));
  for (; i < unique.length; i++) changed += yield* run(planText(1), planParams([unique[i]!], now));
  return changed;
}

/**
 * planRemindersSteps as a transaction of its own.
 *
 * @example
 *   await planReminders(db, [weeklyDigestReminder(group, '2026-12-07')!], now);
 */
export function planReminders(db: Db, planned: readonly PlannedReminder[], now: Date = new Date()): Promise<number> {
  if (planned.length === 0) return Promise.resolve(0);
  return sqlOf(db).transaction(() => planRemindersSteps(planned, now));
}

/** Inside an agreement's change: its reminders not yet sent end (it is done, declined or cancelled). */
export function* cancelAgreementRemindersSteps(agreementId: string, now: Date): SqlWork<number> {
  return yield* run('UPDATE "Reminder" SET "status" = \'cancelled\', "outcome" = \'obsolete\', "updatedAt" = ? WHERE "agreementId" = ? AND "status" = \'pending\'', [now, agreementId]);
}

/** How many due reminders findDueDestinations looks at: the oldest, so the work per tick is bounded however many wait. */
const DUE_WINDOW = 2_000;

/**
 * Destinations with reminders to send now, oldest first, at most `limit`: from the oldest due
 * reminders only (DUE_WINDOW of them, on the index), so a backlog of any size costs the same, and
 * claims whose process died (lease expired).
 */
export async function findDueDestinations(db: Db, now: Date, limit: number): Promise<string[]> {
  const sql = sqlOf(db);
  const [due, abandoned] = await Promise.all([
    sql.all<{ destination: string }>(
      'SELECT "destination", MIN("sendAfter") AS "first" FROM ' +
        '(SELECT "destination", "sendAfter" FROM "Reminder" WHERE "status" = \'pending\' AND "sendAfter" <= ? ORDER BY "sendAfter" LIMIT ?) AS "due" ' +
        'GROUP BY "destination" ORDER BY "first" LIMIT ?',
      [now, DUE_WINDOW, limit],
    ),
    sql.all<{ destination: string }>('SELECT DISTINCT "destination" FROM (SELECT "destination" FROM "Reminder" WHERE "status" = \'sending\' AND "leaseUntil" < ? LIMIT ?) AS "abandoned"', [now, limit]),
  ]);
  return [...new Set([...abandoned.map((r) => r.destination), ...due.map((r) => r.destination)])].slice(0, limit);
}

/**
 * How many reminders are due and waiting now (for the scheduler's log line), counted up to `cap`: the
 * count reads at most that many index entries.
 */
export async function countDueReminders(db: Db, now: Date, cap: number): Promise<number> {
  const [row] = await sqlOf(db).all<{ n: number | string }>('SELECT COUNT(*) AS "n" FROM (SELECT 1 FROM "Reminder" WHERE "status" = \'pending\' AND "sendAfter" <= ? LIMIT ?) AS "due"', [now, cap]);
  return Number(row?.n ?? 0);
}

/**
 * Takes (or renews) the right to send to a destination until `until`. True when this process holds it:
 * nobody held it, the holder's lease ran out, or this process held it already. One statement.
 */
export async function leaseDestination(db: Db, destination: string, owner: string, now: Date, until: Date): Promise<boolean> {
  const taken = await sqlOf(db).run(
    'INSERT INTO "SendLease" ("destination", "owner", "until") VALUES (?, ?, ?) ' +
      'ON CONFLICT ("destination") DO UPDATE SET "owner" = excluded."owner", "until" = excluded."until" ' +
      'WHERE "SendLease"."owner" = ? OR "SendLease"."until" < ?',
    [destination, owner, until, owner, now],
  );
  return taken === 1;
}

/**
 * Gives a destination back once its work is done or deferred. The lease stays this process's until
 * `cooldownUntil` (the end of the longest rate window after its last send), so another process cannot
 * start sending there while this one's recent posts still count against Teams' limits; this process
 * may take it again at once.
 */
export async function releaseDestination(db: Db, destination: string, owner: string, cooldownUntil: Date): Promise<void> {
  await sqlOf(db).run('UPDATE "SendLease" SET "until" = ? WHERE "destination" = ? AND "owner" = ?', [cooldownUntil, destination, owner]);
}

/** The pending or abandoned (lease expired) reminders that may be sent now: two `now` parameters. */
const DUE = `"sendAfter" <= ? AND ("status" = 'pending' OR ("status" = 'sending' AND "leaseUntil" < ?))`;

const REMINDER_COLUMNS =
  '"id", "groupId", "kind", "occurrenceKey", "agreementId", "followUpId", "memberId", "destination", "dueAt", "sendAfter", "status", ' +
  '"leaseOwner", "leaseUntil", "attempts", "sentAt", "outcome", "snoozedFromId", "createdAt", "updatedAt"';

/** A Reminder row as plain SQL returns it (DateTime as text on SQLite), as Prisma would. */
function reminderRow(row: Record<string, unknown>): ReminderRow {
  return {
    ...(row as ReminderRow),
    dueAt: dateOf(row.dueAt),
    sendAfter: dateOf(row.sendAfter),
    leaseUntil: dateOrNull(row.leaseUntil),
    sentAt: dateOrNull(row.sentAt),
    createdAt: dateOf(row.createdAt),
    updatedAt: dateOf(row.updatedAt),
  };
}

/**
 * Claims up to `limit` due reminders of a destination for this process until `leaseUntil`, oldest
 * first. One guarded update: of two processes, each row goes to exactly one (PostgreSQL re-checks the
 * condition on a row another claim changed meanwhile; SQLite has one writer).
 */
export async function claimDueReminders(db: Db, destination: string, owner: string, now: Date, leaseUntil: Date, limit: number): Promise<ReminderRow[]> {
  const rows = await sqlOf(db).all(
    `UPDATE "Reminder" SET "status" = 'sending', "leaseOwner" = ?, "leaseUntil" = ?, "attempts" = "attempts" + 1, "updatedAt" = ? ` +
      `WHERE "id" IN (SELECT "id" FROM "Reminder" WHERE "destination" = ? AND ${DUE} ORDER BY "sendAfter" LIMIT ?) AND ${DUE} ` +
      `RETURNING ${REMINDER_COLUMNS}`,
    [owner, leaseUntil, now, destination, now, now, limit, now, now],
  );
  return rows.map(reminderRow).sort((a, b) => a.sendAfter.getTime() - b.sendAfter.getTime() || a.id.localeCompare(b.id));
}

/** A claimed reminder as settling needs it: its id, and its group for the audit row. */
export type ClaimedRef = Pick<ReminderRow, 'id' | 'groupId'>;

/** The audit row each settled or deferred reminder gets, in the same transaction. */
export interface ReminderAudit {
  action: string;
  outcome: 'allowed' | 'failed';
  reason: string;
}

function auditEntriesOf(reminders: readonly ClaimedRef[], audit: ReminderAudit | undefined): AuditEntry[] {
  return audit ? reminders.map((r) => ({ action: audit.action, outcome: audit.outcome, groupId: r.groupId, actorMemberId: null, entityType: 'Reminder', entityId: r.id, reason: audit.reason })) : [];
}

/**
 * Records how claimed reminders ended (only while this process still holds them) and, in the same
 * transaction, their audit rows: a reminder is never marked sent without its audit row, nor audited
 * as sent without being marked. Returns how many were settled.
 */
export function settleReminders(
  db: Db,
  reminders: readonly ClaimedRef[],
  owner: string,
  result: { status: 'sent' | 'cancelled' | 'failed'; outcome: string; at: Date },
  audit?: ReminderAudit,
): Promise<number> {
  if (reminders.length === 0) return Promise.resolve(0);
  const sentAt = result.status === 'sent' ? result.at : null;
  return sqlOf(db).transaction(function* () {
    let settled = 0;
    for (const reminder of reminders) {
      settled += yield* run(
        'UPDATE "Reminder" SET "status" = ?, "outcome" = ?, "sentAt" = COALESCE(?, "sentAt"), "leaseOwner" = NULL, "leaseUntil" = NULL, "updatedAt" = ? ' +
          'WHERE "id" = ? AND "status" = \'sending\' AND "leaseOwner" = ?',
        [result.status, result.outcome, sentAt, result.at, reminder.id, owner],
      );
    }
    yield* appendAuditSteps(auditEntriesOf(reminders, audit), result.at);
    return settled;
  });
}

/**
 * Puts claimed reminders back to wait until `sendAfter` (outside working time, throttled, unreachable),
 * with their audit rows (if any) in the same transaction.
 */
export async function deferReminders(db: Db, reminders: readonly ClaimedRef[], owner: string, sendAfter: Date, now: Date, outcome?: string, audit?: ReminderAudit): Promise<void> {
  if (reminders.length === 0) return;
  await sqlOf(db).transaction(function* () {
    for (const reminder of reminders) {
      yield* run(
        'UPDATE "Reminder" SET "status" = \'pending\', "sendAfter" = ?, "leaseOwner" = NULL, "leaseUntil" = NULL, "outcome" = ?, "updatedAt" = ? ' +
          'WHERE "id" = ? AND "status" = \'sending\' AND "leaseOwner" = ?',
        [sendAfter, outcome ?? null, now, reminder.id, owner],
      );
    }
    yield* appendAuditSteps(auditEntriesOf(reminders, audit), now);
  });
}

/** Cancels the pending reminders of an agreement (it is finished) or of a follow-up (cancelled). */
export async function cancelPendingReminders(db: Pick<Db, 'reminder'>, where: { agreementId?: string; followUpId?: string }, outcome: string): Promise<number> {
  const result = await db.reminder.updateMany({ where: { ...where, status: 'pending' }, data: { status: 'cancelled', outcome } });
  return result.count;
}

/**
 * A conversation Teams refused (403) spoke to the bot again: its reminders that were waiting for that
 * go out at the next tick instead of at their next retry. For a personal chat, the person's.
 */
export async function wakeUnreachableReminders(db: Db, conversationId: string, userId: string | undefined, now: Date): Promise<void> {
  const destinations: string[] = [];
  const group = await db.resourceGroup.findUnique({ where: { conversationId }, select: { id: true } });
  if (group) destinations.push(groupDestination(group.id));
  const boards = await db.boardTeam.findMany({ where: { channelConversationId: conversationId }, select: { teamId: true }, take: 10 });
  destinations.push(...boards.map((b) => boardDestination(b.teamId)));
  if (userId) destinations.push(personDestination(userId));
  if (destinations.length === 0) return;
  await db.reminder.updateMany({ where: { destination: { in: destinations }, status: 'pending', outcome: 'unreachable' }, data: { sendAfter: now, outcome: null } });
}

/** A group as the reminder scheduler and sender need it (its conversation, tenant, alias, language, working time). */
export interface ReminderGroupRow {
  id: string;
  conversationId: string;
  tenantId: string | null;
  individualAlias: string;
  locale: string;
  timeZone: string;
  workDays: string;
  workdayStartMinute: number;
  workdayEndMinute: number;
  observeHolidays: boolean;
}

/** The group of claimed reminders, or null when it is gone. One statement on its key. */
export async function findReminderGroup(db: Db, groupId: string): Promise<ReminderGroupRow | null> {
  const [row] = await sqlOf(db).all<ReminderGroupRow>(
    'SELECT "id", "conversationId", "tenantId", "individualAlias", "locale", "timeZone", "workDays", "workdayStartMinute", "workdayEndMinute", "observeHolidays" FROM "ResourceGroup" WHERE "id" = ?',
    [groupId],
  );
  return row ? { ...row, observeHolidays: Boolean(row.observeHolidays) } : null;
}
