import type { CommandDefinition } from '../domain/commands';
import type { ErrorCode } from '../domain/errors';
import type { Locale } from '../domain/locale';
import { translate } from '../locales';
import { renderCard, type AdaptiveCardJson } from './render';

export interface NoticeCardData {
  title: string;
  text: string;
  hint?: string;
  color: 'Default' | 'Attention' | 'Good' | 'Accent';
}

/** A short card with a title and a line or two of localized text (never user-typed text: it is markdown). */
export function noticeCard(data: NoticeCardData): AdaptiveCardJson {
  return renderCard('notice', { hint: null, ...data });
}

/** The localized polite answer for a domain error code. */
export function errorCard(locale: Locale, code: ErrorCode): AdaptiveCardJson {
  return noticeCard({ title: translate(locale, 'app.name'), text: translate(locale, `error.${code}`), color: 'Attention' });
}

/** "I didn't understand, try `hjälp`". */
export function unknownCommandCard(locale: Locale): AdaptiveCardJson {
  return noticeCard({ title: translate(locale, 'unknown.title'), text: translate(locale, 'unknown.text'), color: 'Default' });
}

/** The answer to a command that is listed in help but not built yet. */
export function notAvailableCard(locale: Locale, command: CommandDefinition): AdaptiveCardJson {
  return noticeCard({
    title: translate(locale, 'notAvailable.title'),
    text: translate(locale, 'notAvailable.text', { command: locale === 'en' ? command.en : command.sv }),
    color: 'Default',
  });
}

/**
 * Where the bot was installed, for its greeting: a personal chat, a channel or group chat that is not a
 * resource group (yet), or the conversation of a resource group.
 */
export type WelcomePlace = 'personal' | 'notAGroup' | 'group';

const WELCOME_TEXTS = {
  personal: { text: 'welcome.personal.text', hint: 'welcome.personal.hint' },
  notAGroup: { text: 'welcome.text', hint: 'welcome.setupHint' },
  group: { text: 'welcome.text', hint: 'welcome.groupHint' },
} as const;

/**
 * The greeting posted when the bot is installed: what it does in this place and what to type, in each
 * of `locales` in turn (Swedish first, then English, when nobody's language is known).
 *
 * @example
 *   welcomeCard('personal', ['sv', 'en'])
 */
export function welcomeCard(place: WelcomePlace, locales: readonly Locale[]): AdaptiveCardJson {
  const texts = WELCOME_TEXTS[place];
  return renderCard('welcome', {
    sections: locales.map((locale) => ({
      title: translate(locale, 'welcome.title'),
      text: translate(locale, texts.text),
      hint: translate(locale, texts.hint),
    })),
  });
}

/**
 * The refusal posted where others read it: it says nothing about why. "Why?" asks the bot, which
 * answers the presser alone from their own identity; `ask` only says whether they asked to see
 * something or to manage the group (the case manager's), never anything about anyone.
 */
export function neutralRefusalCard(locale: Locale, ask: 'view' | 'manage'): AdaptiveCardJson {
  return renderCard('refusal', { strings: { text: translate(locale, 'refusal.channel'), why: translate(locale, 'refusal.why') }, ask });
}
