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
 * The help card: every command, Swedish first with its English alias, and which are not built yet.
 *
 * @example
 *   helpCard('sv', { alias: 'K.L.', model: 'FACT' })
 */
export function helpCard(locale: Locale, group: HelpCardGroup | null): AdaptiveCardJson {
  return renderCard('help', {
    strings: {
      title: translate(locale, 'help.title'),
      intro: translate(locale, 'help.intro'),
      groupLabel: translate(locale, 'help.groupStatus.active'),
      noGroup: translate(locale, 'help.groupStatus.none'),
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
