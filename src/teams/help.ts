import { helpCard } from '../cards/help';
import type { CaseManagementModel } from '../domain/groups';
import { localeOf } from './context';
import { groupOfTurn } from './turn';
import type { BotDeps, Feature } from './feature';
import { mayKnowGroup } from './group-context';
import { replyWithRecentRefusals } from './refusals';
import { replyWithCard } from './send';

/**
 * `hjälp` / `help`: the help card. In a group's conversation it names the individual's alias only to
 * members with consent; in personal chat it adds why the caller was recently refused, if they were.
 */
export function helpFeature(deps: BotDeps): Feature {
  const { db } = deps;
  return {
    name: 'help',
    commands: {
      help: async (context) => {
        const group = await groupOfTurn(db, context);
        const conversation = !group
          ? 'none'
          : (await mayKnowGroup(db, context, group))
            ? { alias: group.individualAlias, model: group.caseManagementModel as CaseManagementModel }
            : 'hidden';
        await replyWithCard(context, helpCard(localeOf(context), conversation));
        await replyWithRecentRefusals(deps, context);
      },
    },
  };
}
