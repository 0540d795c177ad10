import type { TurnContext } from 'botbuilder';
import { myGroupsCard } from '../cards/my-groups';
import { offsetOf, PAGE_SIZES } from '../cards/paging';
import { caseloadWarning, caseloadWarningReason } from '../domain/caseload';
import { DomainError } from '../domain/errors';
import type { Locale } from '../domain/locale';
import { translate } from '../locales';
import { appendAudit, recordAudit } from '../storage/audit';
import { countCoordinatedGroups, findMyGroupsPage } from '../storage/caseload';
import { callerOf, conversationKey, conversationOf, localeOf, triggerOf } from './context';
import type { BotDeps, Feature } from './feature';
import { postShell } from './group-context';
import { replyWithCard } from './send';

/**
 * `mina grupper` / `my groups`: the groups the caller belongs to and coordinates, with counts. In
 * personal chat the list itself; elsewhere a neutral post whose view is each presser's own list.
 */
export function caseloadFeature(deps: BotDeps): Feature {
  const { db, now } = deps;

  async function myGroupsView(context: TurnContext, offset: number) {
    const caller = callerOf(context);
    if (!caller.aadObjectId) throw new DomainError('not_a_member');
    const page = await findMyGroupsPage(db, caller.aadObjectId, { offset, take: PAGE_SIZES.myGroups }, now());
    // One row per group the page shows (one without a group when it shows none), in one statement.
    const read = { action: 'groups.mine.read', outcome: 'allowed' as const, actorAadObjectId: caller.aadObjectId, trigger: triggerOf(context), conversationId: conversationKey(context.activity.conversation?.id ?? '') || undefined };
    await appendAudit(db, page.groups.length > 0 ? page.groups.map((g) => ({ ...read, groupId: g.groupId })) : [read], now());
    return myGroupsCard(localeOf(context), page.groups, page);
  }

  return {
    name: 'caseload',
    commands: {
      myGroups: async (context) => {
        if (conversationOf(context).conversationType === 'personal') return replyWithCard(context, await myGroupsView(context, 0));
        // The one who asked sees their list at once; anyone else who presses sees their own, never another's.
        const { teamsUserId } = callerOf(context);
        await postShell(context, localeOf(context), { titleKey: 'shell.myGroups.title', privacyKey: 'shell.myGroups.privacy', verb: 'myGroupsShow', userIds: teamsUserId ? [teamsUserId] : [] });
      },
    },
    actions: {
      myGroupsShow: async (context, data) => myGroupsView(context, offsetOf(data.offset)),
    },
  };
}

/** The new case manager of a group, as the change left them. */
export interface NewCaseManager {
  memberId: string;
  aadObjectId: string | null;
  teamsUserId: string | null;
  displayName: string;
}

/**
 * After someone was made case manager of a group (set-up naming them, or the hand-over in the member
 * change form): the warning for the person who did it when the new case manager now coordinates more
 * groups than the group's model allows, audited (`caseload.warning`, counts only). Undefined when
 * there is nothing to warn about. Never blocks: the case manager's organisation decides.
 *
 * @example
 *   const warning = await caseloadWarningAfter(deps, context, group, { memberId, aadObjectId, teamsUserId, displayName });
 */
export async function caseloadWarningAfter(
  deps: BotDeps,
  context: TurnContext,
  group: { id: string; caseManagementModel: string },
  caseManager: NewCaseManager,
  actorMemberId?: string,
): Promise<string | undefined> {
  const coordinatedNow = await countCoordinatedGroups(deps.db, caseManager);
  if (coordinatedNow === undefined) return undefined;
  const warning = caseloadWarning({ model: group.caseManagementModel, coordinatedNow });
  if (!warning) return undefined;
  const caller = callerOf(context);
  await recordAudit(deps.db, {
    action: 'caseload.warning',
    outcome: 'allowed',
    groupId: group.id,
    actorMemberId,
    actorAadObjectId: caller.aadObjectId,
    entityType: 'Member',
    entityId: caseManager.memberId,
    reason: caseloadWarningReason(warning),
    conversationId: conversationKey(context.activity.conversation?.id ?? '') || undefined,
  }, deps.now());
  deps.logger.info('caseload.warning', { groupId: group.id, count: warning.count, limit: warning.limit });
  return caseloadWarningText(localeOf(context), warning, caseManager, caller);
}

function caseloadWarningText(locale: Locale, warning: { count: number; limit: number }, caseManager: NewCaseManager, caller: { aadObjectId?: string; teamsUserId: string }): string {
  const isCaller = (caller.aadObjectId && caller.aadObjectId === caseManager.aadObjectId) || (caller.teamsUserId !== '' && caller.teamsUserId === caseManager.teamsUserId);
  return isCaller
    ? translate(locale, 'caseload.warning.self', { count: warning.count, limit: warning.limit })
    : translate(locale, 'caseload.warning.other', { name: caseManager.displayName, count: warning.count, limit: warning.limit });
}
