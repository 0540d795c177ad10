import type { FieldErrors } from '../domain/errors';
import type { Locale } from '../domain/locale';
import { CRISIS_PLAN_ACCESS_CHOICES, hasConsent, MEMBER_CHANGES, MEMBER_ROLES, PRINCIPALS, type MemberRole, type Principal } from '../domain/members';
import { translate } from '../locales';
import { formatDate, formValue, localizeFieldErrors } from './format';
import { fitItems, PAGE_SIZES, pagerOf } from './paging';
import { renderCard, type AdaptiveCardJson } from './render';
import { MAX_REFRESH_USERS } from './shell';

/** The member facts the cards show. */
export interface MemberView {
  id: string;
  displayName: string;
  role: string;
  principal: string;
  organisation: string | null;
  teamsUserId: string | null;
  /** The individual the group is for: shown as such, not by a principal (they are nobody's staff or relative). */
  isIndividual: boolean;
  isCaseManager: boolean;
  consentRecordedAt: Date | null;
  consentWithdrawnAt: Date | null;
}

function roleChoices(locale: Locale) {
  return MEMBER_ROLES.map((value) => ({ value, title: translate(locale, `role.${value}`) }));
}

function principalChoices(locale: Locale) {
  return PRINCIPALS.map((value) => ({ value, title: translate(locale, `principal.${value}`) }));
}

function consentLine(locale: Locale, member: MemberView, timeZone: string): string {
  if (hasConsent(member)) return translate(locale, 'members.consentYes', { date: formatDate(member.consentRecordedAt!, locale, timeZone) });
  if (member.consentWithdrawnAt) return translate(locale, 'members.consentWithdrawn', { date: formatDate(member.consentWithdrawnAt, locale, timeZone) });
  return translate(locale, 'members.consentNo');
}

/**
 * What the line under a member's name says: role and principal (and organisation). The case manager's
 * mark already says "case manager", so a case manager by role is not told twice; the individual is
 * shown as the individual, without the principal that the form asks of everyone.
 */
function roleLine(locale: Locale, member: MemberView): string {
  const parts: string[] = [];
  if (!(member.isCaseManager && member.role === 'case_manager')) parts.push(translate(locale, `role.${member.role as MemberRole}`));
  if (!member.isIndividual) parts.push(translate(locale, `principal.${member.principal as Principal}`));
  if (member.organisation) parts.push(member.organisation);
  return parts.join(' · ');
}

/**
 * The member list: name, role, principal, Teams account, consent (with date); the case manager marked.
 *
 * @example
 *   membersCard('sv', members, { timeZone: 'Europe/Stockholm', userIds: [] })
 */
export function membersCard(
  locale: Locale,
  members: MemberView[],
  options: {
    timeZone: string;
    userIds: string[];
    notice?: string;
    /** For the person who just made a change: the new case manager's caseload (see teams/caseload.ts). */
    warning?: string;
    offset?: number;
    total?: number;
    canManage: boolean;
  },
): AdaptiveCardJson {
  const offset = options.offset ?? 0;
  return fitItems(members, (shown) => renderCard('members', {
    strings: {
      title: translate(locale, 'members.title'),
      refresh: translate(locale, 'card.refresh'),
      addFromTeams: translate(locale, 'members.addFromTeams'),
      addContact: translate(locale, 'members.addContact'),
      change: translate(locale, 'members.change'),
    },
    notice: options.notice ?? null,
    warning: options.warning ?? null,
    userIds: options.userIds.slice(0, MAX_REFRESH_USERS),
    // Adding and changing members is the case manager's: nobody else sees those buttons.
    canManage: options.canManage,
    offset,
    pager: pagerOf(locale, offset, shown.length, options.total ?? members.length, PAGE_SIZES.members),
    members: shown.map((member) => ({
      name: member.displayName,
      caseManagerMark: member.isCaseManager ? translate(locale, 'members.caseManagerMark') : '',
      roleLine: roleLine(locale, member),
      status: `${translate(locale, member.teamsUserId ? 'members.teamsYes' : 'members.teamsNo')} · ${consentLine(locale, member, options.timeZone)}`,
      statusColor: hasConsent(member) ? 'Default' : 'Warning',
    })),
  }));
}

/** The add-member form: a person from the conversation's roster, or a contact without Teams. */
export function memberAddFormCard(
  locale: Locale,
  mode: 'roster' | 'contact',
  people: Array<{ id: string; name: string }>,
  values: Record<string, unknown> = {},
  fieldErrors: FieldErrors = {},
): AdaptiveCardJson {
  const key = (k: string) => translate(locale, `members.addForm.${k}` as Parameters<typeof translate>[1]);
  return renderCard('member-add-form', {
    mode,
    strings: {
      title: key('title'),
      personLabel: key('personLabel'),
      personRequired: translate(locale, 'members.error.personRequired'),
      contactNameLabel: key('contactNameLabel'),
      nameRequired: translate(locale, 'members.error.nameRequired'),
      roleLabel: key('roleLabel'),
      roleRequired: translate(locale, 'members.error.roleRequired'),
      principalLabel: key('principalLabel'),
      principalRequired: translate(locale, 'members.error.principalRequired'),
      organisationLabel: key('organisationLabel'),
      consentLabel: key('consentLabel'),
      submit: key('submit'),
    },
    errors: localizeFieldErrors(locale, fieldErrors, 'members.error.summary'),
    form: {
      person: formValue(values.person),
      contactName: formValue(values.contactName),
      role: formValue(values.role),
      principal: formValue(values.principal),
      organisation: formValue(values.organisation),
      consentNow: formValue(values.consentNow) || 'false',
    },
    people,
    roles: roleChoices(locale),
    principals: principalChoices(locale),
  });
}

/** The change-member form: role, consent recorded or withdrawn, removal, case manager hand-over, crisis-plan access. */
export function memberChangeFormCard(
  locale: Locale,
  members: Array<{ id: string; name: string }>,
  values: Record<string, unknown> = {},
  fieldErrors: FieldErrors = {},
): AdaptiveCardJson {
  return renderCard('member-change-form', {
    strings: {
      title: translate(locale, 'members.changeForm.title'),
      memberLabel: translate(locale, 'members.changeForm.memberLabel'),
      memberRequired: translate(locale, 'members.error.memberRequired'),
      changeLabel: translate(locale, 'members.changeForm.changeLabel'),
      changeRequired: translate(locale, 'members.error.changeRequired'),
      roleHint: translate(locale, 'members.changeForm.roleHint'),
      roleLabel: translate(locale, 'members.addForm.roleLabel'),
      principalLabel: translate(locale, 'members.addForm.principalLabel'),
      crisisPlanAccessHint: translate(locale, 'crisisPlan.access.hint'),
      crisisPlanAccessLabel: translate(locale, 'crisisPlan.access.label'),
      submit: translate(locale, 'members.changeForm.submit'),
    },
    errors: localizeFieldErrors(locale, fieldErrors, 'members.error.summary'),
    form: {
      memberId: formValue(values.memberId),
      change: formValue(values.change),
      role: formValue(values.role),
      principal: formValue(values.principal),
      crisisPlanAccess: formValue(values.crisisPlanAccess),
    },
    members,
    // The role's default is named in the choice, since the form is for any member.
    crisisPlanAccessChoices: CRISIS_PLAN_ACCESS_CHOICES.map((value) => ({ value, title: translate(locale, `crisisPlan.access.${value}`) })),
    changes: MEMBER_CHANGES.map((value) => ({ value, title: translate(locale, `members.change.${value}`) })),
    roles: roleChoices(locale),
    principals: principalChoices(locale),
  });
}
