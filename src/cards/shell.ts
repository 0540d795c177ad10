import type { Locale } from '../domain/locale';
import { translate, type MessageKey } from '../locales';
import { formatDateTime } from './format';
import { renderCard, type AdaptiveCardJson } from './render';

/** At most this many users get an automatic refresh (a Teams limit on refresh.userIds). */
export const MAX_REFRESH_USERS = 60;

export interface ShellCardInput {
  titleKey: MessageKey;
  /** When what the post stands for last changed: shown, so that an update in place is visible. */
  changed?: { at: Date; timeZone: string };
  /** The Action.Execute verb (and data) that returns the full, user-specific view. */
  verb: string;
  data?: Record<string, unknown>;
  /** Teams user ids whose clients refresh the card to their own full view at once. */
  userIds: string[];
  /**
   * For posts to the whole group: the title in the other language too (Swedish first), since members
   * read different languages and this card names nothing to translate.
   */
  bilingual?: boolean;
  /**
   * False for a post whose content must appear only when an entitled member presses (the crisis plan):
   * the card has no refresh at all, so Teams fetches nothing for anyone by itself.
   */
  refresh?: boolean;
  /** The privacy line and button text, where the default ("members with consent", "Show") would not be true. */
  privacyKey?: MessageKey;
  showKey?: MessageKey;
  /** A line that names nobody (the FACT board's count), in the card's language(s). */
  note?: string;
}

/**
 * The card the bot posts into a group conversation: a neutral title, nothing about the individual or
 * the members. Everyone in the channel sees this; members with consent (refresh.userIds) see it refresh
 * into their own full view, in their own language, and anyone can press "Show", which checks their
 * access before answering.
 *
 * @example
 *   shellCard('sv', { titleKey: 'shell.plan.title', verb: 'planShow', userIds })
 */
export function shellCard(locale: Locale, input: ShellCardInput): AdaptiveCardJson {
  const [first, second] = input.bilingual ? (['sv', 'en'] as const) : [locale, undefined];
  const showKey = input.showKey ?? 'shell.show';
  const card = renderCard('shell', {
    strings: {
      title: translate(first, input.titleKey),
      secondTitle: second ? translate(second, input.titleKey) : null,
      changed: input.changed ? translate(locale, 'shell.changed', { time: formatDateTime(input.changed.at, locale, input.changed.timeZone) }) : null,
      privacy: translate(locale, input.privacyKey ?? 'shell.privacy'),
      show: second ? `${translate(first, showKey)} · ${translate(second, showKey)}` : translate(locale, showKey),
      note: input.note ?? null,
    },
    verb: input.verb,
    data: input.data ?? {},
    userIds: input.userIds.slice(0, MAX_REFRESH_USERS),
  });
  if (input.refresh === false) delete card.refresh;
  return card;
}
