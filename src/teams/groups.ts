import type { TurnContext } from 'botbuilder';
import { groupSetupFormCard, groupSummaryCard } from '../cards/groups';
import { errorCard, noticeCard } from '../cards/notice';
import { DomainError } from '../domain/errors';
import { validateGroupSetup, type CaseManagementModel } from '../domain/groups';
import type { Locale } from '../domain/locale';
import { translate } from '../locales';
import { findMemberByCaller } from '../storage/access';
import { recordAudit } from '../storage/audit';
import { createResourceGroup, findCaseManager, findGroupByConversation } from '../storage/groups';
import { callerOf, conversationOf, localeOf } from './context';
import type { BotDeps, Feature } from './feature';
import { readRoster } from './roster';
import { caseloadWarningAfter } from './caseload';
import { mayKnowGroup } from './group-context';
import { claimKeyOfTurn } from './turn';
import { replyWithCard } from './send';

export const GROUP_SETUP_VERB = 'groupSetup';

/** `starta` / `setup`: binds the conversation to a new resource group through a card form. */
export function groupsFeature(deps: BotDeps): Feature {
  const { db, logger } = deps;

  /**
   * "Already a resource group". Its details (alias, model, case manager) only in an answer the caller
   * alone sees (`privately`: the answer to their own press) and only to a member with consent; a reply
   * in the conversation is read by everyone there.
   */
  async function existingGroupCard(context: TurnContext, locale: Locale, conversationId: string, privately: boolean) {
    const group = await findGroupByConversation(db, conversationId);
    if (!group) return undefined;
    if (!privately || !(await mayKnowGroup(db, context, group))) {
      return noticeCard({ title: translate(locale, 'setup.title'), text: translate(locale, 'setup.existsHidden'), color: 'Default' });
    }
    const caseManager = await findCaseManager(db, group.id);
    return groupSummaryCard(
      locale,
      { alias: group.individualAlias, model: group.caseManagementModel as CaseManagementModel, caseManagerName: caseManager?.displayName ?? '' },
      'exists',
    );
  }

  /** A resource group is shared: a personal chat cannot be one. */
  function personalChatCard(context: TurnContext) {
    if (conversationOf(context).conversationType !== 'personal') return undefined;
    const locale = localeOf(context);
    return noticeCard({ title: translate(locale, 'setup.title'), text: translate(locale, 'setup.personalNotAllowed'), color: 'Default' });
  }

  async function refuseWithoutIdentity(context: TurnContext): Promise<boolean> {
    if (callerOf(context).aadObjectId) return false;
    await recordAudit(db, { action: 'group.setup', outcome: 'denied', reason: 'no_identity' });
    return true;
  }

  return {
    name: 'groups',
    commands: {
      setup: async (context) => {
        const locale = localeOf(context);
        const personal = personalChatCard(context);
        if (personal) return replyWithCard(context, personal);
        const existing = await existingGroupCard(context, locale, conversationOf(context).conversationId, false);
        if (existing) return replyWithCard(context, existing);
        if (await refuseWithoutIdentity(context)) return replyWithCard(context, errorCard(locale, 'forbidden'));
        const roster = await readRoster(context, logger);
        const caller = callerOf(context);
        await replyWithCard(
          context,
          groupSetupFormCard(locale, roster.map((p) => ({ id: p.teamsUserId, name: p.name })), { caseManager: caller.teamsUserId, locale }),
        );
      },
    },
    actions: {
      [GROUP_SETUP_VERB]: async (context, data) => {
        const locale = localeOf(context);
        const conversation = conversationOf(context);
        const personal = personalChatCard(context);
        if (personal) return personal;
        const existing = await existingGroupCard(context, locale, conversation.conversationId, true);
        if (existing) return existing;
        if (await refuseWithoutIdentity(context)) return errorCard(locale, 'forbidden');
        const roster = await readRoster(context, logger);
        const people = roster.map((p) => ({ id: p.teamsUserId, name: p.name }));
        const validation = validateGroupSetup(data, roster.map((p) => p.teamsUserId));
        if (!validation.ok) {
          logger.info('group.setup.invalid', { fields: Object.keys(validation.fieldErrors).join(',') });
          return groupSetupFormCard(locale, people, data, validation.fieldErrors);
        }
        const caller = callerOf(context);
        const caseManager = roster.find((p) => p.teamsUserId === validation.value.caseManagerUserId) ?? caller;
        try {
          const group = await createResourceGroup(db, {
            conversation,
            setup: validation.value,
            timeZone: deps.config.defaultTimeZone,
            actor: caller,
            caseManager,
            claimKey: claimKeyOfTurn(context),
          }, deps.now());
          logger.info('group.created', { groupId: group.id, conversationType: conversation.conversationType });
          // The answer is the caller's alone: a warning about the case manager's caseload stays private.
          const caseManagerMember = await findCaseManager(db, group.id);
          const actorMember = await findMemberByCaller(db, group.id, caller);
          const warning = caseManagerMember
            ? await caseloadWarningAfter(deps, context, group, { ...caseManagerMember, memberId: caseManagerMember.id }, actorMember?.id)
            : undefined;
          return groupSummaryCard(
            locale,
            { alias: group.individualAlias, model: validation.value.caseManagementModel, caseManagerName: caseManager.name },
            'created',
            warning,
          );
        } catch (error) {
          if (error instanceof DomainError && error.code === 'group_exists') {
            return (await existingGroupCard(context, locale, conversation.conversationId, true)) ?? errorCard(locale, 'group_exists');
          }
          throw error;
        }
      },
    },
  };
}
