import type { Locale } from '../domain/locale';
import { translate, type MessageKey } from '../locales';
import { renderCard, type AdaptiveCardJson } from './render';

/** At most this many users get an automatic refresh (a Teams limit on refresh.userIds). */
export const MAX_REFRESH_USERS = 60;

export interface ShellCardInput {
  titleKey: MessageKey;
  /** Shown as "by {name}"; a member's display name, never health text. */
  byName?: string;
  /** The Action.Execute verb (and data) that returns the full, user-specific view. */
  verb: string;
  data?: Record<string, unknown>;
  /** Teams user ids whose clients refresh the card to their own full view at once. */
  userIds: string[];
}

/**
 * The card the bot posts into a group conversation: a neutral title, no group details. Everyone in the
 * channel sees this; members with consent (refresh.userIds) see it refresh into their own full view,
 * and anyone can press "Show", which checks their access before answering.
 *
 * @example
 *   shellCard('sv', { titleKey: 'shell.plan.title', verb: 'planShow', userIds })
 */
export function shellCard(locale: Locale, input: ShellCardInput): AdaptiveCardJson {
  return renderCard('shell', {
    strings: {
      title: translate(locale, input.titleKey),
      byline: input.byName ? translate(locale, 'shell.byline', { name: input.byName }) : null,
      privacy: translate(locale, 'shell.privacy'),
      show: translate(locale, 'shell.show'),
    },
    verb: input.verb,
    data: input.data ?? {},
    userIds: input.userIds.slice(0, MAX_REFRESH_USERS),
  });
}
