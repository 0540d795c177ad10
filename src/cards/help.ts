import { COMMAND_DEFINITIONS } from '../domain/commands';
import type { CaseManagementModel } from '../domain/groups';
import type { Locale } from '../domain/locale';
import { translate } from '../locales';
import { renderCard, type AdaptiveCardJson } from './render';

export interface HelpCardGroup {
  alias: string;
  model: CaseManagementModel;
}

/**
 * What the help card says about the conversation: the group's alias and model (members with consent
 * only), "this is a resource group" without details (anyone else in a group's conversation), or "not a
 * resource group yet".
 */
export type HelpCardConversation = HelpCardGroup | 'hidden' | 'none';

/**
 * The help card: every command, Swedish first with its English alias, and which are not built yet.
 *
 * @example
 *   helpCard('sv', { alias: 'K.L.', model: 'FACT' })
 */
export function helpCard(locale: Locale, conversation: HelpCardConversation): AdaptiveCardJson {
  const group = typeof conversation === 'object' ? conversation : null;
  return renderCard('help', {
    strings: {
      title: translate(locale, 'help.title'),
      intro: translate(locale, 'help.intro'),
      groupLabel: translate(locale, 'help.groupStatus.active'),
      groupStatus: translate(locale, conversation === 'hidden' ? 'help.groupStatus.hidden' : 'help.groupStatus.none'),
    },
    group: group && { alias: group.alias, model: translate(locale, `model.${group.model}`) },
    commands: COMMAND_DEFINITIONS.map((command) => {
      const description = translate(locale, `command.${command.id}.description`);
      return {
        sv: command.sv,
        en: command.en,
        available: command.available,
        description: command.available ? description : `${description} (${translate(locale, 'help.comingSoon')})`,
      };
    }),
  });
}
