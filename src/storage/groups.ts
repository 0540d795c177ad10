/**
 * Persistence of resource groups and their members.
 */
import { DomainError } from '../domain/errors';
import type { GroupSetupInput } from '../domain/groups';
import { recordChange } from './audit';
import type { ResourceGroup } from '../generated/sqlite/client';
import { isUniqueViolation, type Db } from './database';
import { columnsOf, GROUP_ROW } from './rows';
import { rowOf, sqlOf } from './sql';

export interface ConversationInfo {
  conversationId: string;
  conversationType: 'channel' | 'groupChat' | 'personal';
  tenantId?: string;
  teamId?: string;
  channelId?: string;
}

/** A person from the conversation's roster, as Teams gives it. */
export interface RosterPerson {
  teamsUserId: string;
  aadObjectId?: string;
  name: string;
}

export interface CreateResourceGroupInput {
  conversation: ConversationInfo;
  setup: GroupSetupInput;
  timeZone: string;
  /** The person who submitted the form. */
  actor: RosterPerson;
  /** The chosen case manager, from the roster. */
  caseManager: RosterPerson;
  /** The turn's claim, committed with the group (see storage/activities.ts). */
  claimKey?: string;
}

/** The resource group bound to a conversation, or null. Read on every turn: plain SQL (sql.ts). */
export async function findGroupByConversation(db: Db, conversationId: string): Promise<ResourceGroup | null> {
  const [row] = await sqlOf(db).all(`SELECT ${columnsOf(GROUP_ROW)} FROM "ResourceGroup" WHERE "conversationId" = ?`, [conversationId]);
  return row ? rowOf<ResourceGroup>(row, GROUP_ROW) : null;
}

/** The group's case manager (a member flagged as such), or null. */
export function findCaseManager(db: Db, groupId: string) {
  return db.member.findFirst({ where: { groupId, isCaseManager: true, removedAt: null } });
}

/**
 * Creates the resource group for a conversation with its first members (the case manager, and the
 * person who set it up when that is someone else), in one transaction with its audit entry.
 * Throws DomainError('group_exists') when the conversation already has a group, even when two set-ups race.
 *
 * @example
 *   const group = await createResourceGroup(db, { conversation, setup, timeZone: 'Europe/Stockholm', actor, caseManager });
 */
export async function createResourceGroup(db: Db, input: CreateResourceGroupInput, now: Date = new Date()) {
  const { conversation, setup, actor, caseManager } = input;
  try {
    return await db.$transaction(async (tx) => {
      const group = await tx.resourceGroup.create({
        data: {
          conversationId: conversation.conversationId,
          conversationType: conversation.conversationType,
          tenantId: conversation.tenantId ?? null,
          teamId: conversation.teamId ?? null,
          channelId: conversation.channelId ?? null,
          individualAlias: setup.individualAlias,
          caseManagementModel: setup.caseManagementModel,
          locale: setup.locale,
          timeZone: input.timeZone,
        },
      });
      const addMember = (person: RosterPerson, isCaseManager: boolean) =>
        tx.member.create({
          data: {
            groupId: group.id,
            teamsUserId: person.teamsUserId,
            aadObjectId: person.aadObjectId ?? null,
            displayName: person.name,
            role: isCaseManager ? 'case_manager' : 'other',
            principal: 'other',
            isCaseManager,
          },
        });
      const actorIsCaseManager = caseManager.teamsUserId === actor.teamsUserId;
      const actorMember = await addMember(actor, actorIsCaseManager);
      const caseManagerMember = actorIsCaseManager ? actorMember : await addMember(caseManager, true);
      // The individual chose the case manager with the group: their consent is recorded with it.
      await tx.member.update({ where: { id: caseManagerMember.id }, data: { consentRecordedAt: now, consentRecordedBy: actorMember.id } });
      const audit = (action: string, entityType: string, entityId: string) =>
        recordChange(tx, action, group.id, { memberId: actorMember.id, aadObjectId: actor.aadObjectId, claimKey: input.claimKey }, entityType, entityId, now);
      for (const member of new Set([actorMember, caseManagerMember])) await audit('member.add', 'Member', member.id);
      await audit('member.consent.record', 'Member', caseManagerMember.id);
      await audit('group.setup', 'ResourceGroup', group.id);
      return group;
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw new DomainError('group_exists');
    throw error;
  }
}
