import type { CaseManagementModel } from '../domain/groups';
import type { Locale } from '../domain/locale';
import type { MemberRole } from '../domain/members';
import { STRENGTHS_CASELOAD_LIMIT } from '../domain/caseload';
import { translate } from '../locales';
import { fitItems, PAGE_SIZES, pagerOf } from './paging';
import { renderCard, type AdaptiveCardJson } from './render';

/** One of the caller's groups as the card shows it (see storage/caseload.ts findMyGroupsPage). */
export interface MyGroupView {
  alias: string;
  model: string;
  role: string;
  isCaseManager: boolean;
  /** Whether the individual's consent to share with the caller stands: only then alias, model and counts. */
  consented: boolean;
  open: number;
  overdue: number;
}

export interface MyGroupsTotals {
  belonging: number;
  coordinating: number;
  /** Of those coordinated, how many are Styrkemodellen groups (whose model sets the limit). */
  coordinatingWithLimit: number;
  offset: number;
}

/**
 * "Mina grupper": how many groups the caller coordinates and belongs to, and one page of them, each
 * with its alias, model, the caller's role, whether they coordinate it, and their own open and overdue
 * agreements. A group whose individual has not (or no longer) consented to share with the caller is
 * listed without alias, model or counts. Only ever the caller's own view (personal chat, or the answer
 * to their press): never a post the channel sees.
 *
 * @example
 *   myGroupsCard('sv', page.groups, { belonging: 3, coordinating: 1, coordinatingWithLimit: 0, offset: 0 })
 */
export function myGroupsCard(locale: Locale, groups: readonly MyGroupView[], totals: MyGroupsTotals): AdaptiveCardJson {
  const overLimit = totals.coordinatingWithLimit > 0 && totals.coordinating > STRENGTHS_CASELOAD_LIMIT;
  return fitItems(groups, (shown) => renderCard('my-groups', {
    strings: {
      title: translate(locale, 'myGroups.title'),
      summary: translate(locale, 'myGroups.summary', { coordinating: totals.coordinating, belonging: totals.belonging }),
      caseload: overLimit ? translate(locale, 'myGroups.overLimit', { count: totals.coordinating, limit: STRENGTHS_CASELOAD_LIMIT }) : null,
      empty: translate(locale, 'myGroups.empty'),
    },
    groups: shown.map((group) => {
      const parts = group.consented ? [translate(locale, `model.${group.model as CaseManagementModel}`)] : [];
      parts.push(group.isCaseManager ? translate(locale, 'myGroups.coordinating') : translate(locale, `role.${group.role as MemberRole}`));
      return {
        alias: group.consented ? group.alias : translate(locale, 'myGroups.withoutConsent'),
        line: parts.join(' · '),
        counts: group.consented ? translate(locale, 'myGroups.counts', { open: group.open, overdue: group.overdue }) : null,
        countsColor: group.overdue > 0 ? 'Attention' : 'Default',
      };
    }),
    pager: pagerOf(locale, totals.offset, shown.length, totals.belonging, PAGE_SIZES.myGroups),
  }));
}
