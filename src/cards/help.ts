import { COMMAND_DEFINITIONS } from '../domain/commands';
import type { Locale } from '../domain/locale';
import { translate } from '../locales';
import { renderCard, type AdaptiveCardJson } from './render';

/**
 * The help card: every command, Swedish first with its English alias, and which are not built yet;
 * whether the conversation is a resource group, without saying whose (it is read by everyone there).
 *
 * @example
 *   helpCard('sv', 'group')
 */
export function helpCard(locale: Locale, conversation: 'group' | 'none'): AdaptiveCardJson {
  return renderCard('help', {
    strings: {
      title: translate(locale, 'help.title'),
      intro: translate(locale, 'help.intro'),
      groupStatus: translate(locale, conversation === 'group' ? 'help.groupStatus.group' : 'help.groupStatus.none'),
    },
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
