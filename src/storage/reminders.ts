/**
 * Due reminders as an outbox in the database: planned once per occurrence (a unique key), claimed by
 * one process at a time under a lease, and settled with their outcome. A destination (a group's
 * conversation or a member's personal chat) is sent to by one process at a time (SendLease), so Teams'
 * per-conversation limits hold however many instances run. A process that dies leaves leases that
 * expire; another process takes the work over. The outbox's hot statements are plain SQL (sql.ts),
 * portable between both databases: guarded updates, an upsert and RETURNING.
 */
import type { ReminderKind } from '../domain/follow-ups';
import type { Db } from './database';
import { isUniqueViolation } from './database';
import { dateOf, dateOrNull, placeholders, sqlOf } from './sql';

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

export type ReminderRow = NonNullable<Awaited<ReturnType<Db['reminder']['findFirst']>>>;

/** "group:<id>" or "member:<id>": where a reminder goes, and the unit of Teams' per-conversation limits. */
export const groupDestination = (groupId: string) => `group:${groupId}`;
export const memberDestination = (memberId: string) => `member:${memberId}`;
/** "board:<teamId>": a FACT team's board channel (the daily board card). */
export const boardDestination = (teamId: string) => `board:${teamId}`;

/**
 * Inserts the planned reminders that do not exist yet (by occurrence key) and returns how many were
 * new. Planning the same occurrence again, from any process, never makes a second row.
 */
export async function planReminders(db: Db, planned: readonly PlannedReminder[]): Promise<number> {
  let created = 0;
  for (let i = 0; i < planned.length; i += 500) {
    const chunk = planned.slice(i, i + 500);
    const existing = await db.reminder.findMany({ where: { occurrenceKey: { in: chunk.map((p) => p.occurrenceKey) } }, select: { occurrenceKey: true } });
    const known = new Set(existing.map((e) => e.occurrenceKey));
    const missing = chunk.filter((p) => !known.has(p.occurrenceKey));
    if (missing.length === 0) continue;
    try {
      created += (await db.reminder.createMany({ data: missing })).count;
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // Another process planned some of these at the same moment: insert one by one, skipping theirs.
      for (const row of missing) {
        try {
          await db.reminder.create({ data: row });
          created++;
        } catch (rowError) {
          if (!isUniqueViolation(rowError)) throw rowError;
        }
      }
    }
  }
  return created;
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

/** Destinations with reminders to send now, oldest first, at most `limit`. */
export async function findDueDestinations(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await sqlOf(db).all<{ destination: string }>(
    `SELECT "destination", MIN("sendAfter") AS "first" FROM "Reminder" WHERE ${DUE} GROUP BY "destination" ORDER BY "first" LIMIT ?`,
    [now, now, limit],
  );
  return rows.map((r) => r.destination);
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

/** Records how claimed reminders ended (only while this process still holds them). */
export async function settleReminders(db: Db,
  ids: readonly string[],
  owner: string,
  result: { status: 'sent' | 'cancelled' | 'failed'; outcome: string; at: Date },
): Promise<number> {
  if (ids.length === 0) return 0;
  const sentAt = result.status === 'sent' ? '"sentAt" = ?, ' : '';
  return sqlOf(db).run(
    `UPDATE "Reminder" SET "status" = ?, "outcome" = ?, ${sentAt}"leaseOwner" = NULL, "leaseUntil" = NULL, "updatedAt" = ? ` +
      `WHERE "id" IN ${placeholders(ids.length)} AND "status" = 'sending' AND "leaseOwner" = ?`,
    [result.status, result.outcome, ...(sentAt ? [result.at] : []), result.at, ...ids, owner],
  );
}

/** Puts claimed reminders back to wait until `sendAfter` (outside working time, throttled, unreachable). */
export async function deferReminders(db: Db, ids: readonly string[], owner: string, sendAfter: Date, now: Date, outcome?: string): Promise<void> {
  if (ids.length === 0) return;
  await sqlOf(db).run(
    `UPDATE "Reminder" SET "status" = 'pending', "sendAfter" = ?, "leaseOwner" = NULL, "leaseUntil" = NULL, "outcome" = ?, "updatedAt" = ? ` +
      `WHERE "id" IN ${placeholders(ids.length)} AND "status" = 'sending' AND "leaseOwner" = ?`,
    [sendAfter, outcome ?? null, now, ...ids, owner],
  );
}

/** Cancels the pending reminders of an agreement (it is finished) or of a follow-up (cancelled). */
export async function cancelPendingReminders(db: Db, where: { agreementId?: string; followUpId?: string }, outcome: string): Promise<number> {
  const result = await db.reminder.updateMany({ where: { ...where, status: 'pending' }, data: { status: 'cancelled', outcome } });
  return result.count;
}

/**
 * A conversation Teams refused (403) spoke to the bot again: its reminders that were waiting for that
 * go out at the next tick instead of at their next retry.
 */
export async function wakeUnreachableReminders(db: Db, conversationId: string, userId: string | undefined, now: Date): Promise<void> {
  const destinations: string[] = [];
  const group = await db.resourceGroup.findUnique({ where: { conversationId }, select: { id: true } });
  if (group) destinations.push(groupDestination(group.id));
  const boards = await db.boardTeam.findMany({ where: { channelConversationId: conversationId }, select: { teamId: true } });
  destinations.push(...boards.map((b) => boardDestination(b.teamId)));
  if (userId) {
    const memberships = await db.member.findMany({ where: { teamsUserId: userId, removedAt: null }, select: { id: true } });
    destinations.push(...memberships.map((m) => memberDestination(m.id)));
  }
  if (destinations.length === 0) return;
  await db.reminder.updateMany({ where: { destination: { in: destinations }, status: 'pending', outcome: 'unreachable' }, data: { sendAfter: now, outcome: null } });
}
