import { helpCard } from '../cards/help';
import { localeOf } from './context';
import { groupOfTurn } from './turn';
import type { BotDeps, Feature } from './feature';
import { replyWithRecentRefusals } from './refusals';
import { replyWithCard } from './send';

/**
 * `hjälp` / `help`: the help card. In a group's shared conversation everyone reads the reply, so it
 * says only that the conversation belongs to a resource group, never whose (members see the alias in
 * their own views). In personal chat it adds why the caller was recently refused, if they were.
 */
export function helpFeature(deps: BotDeps): Feature {
  const { db } = deps;
  return {
    name: 'help',
    commands: {
      help: async (context) => {
        const group = await groupOfTurn(db, context);
        await replyWithCard(context, helpCard(localeOf(context), group ? 'group' : 'none'));
        await replyWithRecentRefusals(deps, context);
      },
    },
  };
}
