/**
 * `logg`: the case manager's view of the group's access log, and the log extract (*loggutdrag*) as a
 * card, as lines for copying and as CSV rows. Each audit entry is told in words: when (the group's time
 * zone), who (a member's name, never an id), what (and whether the person opened it or Teams showed it
 * automatically), from where, and whether it was allowed.
 */
import { isReadAction, LOG_FILTERS, originOf, type ExtractPeriod, type LogFilter } from '../domain/audit-log';
import type { FieldErrors } from '../domain/errors';
import { dateTimeFormatOf, type Locale } from '../domain/locale';
import type { MemberRole, Principal } from '../domain/members';
import { isMessageKey, translate, type MessageKey } from '../locales';
import { formatDateTime, formatDay, formValue, localizeFieldErrors } from './format';
import { fitItems, PAGE_SIZES, pagerOf } from './paging';
import { renderCard, type AdaptiveCardJson } from './render';
import { MAX_REFRESH_USERS } from './shell';
import type { LogEntry } from '../storage/audit-log';

/** An audit entry as the log reads it. */
export type LogEntryView = LogEntry;

/** A member (current or former) as the log names them. */
export interface LogMember {
  id: string;
  displayName: string;
  aadObjectId: string | null;
  role: string;
  principal: string;
  organisation: string | null;
  isIndividual: boolean;
  removedAt: Date | null;
}

/** What the log needs to tell an entry in words. */
export interface LogContext {
  timeZone: string;
  groupConversationId: string;
  /** Conversations among the entries that are personal chats with the bot. */
  personalChats: ReadonlySet<string>;
  members: readonly LogMember[];
}

/** One entry told in words, for a card line or a CSV row. */
export interface LogLine {
  when: string;
  isoTime: string;
  localTime: string;
  who: string;
  role: string;
  organisation: string;
  what: string;
  trigger: string;
  where: string;
  outcome: string;
  refused: boolean;
}

/** The member an entry's actor is: by membership, else by identity (refused before being added, or after leaving). */
function actorOf(entry: LogEntryView, members: readonly LogMember[]): LogMember | undefined {
  return (entry.actorMemberId ? members.find((m) => m.id === entry.actorMemberId) : undefined)
    ?? (entry.actorAadObjectId ? members.find((m) => m.aadObjectId === entry.actorAadObjectId) : undefined);
}

/**
 * What happened, in words: a change by its own label; a read as "opened …" or, when Teams refreshed the
 * card by itself, "Teams showed … automatically" (and "tried to …" when refused). An action without a
 * label (a new one) shows its machine name, which never holds health text.
 */
function whatOf(locale: Locale, entry: LogEntryView): string {
  const label = `log.action.${entry.action}`;
  if (isMessageKey(label)) return translate(locale, label);
  const object = `log.object.${entry.action}`;
  if (isReadAction(entry.action) && isMessageKey(object)) {
    const refused = entry.outcome !== 'allowed';
    const key: MessageKey = entry.trigger === 'automatic' ? (refused ? 'log.read.automaticRefused' : 'log.read.automatic') : refused ? 'log.read.manualRefused' : 'log.read.manual';
    return translate(locale, key, { object: translate(locale, object) });
  }
  return translate(locale, 'log.action.unknown', { action: entry.action });
}

function outcomeOf(locale: Locale, entry: LogEntryView): string {
  if (entry.outcome === 'allowed') return translate(locale, 'log.outcome.allowed');
  if (entry.outcome === 'failed') return translate(locale, 'log.outcome.failed');
  const reason = `log.reason.${entry.reason ?? ''}`;
  return translate(locale, 'log.outcome.denied', { reason: translate(locale, isMessageKey(reason) ? reason : 'log.reason.other') });
}

/** The local time as a spreadsheet sorts it: "2026-03-01 14:02". */
function localTimeOf(at: Date, timeZone: string): string {
  return dateTimeFormatOf('sv-SE', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).format(at);
}

/**
 * One audit entry in words, in the reader's language.
 *
 * @example
 *   describeEntry('sv', entry, { timeZone: 'Europe/Stockholm', groupConversationId, personalChats, members }).what // 'öppnade krisplanen'
 */
export function describeEntry(locale: Locale, entry: LogEntryView, context: LogContext): LogLine {
  const member = actorOf(entry, context.members);
  const who = member
    ? member.removedAt ? translate(locale, 'log.who.former', { name: member.displayName }) : member.displayName
    : translate(locale, entry.actorAadObjectId ? 'log.who.unknown' : 'log.who.bot');
  const role = member ? translate(locale, member.isIndividual ? 'role.individual' : `role.${member.role as MemberRole}`) : '';
  const organisation = member ? member.organisation ?? (member.isIndividual ? '' : translate(locale, `principal.${member.principal as Principal}`)) : '';
  return {
    when: formatDateTime(entry.at, locale, context.timeZone),
    isoTime: entry.at.toISOString(),
    localTime: localTimeOf(entry.at, context.timeZone),
    who,
    role,
    organisation,
    what: whatOf(locale, entry),
    trigger: translate(locale, entry.trigger === 'automatic' ? 'log.trigger.automatic' : entry.trigger === 'manual' ? 'log.trigger.manual' : 'log.trigger.none'),
    where: translate(locale, `log.where.${originOf(entry.conversationId, context.groupConversationId, context.personalChats)}`),
    outcome: outcomeOf(locale, entry),
    refused: entry.outcome !== 'allowed',
  };
}

/** The member pick list's "everyone" (a choice needs a value; no member id looks like this). */
const EVERYONE = 'all';

const cardLine = (line: LogLine) => ({
  who: line.who,
  when: line.when,
  role: [line.role, line.organisation].filter(Boolean).join(' · '),
  what: line.what,
  line: `${line.where} · ${line.outcome}`,
  color: line.refused ? 'Attention' : 'Default',
});

/**
 * The case manager's access log: the group's entries newest first, narrowed by what and by member,
 * a page at a time.
 *
 * @example
 *   logCard('sv', lines, { alias: 'K.L.', userIds: ['29:sara'], filter: 'all', members, offset: 0, total: 300 })
 */
export function logCard(
  locale: Locale,
  lines: LogLine[],
  options: { alias: string; userIds: string[]; filter: LogFilter; memberId?: string; members: readonly LogMember[]; offset: number; total: number },
): AdaptiveCardJson {
  const current = { what: options.filter, member: options.memberId ?? EVERYONE, offset: options.offset };
  return fitItems(lines, (shown) => renderCard('audit-log', {
    strings: {
      title: translate(locale, 'log.title'),
      intro: translate(locale, 'log.intro'),
      refresh: translate(locale, 'card.refresh'),
      whatLabel: translate(locale, 'log.filter.what'),
      memberLabel: translate(locale, 'log.filter.member'),
      apply: translate(locale, 'log.filter.apply'),
      empty: translate(locale, 'log.empty'),
      extract: translate(locale, 'log.extract.open'),
    },
    alias: options.alias,
    userIds: options.userIds.slice(0, MAX_REFRESH_USERS),
    current,
    filters: LOG_FILTERS.map((value) => ({ value, title: translate(locale, `log.filter.${value}`) })),
    members: [
      { value: EVERYONE, title: translate(locale, 'log.filter.everyone') },
      ...options.members.map((m) => ({ value: m.id, title: m.removedAt ? translate(locale, 'log.who.former', { name: m.displayName }) : m.displayName })),
    ],
    entries: shown.map(cardLine),
    pager: pagerOf(locale, options.offset, shown.length, options.total, PAGE_SIZES.log, { what: current.what, member: current.member }),
  }));
}

/**
 * The log extract's form: the period (from, to; at most today), and how to get it: as a card, as a
 * CSV file in personal chat, or as lines to copy.
 *
 * @example
 *   logExtractFormCard('sv', '2026-12-05', { from: '2025-12-05', to: '2026-12-05' })
 */
export function logExtractFormCard(locale: Locale, today: string, values: Record<string, unknown>, fieldErrors: FieldErrors = {}): AdaptiveCardJson {
  const todayText = formatDay(new Date(`${today}T00:00:00Z`), locale);
  return renderCard('log-extract-form', {
    strings: {
      title: translate(locale, 'log.extract.title'),
      intro: translate(locale, 'log.extract.intro'),
      fromLabel: translate(locale, 'log.extract.from'),
      toLabel: translate(locale, 'log.extract.to'),
      dateError: translate(locale, 'log.extract.error.dateRequired', { date: todayText }),
      showCard: translate(locale, 'log.extract.showCard'),
      sendFile: translate(locale, 'log.extract.sendFile'),
      showText: translate(locale, 'log.extract.showText'),
      back: translate(locale, 'log.extract.back'),
    },
    errors: localizeFieldErrors(locale, fieldErrors, 'log.extract.error.summary', { date: todayText }),
    form: { from: formValue(values.from), to: formValue(values.to) },
    today,
  });
}

/** The columns of the extract, in the order of the CSV file and of a line for copying. */
export function extractCells(line: LogLine): string[] {
  return [line.isoTime, line.localTime, line.who, line.role, line.organisation, line.what, line.trigger, line.where, line.outcome];
}

/**
 * The extract's header row, in the reader's language.
 *
 * @example
 *   extractHeader('en', 'Europe/Stockholm')[0] // 'Time (UTC, ISO 8601)'
 */
export function extractHeader(locale: Locale, timeZone: string): string[] {
  return [
    translate(locale, 'log.csv.timeUtc'),
    translate(locale, 'log.csv.timeLocal', { timeZone }),
    translate(locale, 'log.csv.person'),
    translate(locale, 'log.csv.role'),
    translate(locale, 'log.csv.organisation'),
    translate(locale, 'log.csv.what'),
    translate(locale, 'log.csv.trigger'),
    translate(locale, 'log.csv.where'),
    translate(locale, 'log.csv.outcome'),
  ];
}

/**
 * The log extract for a period as a card (`card`: one entry per read) or as plain lines to copy
 * (`text`: the CSV's columns separated by semicolons, header first), a page at a time.
 *
 * @example
 *   logExtractCard('sv', 'card', lines, { alias: 'K.L.', period, offset: 0, total: 40, timeZone })
 */
export function logExtractCard(
  locale: Locale,
  mode: 'card' | 'text',
  lines: LogLine[],
  options: { alias: string; period: ExtractPeriod; offset: number; total: number; timeZone: string },
): AdaptiveCardJson {
  const { period } = options;
  const day = (value: string) => formatDay(new Date(`${value}T00:00:00Z`), locale);
  const verb = mode === 'card' ? 'logExtractShow' : 'logExtractText';
  const pageSize = mode === 'card' ? PAGE_SIZES.logExtract : PAGE_SIZES.logExtractLines;
  return fitItems(lines, (shown) => {
    const pager = pagerOf(locale, options.offset, shown.length, options.total, pageSize, { from: period.from, to: period.to });
    return renderCard('log-extract', {
      strings: {
        title: translate(locale, 'log.extract.title'),
        subtitle: translate(locale, 'log.extract.subtitle', { from: day(period.from), to: day(period.to), count: options.total }),
        intro: translate(locale, 'log.extract.what'),
        empty: translate(locale, 'log.extract.empty'),
        copyHint: translate(locale, 'log.extract.copyHint'),
        sendFile: translate(locale, 'log.extract.sendFile'),
        otherPeriod: translate(locale, 'log.extract.otherPeriod'),
      },
      alias: options.alias,
      period: { from: period.from, to: period.to },
      entries: mode === 'card' ? shown.map(cardLine) : [],
      lines: mode === 'text' && shown.length > 0 ? [extractHeader(locale, options.timeZone), ...shown.map(extractCells)].map((cells) => ({ text: cells.join('; ') })) : [],
      otherView: {
        verb: mode === 'card' ? 'logExtractText' : 'logExtractShow',
        title: translate(locale, mode === 'card' ? 'log.extract.showText' : 'log.extract.showCard'),
        data: { from: period.from, to: period.to, offset: options.offset },
      },
      pager: pager ? { ...pager, verb } : null,
    });
  });
}
