/**
 * Persistence of a group's members: added from the roster or as contacts without Teams, roles, the
 * individual's consent, removal. Every change is audited in the same transaction.
 */
import { DomainError } from '../domain/errors';
import type { MemberChange, MemberInput } from '../domain/members';
import { recordAudit, recordChange, type AuditActor } from './audit';
import type { Db } from './database';
import type { RosterPerson } from './groups';

/** The group's current members, case manager first, then by name. */
export function listMembers(db: Db, groupId: string) {
  return db.member.findMany({
    where: { groupId, removedAt: null },
    orderBy: [{ isCaseManager: 'desc' }, { displayName: 'asc' }],
  });
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
        break;
    }
    await recordChange(tx, CHANGE_ACTIONS[change.kind], groupId, actor, 'Member', member.id, now);
    return tx.member.findUniqueOrThrow({ where: { id: member.id } });
  });
}

/**
 * Ends the membership of people who left the Teams conversation (membersRemoved), in every group bound
 * to it: for a team, every channel group of that team. Returns how many memberships ended.
 */
export async function endMembershipsOfDeparted(
  db: Db,
  where: { teamId?: string; conversationId: string },
  teamsUserIds: readonly string[],
  now: Date,
): Promise<number> {
  if (teamsUserIds.length === 0) return 0;
  return db.$transaction(async (tx) => {
    const groups = await tx.resourceGroup.findMany({
      where: where.teamId ? { OR: [{ teamId: where.teamId }, { conversationId: where.conversationId }] } : { conversationId: where.conversationId },
      select: { id: true },
    });
    const members = await tx.member.findMany({
      where: { groupId: { in: groups.map((g) => g.id) }, teamsUserId: { in: [...teamsUserIds] }, removedAt: null },
    });
    for (const member of members) {
      await tx.member.update({ where: { id: member.id }, data: { removedAt: now } });
      await recordAudit(tx, { action: 'member.left_conversation', outcome: 'allowed', groupId: member.groupId, entityType: 'Member', entityId: member.id }, now);
    }
    return members.length;
  });
}
