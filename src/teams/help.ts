import { helpCard } from '../cards/help';
import type { CaseManagementModel } from '../domain/groups';
import { localeOf } from './context';
import { groupOfTurn } from './turn';
import type { BotDeps, Feature } from './feature';
import { replyWithCard } from './send';

/** `hjälp` / `help`: the help card, with the group's alias when the conversation is a resource group. */
export function helpFeature({ db }: BotDeps): Feature {
  return {
    name: 'help',
    commands: {
      help: async (context) => {
        const group = await groupOfTurn(db, context);
        const summary = group && { alias: group.individualAlias, model: group.caseManagementModel as CaseManagementModel };
        await replyWithCard(context, helpCard(localeOf(context), summary));
      },
    },
  };
}
