/**
 * The append-only audit log: every read of sensitive data and every change, with actor, time, group
 * and kind of action. Never the text itself. The database refuses UPDATE and DELETE on the table.
 */
import { commitClaim, commitClaimSteps } from './activities';
import { randomUUID } from 'node:crypto';
import type { Db } from './database';
import { dateOf, placeholders, run, sqlOf, type SqlValue, type SqlWork } from './sql';

export type AuditOutcome = 'allowed' | 'denied' | 'failed';

/** How a read from a card came about: the person pressed, or Teams refreshed the card when it was shown. */
export type AuditTrigger = 'manual' | 'automatic';

export interface AuditEntry {
  action: string;
  outcome: AuditOutcome;
  actorAadObjectId?: string | null;
  actorMemberId?: string | null;
  groupId?: string | null;
  entityType?: string;
  entityId?: string;
  /** A domain error code or machine-readable reason; never user-typed text. */
  reason?: string;
  /** For card invokes: whether the person opened it or Teams refreshed it automatically. */
  trigger?: AuditTrigger;
  /** The conversation the action came from (its key, without a channel thread's suffix). */
  conversationId?: string;
}

/** A Prisma client or an interactive transaction client: audit rows are written inside the change's transaction. */
export type DbOrTx = Pick<Db, 'auditEvent' | 'processedActivity'>;

/**
 * Appends one entry to the audit log.
 *
 * @example
 *   await recordAudit(db, { action: 'group.setup', outcome: 'allowed', groupId, actorAadObjectId });
 */
export async function recordAudit(db: DbOrTx, entry: AuditEntry, at: Date = new Date()): Promise<void> {
  await db.auditEvent.create({ data: auditRow(entry, at) });
}

function auditRow(entry: AuditEntry, at: Date) {
  return {
    at,
    action: entry.action,
    outcome: entry.outcome,
    actorAadObjectId: entry.actorAadObjectId ?? null,
    actorMemberId: entry.actorMemberId ?? null,
    groupId: entry.groupId ?? null,
    entityType: entry.entityType ?? null,
    entityId: entry.entityId ?? null,
    reason: entry.reason ?? null,
    trigger: entry.trigger ?? null,
    conversationId: entry.conversationId ?? null,
  };
}

/**
 * Appends several entries in one statement (e.g. a read across many groups), rather than one await each.
 *
 * @example
 *   await recordAudits(db, groupIds.map((groupId) => ({ action: 'agreements.mine.read', outcome: 'allowed', groupId })));
 */
export async function recordAudits(db: DbOrTx, entries: readonly AuditEntry[], at: Date = new Date()): Promise<void> {
  // Chunked so no single statement carries an unbounded number of parameters.
  for (let i = 0; i < entries.length; i += 500) {
    await db.auditEvent.createMany({
      data: entries.slice(i, i + 500).map((entry) => auditRow(entry, at)),
    });
  }
}

const AUDIT_COLUMNS = ['id', 'at', 'action', 'outcome', 'actorAadObjectId', 'actorMemberId', 'groupId', 'entityType', 'entityId', 'reason', 'trigger', 'conversationId'] as const;

/**
 * Appends entries outside any transaction, in plain SQL (sql.ts): for the hot paths (a read, a refusal,
 * a sent reminder), where the rows stand alone. The same rows recordAudits writes.
 *
 * @example
 *   await appendAudit(db, { action: 'plan.read', outcome: 'allowed', groupId, actorMemberId });
 */
export async function appendAudit(db: Db, entries: AuditEntry | readonly AuditEntry[], at: Date = new Date()): Promise<void> {
  const all: readonly AuditEntry[] = Array.isArray(entries) ? entries : [entries as AuditEntry];
  if (all.length === 0) return;
  const sql = sqlOf(db);
  if (all.length <= 50) {
    const insert = auditInsert(all, at);
    await sql.run(insert.text, insert.params);
    return;
  }
  // The rows of one read (a page across many groups) are written together or not at all.
  await sql.transaction(() => appendAuditSteps(all, at));
}

/** appendAudit inside a plain-SQL transaction (Sql.transaction): the rows belong to its change. */
export function* appendAuditSteps(entries: readonly AuditEntry[], at: Date): SqlWork<void> {
  for (let i = 0; i < entries.length; i += 50) {
    const insert = auditInsert(entries.slice(i, i + 50), at);
    yield* run(insert.text, insert.params);
  }
}

/** The plain-SQL INSERT of audit rows: the same rows recordAudits writes. */
function auditInsert(entries: readonly AuditEntry[], at: Date): { text: string; params: SqlValue[] } {
  const params = entries.flatMap((entry) => {
    const row = auditRow(entry, at);
    return [randomUUID(), row.at, row.action, row.outcome, row.actorAadObjectId, row.actorMemberId, row.groupId, row.entityType, row.entityId, row.reason, row.trigger, row.conversationId];
  });
  return { text: `INSERT INTO "AuditEvent" (${AUDIT_COLUMNS.map((c) => `"${c}"`).join(', ')}) VALUES ${entries.map(() => placeholders(AUDIT_COLUMNS.length)).join(', ')}`, params };
}

/** recordChange inside a plain-SQL transaction (Sql.transaction): commits the turn's claim, then the audit row. */
export function* recordChangeSteps(action: string, groupId: string, actor: AuditActor, entityType: string, entityId: string, at: Date): SqlWork<void> {
  if (actor.claimKey) yield* commitClaimSteps(actor.claimKey, at);
  const insert = auditInsert([changeEntry(action, groupId, actor, entityType, entityId)], at);
  yield* run(insert.text, insert.params);
}

/** The member making a change, as the activity identified them. */
export interface AuditActor {
  memberId: string;
  aadObjectId?: string;
  /**
   * The claim of the turn making the change (see storage/activities.ts). The change's transaction
   * commits it, so the change and "this activity was handled" are stored together or not at all.
   */
  claimKey?: string;
  /** The conversation the change was made from. */
  conversationId?: string;
}

/**
 * Appends an allowed change by a member to the audit log: the common case of recordAudit.
 *
 * @example
 *   await recordChange(tx, 'goal.update', groupId, actor, 'Goal', goal.id, now);
 */
export async function recordChange(db: DbOrTx, action: string, groupId: string, actor: AuditActor, entityType: string, entityId: string, at: Date): Promise<void> {
  if (actor.claimKey) await commitClaim(db, actor.claimKey, at);
  await recordAudit(db, changeEntry(action, groupId, actor, entityType, entityId), at);
}

/** The audit entry of an allowed change by a member (recordChange, recordChangeSteps). */
function changeEntry(action: string, groupId: string, actor: AuditActor, entityType: string, entityId: string): AuditEntry {
  return { action, outcome: 'allowed', groupId, actorMemberId: actor.memberId, actorAadObjectId: actor.aadObjectId, entityType, entityId, conversationId: actor.conversationId };
}

/** The audit entries of a group, newest first. */
export function findAuditEvents(db: Db, groupId: string, take = 50) {
  return db.auditEvent.findMany({ where: { groupId }, orderBy: { at: 'desc' }, take });
}

/** The access refusals a person was given since a moment, newest first: for their own eyes only. */
export async function findRecentRefusalsOf(db: Db, aadObjectId: string, reasons: readonly string[], since: Date, take: number): Promise<Array<{ at: Date; reason: string | null }>> {
  // Every `hjälp` in personal chat asks: plain SQL (sql.ts) on the index (actorAadObjectId, outcome, at).
  if (reasons.length === 0) return [];
  const rows = await sqlOf(db).all<{ at: unknown; reason: string | null }>(
    `SELECT "at", "reason" FROM "AuditEvent" WHERE "actorAadObjectId" = ? AND "outcome" = 'denied' AND "reason" IN ${placeholders(reasons.length)} AND "at" >= ? ORDER BY "at" DESC LIMIT ?`,
    [aadObjectId, ...reasons, since, take],
  );
  return rows.map((r) => ({ at: dateOf(r.at), reason: r.reason }));
}
