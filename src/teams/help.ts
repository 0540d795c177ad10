import { helpCard } from '../cards/help';
import type { CaseManagementModel } from '../domain/groups';
import { findGroupByConversation } from '../storage/groups';
import { conversationOf, localeOf } from './context';
import type { BotDeps, Feature } from './feature';
import { replyWithCard } from './send';

/** `hjälp` / `help`: the help card, with the group's alias when the conversation is a resource group. */
export function helpFeature({ db }: BotDeps): Feature {
  return {
    name: 'help',
    commands: {
      help: async (context) => {
        const group = await findGroupByConversation(db, conversationOf(context).conversationId);
        const summary = group && { alias: group.individualAlias, model: group.caseManagementModel as CaseManagementModel };
        await replyWithCard(context, helpCard(localeOf(context), summary));
      },
    },
  };
}
