/**
 * Need-to-know access: the caller's identity (from the activity, never from card data) is looked up
 * among the group's members; a refusal is written to the audit log before it is thrown.
 */
import { DomainError } from '../domain/errors';
import { accessRefusal, type AccessNeed } from '../domain/members';
import type { Member } from '../generated/sqlite/client';
import { appendAudit, type AuditTrigger } from './audit';
import type { Db } from './database';
import { columnsOf, MEMBER_ROW } from './rows';
import { rowOf, sqlOf } from './sql';

/** Who is acting, as the activity says. */
export interface Caller {
  aadObjectId?: string;
  teamsUserId: string;
  /** Set for a card invoke: a person's press, or Teams refreshing the card on its own. */
  trigger?: AuditTrigger;
  /** The conversation the activity came from (its key), for the access log. */
  conversationId?: string;
}

/**
 * The caller's current (not removed) membership of a group, matched on the Entra object id. Read on
 * nearly every turn: plain SQL (sql.ts).
 */
export async function findMemberByCaller(db: Db, groupId: string, caller: Caller): Promise<Member | null> {
  if (!caller.aadObjectId) return null;
  const [row] = await sqlOf(db).all(`SELECT ${columnsOf(MEMBER_ROW)} FROM "Member" WHERE "groupId" = ? AND "aadObjectId" = ? AND "removedAt" IS NULL LIMIT 1`, [groupId, caller.aadObjectId]);
  return row ? rowOf<Member>(row, MEMBER_ROW) : null;
}

/**
 * Returns the caller's membership when it meets `need`; otherwise audits the refusal and throws the
 * matching DomainError (not_a_member, no_consent or forbidden).
 *
 * @example
 *   const member = await requireAccess(db, group.id, caller, 'consented', 'plan.read');
 */
export async function requireAccess(db: Db, groupId: string, caller: Caller, need: AccessNeed, action: string) {
  const member = await findMemberByCaller(db, groupId, caller);
  const refusal = accessRefusal(member, need);
  if (refusal) {
    await appendAudit(db, { action, outcome: 'denied', groupId, actorAadObjectId: caller.aadObjectId, actorMemberId: member?.id, reason: refusal, trigger: caller.trigger, conversationId: caller.conversationId });
    throw new DomainError(refusal);
  }
  return member!;
}
