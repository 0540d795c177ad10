/**
 * Due reminders as an outbox in the database: planned once per occurrence (a unique key), claimed by
 * one process at a time under a lease, and settled with their outcome. A destination (a group's
 * conversation or a member's personal chat) is sent to by one process at a time (SendLease), so Teams'
 * per-conversation limits hold however many instances run. A process that dies leaves leases that
 * expire; another process takes the work over. Portable: guarded updates, no provider-specific SQL.
 */
import type { ReminderKind } from '../domain/follow-ups';
import type { Db } from './database';
import { isUniqueViolation } from './database';

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

/** The pending or abandoned (lease expired) reminders that may be sent now. */
function dueWhere(now: Date) {
  return {
    sendAfter: { lte: now },
    OR: [{ status: 'pending' }, { status: 'sending', leaseUntil: { lt: now } }],
  };
}

/** Destinations with reminders to send now, oldest first, at most `limit`. */
export async function findDueDestinations(db: Db, now: Date, limit: number): Promise<string[]> {
  const rows = await db.reminder.groupBy({ by: ['destination'], where: dueWhere(now), _min: { sendAfter: true }, orderBy: { _min: { sendAfter: 'asc' } }, take: limit });
  return rows.map((r) => r.destination);
}

/**
 * Takes (or renews) the right to send to a destination until `until`. True when this process holds it:
 * nobody held it, the holder's lease ran out, or this process held it already.
 */
export async function leaseDestination(db: Db, destination: string, owner: string, now: Date, until: Date): Promise<boolean> {
  const taken = await db.sendLease.updateMany({ where: { destination, OR: [{ owner }, { until: { lt: now } }] }, data: { owner, until } });
  if (taken.count === 1) return true;
  try {
    await db.sendLease.create({ data: { destination, owner, until } });
    return true;
  } catch (error) {
    if (isUniqueViolation(error)) return false; // held by another process
    throw error;
  }
}

/**
 * Gives a destination back once its work is done or deferred. The lease stays this process's until
 * `cooldownUntil` (the end of the longest rate window after its last send), so another process cannot
 * start sending there while this one's recent posts still count against Teams' limits; this process
 * may take it again at once.
 */
export async function releaseDestination(db: Db, destination: string, owner: string, cooldownUntil: Date): Promise<void> {
  await db.sendLease.updateMany({ where: { destination, owner }, data: { until: cooldownUntil } });
}

/**
 * Claims up to `limit` due reminders of a destination for this process until `leaseUntil`, oldest
 * first. Each row is claimed by a guarded update, so of two processes exactly one gets it.
 */
export async function claimDueReminders(db: Db, destination: string, owner: string, now: Date, leaseUntil: Date, limit: number): Promise<ReminderRow[]> {
  const candidates = await db.reminder.findMany({ where: { destination, ...dueWhere(now) }, orderBy: { sendAfter: 'asc' }, take: limit, select: { id: true } });
  if (candidates.length === 0) return [];
  await db.reminder.updateMany({
    where: { id: { in: candidates.map((c) => c.id) }, ...dueWhere(now) },
    data: { status: 'sending', leaseOwner: owner, leaseUntil, attempts: { increment: 1 } },
  });
  return db.reminder.findMany({ where: { id: { in: candidates.map((c) => c.id) }, status: 'sending', leaseOwner: owner, leaseUntil }, orderBy: { sendAfter: 'asc' } });
}

/** Records how claimed reminders ended (only while this process still holds them). */
export async function settleReminders(
  db: Db,
  ids: readonly string[],
  owner: string,
  result: { status: 'sent' | 'cancelled' | 'failed'; outcome: string; at: Date },
): Promise<number> {
  if (ids.length === 0) return 0;
  const settled = await db.reminder.updateMany({
    where: { id: { in: [...ids] }, status: 'sending', leaseOwner: owner },
    data: { status: result.status, outcome: result.outcome, sentAt: result.status === 'sent' ? result.at : undefined, leaseOwner: null, leaseUntil: null },
  });
  return settled.count;
}

/** Puts claimed reminders back to wait until `sendAfter` (outside working time, throttled, unreachable). */
export async function deferReminders(db: Db, ids: readonly string[], owner: string, sendAfter: Date, outcome?: string): Promise<void> {
  if (ids.length === 0) return;
  await db.reminder.updateMany({
    where: { id: { in: [...ids] }, status: 'sending', leaseOwner: owner },
    data: { status: 'pending', sendAfter, leaseOwner: null, leaseUntil: null, outcome: outcome ?? null },
  });
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
