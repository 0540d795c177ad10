/**
 * The crisis plan's cards. What is posted where others read it (the link) carries no content and never
 * refreshes by itself; everything else is only ever returned to the entitled member who pressed, or
 * sent in their personal chat. The plan view puts the red phase first: what to do in a crisis, and who
 * to call, with numbers that open the phone.
 */
import {
  CRISIS_PLAN_SECTIONS,
  fieldKind,
  fieldMaxLength,
  formTextOf,
  SECTION_FIELDS,
  sectionValues,
  telHref,
  type Contact,
  type CrisisPlanContent,
  type CrisisPlanSection,
  type SectionDiff,
  type SectionField,
} from '../domain/crisis-plan';
import type { FieldErrors } from '../domain/errors';
import type { Locale } from '../domain/locale';
import { isMessageKey, translate, type MessageKey } from '../locales';
import { formatDate, formatDateTime, formValue } from './format';
import { fitItems, pagerOf } from './paging';
import { renderCard, type AdaptiveCardJson } from './render';
import { shellCard } from './shell';

/** How many entries a page of each crisis-plan view holds (fewer when the texts are long). */
export const CRISIS_PLAN_PAGE_SIZES = { contacts: 25, versions: 20 } as const;

/** How many contacts of each kind the plan view offers to call at once; the sections have them all. */
const TOP_CONTACTS = { contacts: 3, professionalContacts: 2, outOfHours: 4 } as const;

const sectionTitle = (locale: Locale, section: CrisisPlanSection) => translate(locale, `crisisPlan.section.${section}`);

/** The label of a field in its section: the signs are named by phase, "other" by section. */
export function fieldLabel(locale: Locale, section: CrisisPlanSection, field: SectionField): string {
  if (field === 'signs') return translate(locale, `crisisPlan.field.signs.${section as 'green' | 'yellow' | 'red'}`);
  if (field === 'other') return translate(locale, `crisisPlan.field.${section as 'practical' | 'wishes'}.other`);
  return translate(locale, `crisisPlan.field.${field}`);
}

/**
 * The card posted into a conversation for `krisplan`, and inserted by the compose-box search: a neutral
 * title and a button, nothing about the plan or whose it is, and no refresh, so nobody's client fetches
 * the plan without the person pressing. The button checks the presser's own access.
 *
 * @example
 *   crisisPlanLinkCard('sv', group.id)
 */
export function crisisPlanLinkCard(locale: Locale, groupId?: string): AdaptiveCardJson {
  return shellCard(locale, {
    titleKey: 'crisisPlan.link.title',
    verb: 'crisisPlanShow',
    data: groupId ? { groupId } : {},
    userIds: [],
    refresh: false,
    privacyKey: 'crisisPlan.link.privacy',
    showKey: 'crisisPlan.open',
  });
}

/** A contact as the views show it: name, details, and a button that calls (or why there is none). */
function contactView(locale: Locale, contact: Contact, heading: string | null) {
  const tel = telHref(contact.phone);
  const detail = [contact.relation, contact.whenToCall, contact.hours].filter(Boolean).join(' · ');
  return {
    heading,
    name: contact.name || '–',
    detail: detail || null,
    tel: tel ?? null,
    call: tel ? translate(locale, 'crisisPlan.call', { phone: contact.phone.trim() }) : contact.phone.trim() || translate(locale, 'crisisPlan.noPhone'),
  };
}

/** A field's items as the views show them: one per list item, or the text whole. */
function itemsOf(value: string[] | string): Array<{ text: string }> {
  const items = typeof value === 'string' ? (value ? [value] : []) : value;
  return items.map((text) => ({ text: typeof value === 'string' ? text : `• ${text}` }));
}

export interface CrisisPlanViewInput {
  groupId: string;
  alias: string;
  timeZone: string;
  now: Date;
  /** The stored plan's facts, or null when nothing has been written yet (the content is then the new plan's). */
  plan: { currentVersion: number; changedAt?: Date; changedBy: string | null; reviewedAt: Date | null; reviewedBy: string | null } | null;
  content: CrisisPlanContent;
  reviewDue?: Date;
  can: { review: boolean };
  notice?: string;
  noticeColor?: 'Good' | 'Warning';
}

/**
 * The crisis plan for the member who opened it: its version and review, the red phase (signs, what
 * others should do, what I can do myself), the first people to call with tappable numbers, and buttons
 * that open each section, the versions, and the review.
 *
 * @example
 *   crisisPlanCard('sv', { groupId, alias: 'K.L.', timeZone, now, plan, content, can: { review: true } })
 */
export function crisisPlanCard(locale: Locale, input: CrisisPlanViewInput): AdaptiveCardJson {
  const { plan, content } = input;
  const red = content.phases.red;
  const overdue = input.reviewDue !== undefined && input.reviewDue <= input.now;
  const contacts = (['contacts', 'professionalContacts', 'outOfHours'] as const).flatMap((field) =>
    content[field].slice(0, TOP_CONTACTS[field]).map((c, i) => contactView(locale, c, i === 0 ? fieldLabel(locale, field === 'contacts' ? 'contacts' : 'professional', field) : null)),
  );
  const allContacts = content.contacts.length + content.professionalContacts.length + content.outOfHours.length;
  const sectionButton = (section: CrisisPlanSection) => ({ section, title: sectionTitle(locale, section) });
  return renderCard('crisis-plan', {
    strings: {
      title: translate(locale, 'crisisPlan.title'),
      empty: plan ? null : translate(locale, 'crisisPlan.empty'),
      redHeading: translate(locale, 'crisisPlan.redHeading'),
      nothing: translate(locale, 'crisisPlan.nothing'),
      callHeading: translate(locale, 'crisisPlan.callHeading'),
      sectionsHeading: translate(locale, 'crisisPlan.sectionsHeading'),
      versions: translate(locale, 'crisisPlan.versions'),
      review: translate(locale, 'crisisPlan.review'),
      refresh: translate(locale, 'card.refresh'),
    },
    groupId: input.groupId,
    alias: input.alias,
    version: plan?.currentVersion ?? 0,
    notice: input.notice ?? null,
    noticeColor: input.noticeColor ?? 'Good',
    status: {
      changed:
        plan?.changedAt !== undefined
          ? translate(locale, 'crisisPlan.changedLine', { version: plan.currentVersion, time: formatDateTime(plan.changedAt, locale, input.timeZone), name: plan.changedBy ?? '–' })
          : null,
      reviewed: !plan
        ? null
        : plan.reviewedAt
          ? translate(locale, 'crisisPlan.reviewedLine', { date: formatDate(plan.reviewedAt, locale, input.timeZone), name: plan.reviewedBy ?? '–' })
          : translate(locale, 'crisisPlan.notReviewed'),
      due: input.reviewDue ? translate(locale, overdue ? 'crisisPlan.reviewOverdue' : 'crisisPlan.reviewDue', { date: formatDate(input.reviewDue, locale, input.timeZone) }) : null,
      dueColor: overdue ? 'Attention' : 'Default',
      dueWeight: overdue ? 'Bolder' : 'Default',
    },
    red: (['signs', 'othersDo', 'selfHelp'] as const).map((field) => ({ label: fieldLabel(locale, 'red', field), items: itemsOf(red[field]) })),
    contacts,
    moreContacts: allContacts > contacts.length ? translate(locale, 'crisisPlan.moreContacts', { count: allContacts - contacts.length }) : null,
    phaseSections: (['red', 'yellow', 'green'] as const).map(sectionButton),
    otherSections: CRISIS_PLAN_SECTIONS.filter((s) => s !== 'red' && s !== 'yellow' && s !== 'green').map(sectionButton),
    can: { versions: plan !== null, review: plan !== null && input.can.review },
  });
}

export interface CrisisPlanSectionInput {
  groupId: string;
  alias: string;
  section: CrisisPlanSection;
  content: CrisisPlanContent;
  /** Where this page of a contact section starts. */
  offset?: number;
  canEdit: boolean;
  notice?: string;
  noticeColor?: 'Good' | 'Warning';
}

/**
 * One section of the plan, whole: its lists and texts, or its contacts a page at a time (each with a
 * button that calls). Nothing is shortened; long contact lists page.
 *
 * @example
 *   crisisPlanSectionCard('sv', { groupId, alias: 'K.L.', section: 'contacts', content, offset: 25, canEdit: true })
 */
export function crisisPlanSectionCard(locale: Locale, input: CrisisPlanSectionInput): AdaptiveCardJson {
  const { section } = input;
  const values = sectionValues(input.content, section);
  const fields = (SECTION_FIELDS[section] as readonly SectionField[]).filter((f) => fieldKind(f) !== 'contacts');
  const contactFields = (SECTION_FIELDS[section] as readonly SectionField[]).filter((f) => fieldKind(f) === 'contacts');
  const entries = contactFields.flatMap((field) => (values[field] as Contact[]).map((contact, index) => ({ field, contact, first: index === 0 })));
  const offset = Math.min(input.offset ?? 0, Math.max(0, entries.length - 1));
  const page = entries.slice(offset, offset + CRISIS_PLAN_PAGE_SIZES.contacts);
  const base = { groupId: input.groupId, section };
  const render = (shown: typeof page) =>
    renderCard('crisis-plan-section', {
      strings: {
        title: sectionTitle(locale, section),
        subtitle: section === 'green' || section === 'yellow' || section === 'red' ? translate(locale, `crisisPlan.phaseIntro.${section}`) : null,
        nothing: translate(locale, 'crisisPlan.nothing'),
        edit: translate(locale, 'crisisPlan.edit'),
        back: translate(locale, 'crisisPlan.backToPlan'),
      },
      groupId: input.groupId,
      section,
      alias: input.alias,
      notice: input.notice ?? null,
      noticeColor: input.noticeColor ?? 'Good',
      canEdit: input.canEdit,
      fields: fields.map((field) => ({ label: fieldLabel(locale, section, field), items: itemsOf(values[field] as string[] | string) })),
      contactsEmpty: contactFields.length > 0 && entries.length === 0 ? translate(locale, 'crisisPlan.noContacts') : null,
      // A heading where each kind of contact starts, and at the top of a page that continues a kind.
      contacts: shown.map((entry, i) => contactView(locale, entry.contact, entry.first || i === 0 ? fieldLabel(locale, section, entry.field) : null)),
      pager: pagerOf(locale, offset, shown.length, entries.length, CRISIS_PLAN_PAGE_SIZES.contacts, base),
    });
  return fitItems(page, render);
}

/** A form field's value: what was submitted (a corrected form), else the section's current content. */
function formFieldValue(field: SectionField, current: CrisisPlanContent, section: CrisisPlanSection, submitted?: Record<string, unknown>): string {
  if (submitted) return formValue(submitted[field]);
  return formTextOf(field, sectionValues(current, section)[field]!);
}

export interface CrisisPlanFormInput {
  groupId: string;
  alias: string;
  section: CrisisPlanSection;
  /** The plan version the form was made from; a corrected form keeps it, so a save cannot overwrite a newer one. */
  version: number;
  content: CrisisPlanContent;
  submitted?: Record<string, unknown>;
  fieldErrors?: FieldErrors;
  /** The line of a list or contact field that is wrong (1-based). */
  lines?: Record<string, number>;
}

/**
 * The form that changes one section: one text area per list (one item per line) or per contact list
 * (one person per line, parts separated by `|`), and the section's texts. Errors show next to their
 * field, naming the line.
 *
 * @example
 *   crisisPlanFormCard('sv', { groupId, alias: 'K.L.', section: 'red', version: 3, content })
 */
export function crisisPlanFormCard(locale: Locale, input: CrisisPlanFormInput): AdaptiveCardJson {
  const { section } = input;
  const errors = input.fieldErrors ?? {};
  const errorText = (field: string): string | null => {
    const key = errors[field];
    if (!key) return null;
    const message = isMessageKey(key) ? translate(locale, key) : translate(locale, 'error.invalid_input');
    const line = input.lines?.[field];
    return line ? translate(locale, 'crisisPlan.error.onLine', { line, message }) : message;
  };
  const hints: Record<'list' | 'contacts' | 'text', MessageKey | null> = { list: 'crisisPlan.form.listHint', contacts: 'crisisPlan.form.contactsHint', text: null };
  return renderCard('crisis-plan-form', {
    strings: {
      title: translate(locale, 'crisisPlan.form.title', { section: sectionTitle(locale, section) }),
      intro: translate(locale, 'crisisPlan.form.intro'),
      submit: translate(locale, 'crisisPlan.form.submit'),
      cancel: translate(locale, 'crisisPlan.form.cancel'),
    },
    errors: Object.keys(errors).length > 0 ? { summary: translate(locale, 'crisisPlan.error.summary') } : {},
    groupId: input.groupId,
    alias: input.alias,
    section,
    version: input.version,
    fields: (SECTION_FIELDS[section] as readonly SectionField[]).map((field) => {
      const kind = fieldKind(field);
      const hintKey = field === 'contacts' ? hints.contacts : kind === 'contacts' ? 'crisisPlan.form.servicesHint' : hints[kind];
      return {
        id: field,
        label: fieldLabel(locale, section, field),
        hint: hintKey ? translate(locale, hintKey as MessageKey) : null,
        multiline: true,
        maxLength: fieldMaxLength(field),
        value: formFieldValue(field, input.content, section, input.submitted),
        error: errorText(field),
      };
    }),
  });
}

export interface CrisisPlanVersionListItem {
  version: number;
  section: string | null;
  author: string | null;
  createdAt: Date;
}

/** One page of the plan's versions, newest first: number, section changed, author and time, each with a button that opens it. */
export function crisisPlanVersionsCard(
  locale: Locale,
  input: { groupId: string; alias: string; timeZone: string; versions: CrisisPlanVersionListItem[]; offset: number; total: number },
): AdaptiveCardJson {
  return fitItems(input.versions, (shown) =>
    renderCard('crisis-plan-versions', {
      strings: {
        title: translate(locale, 'crisisPlan.versions.title'),
        empty: translate(locale, 'crisisPlan.versions.empty'),
        open: translate(locale, 'crisisPlan.versions.open'),
        back: translate(locale, 'crisisPlan.backToPlan'),
      },
      groupId: input.groupId,
      alias: input.alias,
      versions: shown.map((v) => ({
        version: v.version,
        title: translate(locale, 'crisisPlan.version.title', { version: v.version }),
        line: translate(locale, 'crisisPlan.version.line', {
          section: v.section && isSection(v.section) ? sectionTitle(locale, v.section) : translate(locale, 'crisisPlan.version.first'),
          time: formatDateTime(v.createdAt, locale, input.timeZone),
          name: v.author ?? '–',
        }),
      })),
      pager: pagerOf(locale, input.offset, shown.length, input.total, CRISIS_PLAN_PAGE_SIZES.versions, { groupId: input.groupId }),
    }),
  );
}

function isSection(value: string): value is CrisisPlanSection {
  return (CRISIS_PLAN_SECTIONS as readonly string[]).includes(value);
}

/**
 * One version: who saved it and when, and what changed against the version before (added, removed,
 * changed, per section), with buttons to the versions on either side.
 *
 * @example
 *   crisisPlanVersionCard('sv', { groupId, alias: 'K.L.', timeZone, version: 3, section: 'red', author: 'Sara', createdAt, diffs, currentVersion: 5 })
 */
export function crisisPlanVersionCard(
  locale: Locale,
  input: { groupId: string; alias: string; timeZone: string; version: number; section: string | null; author: string | null; createdAt: Date; diffs: SectionDiff[] | null; currentVersion: number },
): AdaptiveCardJson {
  const lines = (input.diffs ?? []).flatMap((diff) => [
    ...diff.added.map((line) => ({ diff, kind: 'added' as const, line })),
    ...diff.removed.map((line) => ({ diff, kind: 'removed' as const, line })),
    ...diff.changed.map((line) => ({ diff, kind: 'changed' as const, line })),
  ]);
  const colors = { added: 'Good', removed: 'Attention', changed: 'Warning' } as const;
  return fitItems(lines, (shown) => {
    const diffs = (input.diffs ?? [])
      .map((diff) => ({
        heading: sectionTitle(locale, diff.section),
        lines: shown
          .filter((entry) => entry.diff === diff)
          .map(({ kind, line }) => ({
            what: translate(locale, `crisisPlan.diff.${kind}`, { field: fieldLabel(locale, diff.section, line.field) }),
            color: colors[kind],
            before: line.before ?? null,
            text: line.text || '–',
          })),
      }))
      .filter((diff) => diff.lines.length > 0);
    return renderCard('crisis-plan-version', {
      strings: {
        title: translate(locale, 'crisisPlan.version.title', { version: input.version }),
        changesHeading: translate(locale, 'crisisPlan.diff.heading'),
        noChanges: input.diffs === null ? translate(locale, 'crisisPlan.diff.first') : lines.length === 0 ? translate(locale, 'crisisPlan.diff.none') : null,
        previous: translate(locale, 'crisisPlan.version.previous'),
        next: translate(locale, 'crisisPlan.version.next'),
        versions: translate(locale, 'crisisPlan.versions'),
        plan: translate(locale, 'crisisPlan.backToPlan'),
      },
      groupId: input.groupId,
      alias: input.alias,
      line: translate(locale, 'crisisPlan.version.line', {
        section: input.section && isSection(input.section) ? sectionTitle(locale, input.section) : translate(locale, 'crisisPlan.version.first'),
        time: formatDateTime(input.createdAt, locale, input.timeZone),
        name: input.author ?? '–',
      }),
      diffs,
      more: shown.length < lines.length ? translate(locale, 'crisisPlan.diff.more', { count: lines.length - shown.length }) : null,
      previous: input.version > 1 ? input.version - 1 : null,
      next: input.version < input.currentVersion ? input.version + 1 : null,
    });
  });
}

/**
 * In personal chat, for a member of several groups: which group's crisis plan to open (by alias).
 * `more` when there are more groups than buttons: typing part of the alias after the command narrows it.
 */
export function crisisPlanChoiceCard(locale: Locale, groups: Array<{ groupId: string; alias: string }>, more: boolean): AdaptiveCardJson {
  return renderCard('crisis-plan-choice', {
    strings: {
      title: translate(locale, 'crisisPlan.choice.title'),
      text: translate(locale, 'crisisPlan.choice.text'),
      more: more ? translate(locale, 'crisisPlan.choice.more') : null,
    },
    groups,
  });
}
