/**
 * Persistence of a group's members: added from the roster or as contacts without Teams, roles, the
 * individual's consent, removal. Every change is audited in the same transaction.
 */
import { DomainError } from '../domain/errors';
import type { MemberChange, MemberInput } from '../domain/members';
import { commitClaim } from './activities';
import { setCrisisPlanAccess } from './crisis-plans';
import { markGroupForReplanning } from './planning';
import { recordAudits, recordChange, type AuditActor } from './audit';
import { clampOffset } from './goals';
import type { Db } from './database';
import type { RosterPerson } from './groups';
import type { Member } from '../generated/sqlite/client';
import { columnsOf, MEMBER_ROW } from './rows';
import { rowOf, sqlOf } from './sql';

/** The group's current members, case manager first, then by name. */
export async function listMembers(db: Db, groupId: string): Promise<Member[]> {
  // Every form's member choices and every agreement view: plain SQL (sql.ts).
  const rows = await sqlOf(db).all(`SELECT ${columnsOf(MEMBER_ROW)} FROM "Member" WHERE "groupId" = ? AND "removedAt" IS NULL ORDER BY "isCaseManager" DESC, "displayName" ASC, "id" ASC`, [groupId]);
  return rows.map((row) => rowOf<Member>(row, MEMBER_ROW));
}

/** One page of the group's current members (in listMembers' order), and how many there are. */
export async function listMembersPage(db: Db, groupId: string, offset: number, take: number) {
  const where = { groupId, removedAt: null };
  const total = await db.member.count({ where });
  const start = clampOffset(offset, total, take);
  const members = await db.member.findMany({ where, orderBy: [{ isCaseManager: 'desc' }, { displayName: 'asc' }, { id: 'asc' }], skip: start, take });
  return { members, offset: start, total };
}

/**
 * hasConsent (src/domain/members.ts) as a query condition on Member: consent recorded, and not
 * withdrawn since (a withdrawal before the latest recording does not count). For queries that must not
 * load members to filter them.
 *
 * @example
 *   db.member.findMany({ where: { groupId, ...consentedMemberWhere(db) } })
 */
export function consentedMemberWhere(db: Db) {
  return {
    consentRecordedAt: { not: null },
    OR: [{ consentWithdrawnAt: null }, { consentWithdrawnAt: { lt: db.member.fields.consentRecordedAt } }],
  };
}

/**
 * consentedMemberWhere in plain SQL, for the hot statements (sql.ts): `prefix` names the Member table
 * in the query (e.g. `m.`).
 */
export function consentedMemberSql(prefix = ''): string {
  return `${prefix}"consentRecordedAt" IS NOT NULL AND (${prefix}"consentWithdrawnAt" IS NULL OR ${prefix}"consentWithdrawnAt" < ${prefix}"consentRecordedAt")`;
}

/**
 * Teams user ids of the group's current members with consent, at most `take` (the case manager first):
 * every view's refresh list, so plain SQL (sql.ts), with consent as consentedMemberWhere has it.
 */
export async function consentedTeamsUserIdsOf(db: Db, groupId: string, take: number): Promise<string[]> {
  const rows = await sqlOf(db).all<{ teamsUserId: string }>(
    `SELECT "teamsUserId" FROM "Member" WHERE "groupId" = ? AND "removedAt" IS NULL AND "teamsUserId" IS NOT NULL AND ${consentedMemberSql()} ` +
      'ORDER BY "isCaseManager" DESC, "createdAt", "id" LIMIT ?',
    [groupId, take],
  );
  return rows.map((r) => r.teamsUserId);
}

/** The member making a change. */
export type Actor = AuditActor;

/**
 * Adds a member. A roster person who was a member before and left is brought back (with the new role);
 * a roster person who is a member already is refused as invalid input.
 */
export async function addMember(db: Db, groupId: string, input: MemberInput, rosterPerson: RosterPerson | undefined, actor: Actor, now: Date) {
  return db.$transaction(async (tx) => {
    const data = {
      displayName: input.displayName,
      role: input.role,
      principal: input.principal,
      organisation: input.organisation ?? null,
      consentRecordedAt: input.consentNow ? now : null,
      consentRecordedBy: input.consentNow ? actor.memberId : null,
      consentWithdrawnAt: null,
      removedAt: null,
      isIndividual: input.role === 'individual',
    };
    let member;
    if (rosterPerson) {
      const existing = await tx.member.findFirst({ where: { groupId, teamsUserId: rosterPerson.teamsUserId } });
      if (existing && !existing.removedAt) throw new DomainError('invalid_input', { person: 'members.error.alreadyMember' });
      member = existing
        ? await tx.member.update({ where: { id: existing.id }, data: { ...data, aadObjectId: rosterPerson.aadObjectId ?? existing.aadObjectId } })
        : await tx.member.create({ data: { ...data, groupId, teamsUserId: rosterPerson.teamsUserId, aadObjectId: rosterPerson.aadObjectId ?? null } });
    } else {
      member = await tx.member.create({ data: { ...data, groupId } });
    }
    await recordChange(tx, 'member.add', groupId, actor, 'Member', member.id, now);
    if (input.consentNow) {
      await recordChange(tx, 'member.consent.record', groupId, actor, 'Member', member.id, now);
    }
    return member;
  });
}

const CHANGE_ACTIONS: Record<MemberChange['kind'], string> = {
  role: 'member.role',
  consentRecord: 'member.consent.record',
  consentWithdraw: 'member.consent.withdraw',
  remove: 'member.remove',
  makeCaseManager: 'member.case_manager',
  crisisPlanAccess: 'crisisplan.access.change',
};

/**
 * Applies one change to a member of the group. The case manager cannot remove themselves (the group
 * would have none): they hand the role over first.
 */
export async function changeMember(db: Db, groupId: string, change: MemberChange, actor: Actor, now: Date) {
  return db.$transaction(async (tx) => {
    const member = await tx.member.findFirst({ where: { id: change.memberId, groupId, removedAt: null } });
    if (!member) throw new DomainError('not_found');
    switch (change.kind) {
      case 'role':
        await tx.member.update({ where: { id: member.id }, data: { role: change.role, principal: change.principal, isIndividual: change.role === 'individual' } });
        break;
      case 'consentRecord':
        await tx.member.update({ where: { id: member.id }, data: { consentRecordedAt: now, consentRecordedBy: actor.memberId, consentWithdrawnAt: null } });
        break;
      case 'consentWithdraw':
        await tx.member.update({ where: { id: member.id }, data: { consentWithdrawnAt: now } });
        break;
      case 'remove':
        if (member.isCaseManager) throw new DomainError('invalid_input', { memberId: 'members.error.caseManagerCannotLeave' });
        await tx.member.update({ where: { id: member.id }, data: { removedAt: now } });
        break;
      case 'makeCaseManager':
        await tx.member.updateMany({ where: { groupId, isCaseManager: true }, data: { isCaseManager: false } });
        await tx.member.update({ where: { id: member.id }, data: { isCaseManager: true } });
        // Escalations, the crisis plan's review and the board's question go to the new case manager.
        await markGroupForReplanning(tx, groupId);
        break;
      case 'crisisPlanAccess':
        // The case manager reads the crisis plan whatever is chosen: a choice for them would mean nothing.
        if (member.isCaseManager) throw new DomainError('invalid_input', { crisisPlanAccess: 'crisisPlan.access.error.caseManager' });
        await setCrisisPlanAccess(tx, member.id, change.access);
        break;
    }
    await recordChange(tx, CHANGE_ACTIONS[change.kind], groupId, actor, 'Member', member.id, now);
    return tx.member.findUniqueOrThrow({ where: { id: member.id } });
  });
}

/** The most ids one query takes (both databases allow far more parameters; this keeps each query small). */
const ID_CHUNK = 500;

/**
 * Ends the membership of people who left the Teams conversation (membersRemoved), in every group bound
 * to it: for a team, every channel group of that team. Returns how many memberships ended.
 */
export async function endMembershipsOfDeparted(
  db: Db,
  where: { teamId?: string; conversationId: string },
  teamsUserIds: readonly string[],
  now: Date,
  options: { claimKey?: string; reason?: 'left_conversation' | 'roster' } = {},
): Promise<number> {
  if (teamsUserIds.length === 0) return 0;
  // The groups are a relation filter, not a list of ids; the departed come from the activity and are
  // taken in bounded chunks.
  const group = where.teamId ? { OR: [{ teamId: where.teamId }, { conversationId: where.conversationId }] } : { conversationId: where.conversationId };
  return db.$transaction(async (tx) => {
    if (options.claimKey) await commitClaim(tx, options.claimKey, now);
    let ended = 0;
    for (let i = 0; i < teamsUserIds.length; i += ID_CHUNK) {
      const members = await tx.member.findMany({
        where: { group, teamsUserId: { in: teamsUserIds.slice(i, i + ID_CHUNK) }, removedAt: null },
        select: { id: true, groupId: true },
      });
      if (members.length === 0) continue;
      await tx.member.updateMany({ where: { id: { in: members.map((m) => m.id) } }, data: { removedAt: now } });
      await recordAudits(
        tx,
        members.map((member) => ({
          action: 'member.left_conversation',
          outcome: 'allowed' as const,
          groupId: member.groupId,
          entityType: 'Member',
          entityId: member.id,
          reason: options.reason,
        })),
        now,
      );
      ended += members.length;
    }
    return ended;
  });
}

/**
 * Ends the memberships of a group's Teams members who are no longer in the conversation's roster (a
 * `membersRemoved` the bot missed). Contacts without Teams are not in any roster and are kept.
 * Returns how many memberships ended.
 *
 * @example
 *   await endMembershipsMissingFromRoster(db, group, new Set(roster.map((p) => p.teamsUserId)), now);
 */
export async function endMembershipsMissingFromRoster(
  db: Db,
  group: { id: string; conversationId: string },
  rosterIds: ReadonlySet<string>,
  now: Date,
): Promise<number> {
  const current = await db.member.findMany({ where: { groupId: group.id, removedAt: null, teamsUserId: { not: null } }, select: { teamsUserId: true } });
  const missing = current.map((m) => m.teamsUserId!).filter((id) => !rosterIds.has(id));
  if (missing.length === 0) return 0;
  return endMembershipsOfDeparted(db, { conversationId: group.conversationId }, missing, now, { reason: 'roster' });
}
