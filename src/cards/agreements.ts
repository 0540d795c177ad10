import { agreementActionsFor, isOpenAgreement } from '../domain/agreements';
import type { FieldErrors } from '../domain/errors';
import type { Locale } from '../domain/locale';
import type { AgreementEventKind, AgreementStatus } from '../domain/plan';
import { translate } from '../locales';
import type { AgreementWithHistory } from '../storage/agreements';
import { earliestDateParams, formatDateTime, formatDay, formValue, isoDay, localizeFieldErrors } from './format';
import { fitItems, PAGE_SIZES, pagerOf, shorten } from './paging';
import { renderCard, type AdaptiveCardJson } from './render';
import { MAX_REFRESH_USERS } from './shell';

type Person = { id: string; name: string };

const statusText = (locale: Locale, status: string) => translate(locale, `agreement.status.${status as AgreementStatus}`);

/** "Due by 1 Dec 2026", or "Overdue: …" for an open agreement past its date. */
export function dueLine(locale: Locale, dueDate: Date, status: string, today: Date): { text: string; overdue: boolean } {
  const overdue = dueDate < today && isOpenAgreement(status);
  return { text: translate(locale, overdue ? 'agreement.overdue' : 'agreement.due', { date: formatDay(dueDate, locale) }), overdue };
}

export interface AgreementCardOptions {
  timeZone: string;
  today: Date;
  /** Members of the group, to name actors in the history and to reassign to. */
  members: Person[];
  userIds: string[];
  notice?: string;
  noticeColor?: 'Good' | 'Warning';
  /** How many newer events this page of the history skips (0: the newest). */
  eventsOffset?: number;
  /** Who is looking: the card shows only the buttons this person may press. */
  viewer: { memberId: string; isCaseManager: boolean };
  /** Set when the card was opened from a list: "mine", or the meeting summary since a day. It gets a way back. */
  fromList?: AgreementListOrigin;
}

/** The list an agreement was opened from, carried in the card's action data so every answer keeps the way back. */
export interface AgreementListOrigin {
  list: 'mine' | 'summary';
  /** The meeting summary's first day (YYYY-MM-DD). */
  since?: string;
}

/** The list an agreement card's action data says it was opened from, if any. */
export function listOriginOf(data: Record<string, unknown>): AgreementListOrigin | undefined {
  if (data.list === 'mine') return { list: 'mine' };
  if (data.list === 'summary') return { list: 'summary', since: formValue(data.since) || undefined };
  return undefined;
}

function eventDetail(locale: Locale, kind: string, details: string | null, names: Map<string, string>): string {
  if (!details) return '';
  const parsed = JSON.parse(details) as Record<string, string>;
  if (kind === 'due_date_changed' && parsed.from && parsed.to) {
    return ` (${formatDay(new Date(`${parsed.from}T00:00:00Z`), locale)} → ${formatDay(new Date(`${parsed.to}T00:00:00Z`), locale)})`;
  }
  if (kind === 'reassigned') return ` (${names.get(parsed.from ?? '') ?? '–'} → ${names.get(parsed.to ?? '') ?? '–'})`;
  const onBehalf = parsed.onBehalfOf ? ` ${translate(locale, 'agreement.event.onBehalfOf', { name: names.get(parsed.onBehalfOf) ?? '–' })}` : '';
  if (kind === 'declined' && parsed.reason) return `${onBehalf}: ${parsed.reason}`;
  return onBehalf;
}

/**
 * The agreement card: what, who, by when, status, linked goal, and every event. Actions follow the
 * state and the viewer: the person responsible accepts, marks done or says they can't (with a
 * reason); the case manager changes it (date, reassign, cancel) or marks it done on their behalf.
 */
export function agreementCard(locale: Locale, agreement: AgreementWithHistory, options: AgreementCardOptions): AdaptiveCardJson {
  const names = new Map(options.members.map((m) => [m.id, m.name]));
  const due = dueLine(locale, agreement.dueDate, agreement.status, options.today);
  const goalText = agreement.subGoal ? `${agreement.goal?.text ?? ''} / ${agreement.subGoal.text}` : (agreement.goal?.text ?? null);
  const eventsOffset = options.eventsOffset ?? 0;
  const eventCount = agreement._count?.events ?? agreement.events.length;
  // The page holds the newest events oldest first; when cutting it down to fit, keep the newest.
  return fitItems([...agreement.events].reverse(), (newestFirst) => renderCard('agreement', {
    strings: {
      refresh: translate(locale, 'card.refresh'),
      title: translate(locale, 'agreement.title'),
      responsible: translate(locale, 'agreement.responsible'),
      goal: translate(locale, 'agreement.goal'),
      history: translate(locale, 'agreement.history'),
      accept: translate(locale, 'agreement.accept'),
      done: translate(locale, 'agreement.done'),
      decline: translate(locale, 'agreement.decline'),
      reasonLabel: translate(locale, 'agreement.reasonLabel'),
      reasonRequired: translate(locale, 'agreement.error.reasonRequired'),
      declineSubmit: translate(locale, 'agreement.declineSubmit'),
      change: translate(locale, 'agreement.change'),
      newDueDate: translate(locale, 'agreement.newDueDate'),
      saveDueDate: translate(locale, 'agreement.saveDueDate'),
      reassignTo: translate(locale, 'agreement.reassignTo'),
      reassign: translate(locale, 'agreement.reassign'),
      cancel: translate(locale, 'agreement.cancel'),
      doneOnBehalf: translate(locale, 'agreement.doneOnBehalf', { name: agreement.responsible.displayName }),
      datePast: translate(locale, 'plan.error.datePast', earliestDateParams(locale, options.today)),
    },
    notice: options.notice ?? null,
    noticeColor: options.noticeColor ?? 'Good',
    userIds: options.userIds.slice(0, MAX_REFRESH_USERS),
    today: isoDay(options.today),
    can: agreementActionsFor(options.viewer, agreement),
    members: options.members,
    list: options.fromList?.list ?? '',
    since: options.fromList?.since ?? '',
    back: options.fromList
      ? options.fromList.list === 'mine'
        ? { verb: 'mineShow', data: {}, title: translate(locale, 'agreement.backToList') }
        : { verb: 'agreementSummaryShow', data: { since: options.fromList.since ?? '' }, title: translate(locale, 'agreement.backToList') }
      : null,
    agreement: {
      id: agreement.id,
      version: agreement.version,
      what: agreement.what,
      responsible: agreement.responsible.displayName,
      responsibleId: agreement.responsibleMemberId,
      due: due.text,
      dueColor: due.overdue ? 'Attention' : 'Default',
      dueIso: isoDay(agreement.dueDate),
      status: statusText(locale, agreement.status),
      goal: goalText,
    },
    offset: eventsOffset,
    history: [...newestFirst].reverse().map((event) => ({
      when: formatDateTime(event.createdAt, locale, options.timeZone),
      who: names.get(event.actorMemberId ?? '') ?? '–',
      what: translate(locale, `agreement.event.${event.kind as AgreementEventKind}`),
      detail: eventDetail(locale, event.kind, event.details, names),
    })),
    pager: pagerOf(locale, eventsOffset, newestFirst.length, eventCount, PAGE_SIZES.agreementHistory, { agreementId: agreement.id, ...options.fromList }),
  }));
}

/** The new-agreement form: what, responsible (the individual included), due date, optional goal link. */
export function agreementFormCard(
  locale: Locale,
  members: Person[],
  links: Array<{ value: string; title: string }>,
  today: string,
  values: Record<string, unknown> = {},
  fieldErrors: FieldErrors = {},
): AdaptiveCardJson {
  const earliest = earliestDateParams(locale, today);
  return renderCard('agreement-form', {
    strings: {
      title: translate(locale, 'agreement.form.title'),
      intro: translate(locale, 'agreement.form.intro'),
      whatLabel: translate(locale, 'agreement.form.whatLabel'),
      whatPlaceholder: translate(locale, 'agreement.form.whatPlaceholder'),
      whatRequired: translate(locale, 'agreement.error.whatRequired'),
      responsibleLabel: translate(locale, 'agreement.form.responsibleLabel'),
      responsibleRequired: translate(locale, 'agreement.error.responsibleRequired'),
      dueDateLabel: translate(locale, 'agreement.form.dueDateLabel'),
      // Teams shows one message for an empty date and for one before `min`: it has to fit both.
      dueDateRequiredNotPast: translate(locale, 'plan.error.dateRequiredNotPast', earliest),
      linkLabel: translate(locale, 'agreement.form.linkLabel'),
      linkSearch: translate(locale, 'form.linkSearch'),
      submit: translate(locale, 'agreement.form.submit'),
    },
    errors: localizeFieldErrors(locale, fieldErrors, 'agreement.error.summary', earliest),
    form: { what: formValue(values.what), responsible: formValue(values.responsible), dueDate: formValue(values.dueDate), link: formValue(values.link) },
    today,
    members,
    links,
  });
}

export interface AgreementListItem {
  id: string;
  what: string;
  dueDate: Date;
  status: string;
}

/** Where a page of an agreement list is, and the verb (with its data) that shows another page. */
export interface AgreementListPaging {
  offset: number;
  total: number;
  verb: 'mineShow' | 'agreementSummaryShow';
  data: Record<string, unknown>;
}

/**
 * One page of a list of agreements in sections (by group for "mine", by member for the meeting
 * summary), each with its due line (overdue in red), its text shortened, and a button to open it.
 * An empty "mine" praises only someone who has done agreements (`someDone`), not someone who never had one.
 */
export function agreementListCard(
  locale: Locale,
  kind: 'mine' | 'summary',
  sections: Array<{ heading: string; items: AgreementListItem[] }>,
  options: { today: Date; since?: Date; someDone?: boolean } & Partial<AgreementListPaging>,
): AdaptiveCardJson {
  const items = sections.flatMap((section) => section.items.map((item) => ({ section, item })));
  const offset = options.offset ?? 0;
  return fitItems(items, (shown) => {
    const shownSections = sections
      .map((section) => ({ heading: section.heading, items: shown.filter((entry) => entry.section === section).map((entry) => entry.item) }))
      .filter((section) => section.items.length > 0);
    const pager = pagerOf(locale, offset, shown.length, options.total ?? items.length, kind === 'mine' ? PAGE_SIZES.mine : PAGE_SIZES.summary, options.data);
    return renderCard('agreement-list', {
      strings: {
        title: kind === 'mine' ? translate(locale, 'mine.title') : translate(locale, 'summary.title', { date: formatDay(options.since ?? options.today, locale) }),
        subtitle: translate(locale, kind === 'mine' ? 'mine.subtitle' : 'summary.subtitle'),
        empty: translate(locale, kind === 'summary' ? 'summary.empty' : options.someDone ? 'mine.emptyAllDone' : 'mine.empty'),
        open: translate(locale, 'agreement.open'),
      },
      sections: shownSections.map((section) => ({
        heading: section.heading,
        items: section.items.map((item) => {
          const due = dueLine(locale, item.dueDate, item.status, options.today);
          return { id: item.id, what: shorten(item.what), line: translate(locale, 'mine.line', { due: due.text, status: statusText(locale, item.status) }), color: due.overdue ? 'Attention' : 'Default' };
        }),
      })),
      pager: pager ? { ...pager, verb: options.verb ?? (kind === 'mine' ? 'mineShow' : 'agreementSummaryShow') } : null,
      // Each item opens with the list it came from, so its card has a way back.
      list: kind,
      since: kind === 'summary' ? isoDay(options.since ?? options.today) : '',
    });
  });
}
