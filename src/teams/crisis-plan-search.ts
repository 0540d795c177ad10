/**
 * The compose-box search "Krisplan" (a search message extension): finds the crisis plans of the
 * caller's groups by the individual's alias. Results are shown to the caller alone; what a result
 * inserts into a conversation is a card without any content whose button opens the plan only for those
 * allowed to read it (the crisis plan feature checks access from whoever presses, never from the card).
 */
import type { TurnContext } from 'botbuilder';
import { crisisPlanLinkCard } from '../cards/crisis-plan';
import { translate } from '../locales';
import { recordAudits } from '../storage/audit';
import { findCrisisPlanGroupsOf } from '../storage/crisis-plans';
import { callerOf, conversationKey, localeOf } from './context';
import type { BotDeps, ComposeSearchHandler, Feature } from './feature';

/** The manifest's command id (appPackage/manifest.json composeExtensions[0].commands[0]). */
export const CRISIS_PLAN_SEARCH_COMMAND = 'crisisPlanSearch';

/** Teams shows at most 25 results a page. */
const RESULTS_MAX = 25;
const ALIAS_QUERY_MAX = 40;

/**
 * @example
 *   createFeatures(deps) // includes crisisPlanSearchFeature(deps): composeSearches.crisisPlanSearch
 */
export function crisisPlanSearchFeature(deps: BotDeps): Feature {
  const { db, logger, now } = deps;

  const search: ComposeSearchHandler = async (context: TurnContext, query) => {
    const locale = localeOf(context);
    const caller = callerOf(context);
    if (!caller.aadObjectId) {
      logger.info('crisisplan.search', { results: 0, reason: 'no_identity' });
      return { type: 'message', text: translate(locale, 'crisisPlanSearch.noIdentity') };
    }
    const alias = typeof query.parameters.alias === 'string' ? query.parameters.alias.slice(0, ALIAS_QUERY_MAX) : '';
    const skip = Math.max(0, Math.min(query.skip, 1000));
    const count = Math.max(1, Math.min(query.count, RESULTS_MAX));
    // Only groups whose plan this caller may read (the query applies the same rule as opening it) and that have one.
    const groups = (await findCrisisPlanGroupsOf(db, caller.aadObjectId, alias, skip + count, { withPlanOnly: true })).slice(skip);
    const conversationId = conversationKey(context.activity.conversation?.id ?? '') || undefined;
    await recordAudits(
      db,
      groups.map((g) => ({ action: 'crisisplan.search', outcome: 'allowed' as const, groupId: g.groupId, actorAadObjectId: caller.aadObjectId, entityType: 'ResourceGroup', entityId: g.groupId, conversationId })),
      now(),
    );
    logger.info('crisisplan.search', { results: groups.length });
    return {
      type: 'result',
      attachmentLayout: 'list',
      attachments: groups.map((g) => ({
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: crisisPlanLinkCard(locale, g.groupId),
        // The preview is the caller's alone (the alias of their own group); the inserted card names nothing.
        preview: {
          contentType: 'application/vnd.microsoft.card.thumbnail',
          content: { title: g.alias, text: translate(locale, 'crisisPlanSearch.preview') },
        },
      })),
    };
  };

  return { name: 'crisisPlanSearch', composeSearches: { [CRISIS_PLAN_SEARCH_COMMAND]: search } };
}
