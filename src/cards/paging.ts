/**
 * Keeping views inside the card budget at any size: long list texts are shortened (the item's own view
 * shows them whole), long lists come a page at a time, and a page that still would not fit (very long
 * multi-byte texts) is cut down until it does.
 */
import type { Locale } from '../domain/locale';
import { translate } from '../locales';
import { fitsCardBudget } from './budget';
import type { AdaptiveCardJson } from './render';

/** How much of a user's text a list shows; the item's own view shows all of it. */
export const LIST_TEXT_LENGTH = 120;

/** The most entries one page of each view holds (fewer when the texts are long). */
export const PAGE_SIZES = {
  plan: 15,
  mine: 25,
  /** "Mina grupper": a group is three short lines. */
  myGroups: 25,
  summary: 25,
  members: 30,
  goalHistory: 10,
  agreementHistory: 15,
  log: 25,
  logExtract: 25,
  /** Lines for copying are short: more of them fit a page. */
  logExtractLines: 100,
} as const;

/** How many choices a pick list carries in the card; the rest are found by typing (typeahead search). */
export const STATIC_CHOICES = 15;

/** How many results one typeahead search answers with (Teams shows at most 15). */
export const SEARCH_RESULTS_MAX = 15;

/**
 * A text cut to `max` characters at a word boundary where one is near, with an ellipsis.
 *
 * @example
 *   shorten('Jag vill ha en egen lägenhet', 12) // 'Jag vill ha…'
 */
export function shorten(text: string, max: number = LIST_TEXT_LENGTH): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  const cut = chars.slice(0, max - 1).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The offset a paging action asked for: a non-negative integer, else 0. */
export function offsetOf(value: unknown): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : 0;
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
}

/** What a paged card shows under its list: where the reader is, and the actions to go on or back. */
export interface Pager {
  showing: string;
  next: Record<string, unknown> | null;
  previous: Record<string, unknown> | null;
  nextTitle: string;
  previousTitle: string;
}

/**
 * The pager of a page that starts at `offset`, shows `shown` of `total` entries, and carries `data`
 * (e.g. the goal id) in its actions. Null when everything fits on one page.
 */
export function pagerOf(locale: Locale, offset: number, shown: number, total: number, pageSize: number, data: Record<string, unknown> = {}): Pager | null {
  if (offset === 0 && shown >= total) return null;
  return {
    showing: translate(locale, 'paging.showing', { from: total === 0 ? 0 : offset + 1, to: offset + shown, total }),
    next: offset + shown < total ? { ...data, offset: offset + shown } : null,
    previous: offset > 0 ? { ...data, offset: Math.max(0, offset - pageSize) } : null,
    nextTitle: translate(locale, 'paging.next'),
    previousTitle: translate(locale, 'paging.previous'),
  };
}

/**
 * Renders as many of `items` as fit the card budget, halving the count until the card fits. `render`
 * gets the items to show; it builds the pager from how many that is.
 *
 * @example
 *   const card = fitItems(page, (shown) => renderList(shown, pagerOf(locale, offset, shown.length, total, size)));
 */
export function fitItems<T>(items: readonly T[], render: (shown: T[]) => AdaptiveCardJson): AdaptiveCardJson {
  let count = items.length;
  let card = render(items.slice(0, count));
  while (!fitsCardBudget(card) && count > 1) {
    count = Math.ceil(count / 2);
    card = render(items.slice(0, count));
  }
  return card;
}
