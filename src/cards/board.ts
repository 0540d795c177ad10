/**
 * The FACT board's cards: the board (each member's own view: who is on it, why, for how long, the
 * interventions agreed, open agreements and the latest goal updates; and the team's statistics), the
 * forms to put someone on and take them off, a group's board history, and the team's board settings.
 * What everyone in a channel sees is the shell (shell.ts) with a count, never these.
 */
import { BOARD_REASONS, type BoardReason, type BoardStats } from '../domain/board';
import type { FieldErrors } from '../domain/errors';
import type { Locale } from '../domain/locale';
import { translate, type MessageKey } from '../locales';
import { formatDateTime, formatDay, formValue, localizeFieldErrors } from './format';
import { fitItems, pagerOf, shorten } from './paging';
import { renderCard, type AdaptiveCardJson } from './render';

/** How many entries one page of the board holds (fewer when the texts are long). */
export const BOARD_PAGE_SIZE = 10;

export interface BoardCardEntry {
  groupId: string;
  alias: string;
  days: number;
  reasonCode: string;
  reasonText: string | null;
  interventions: string | null;
  agreementCount: number;
  agreements: Array<{ what: string; dueDate: Date; responsible: string }>;
  /** Agreements due today (the daily card's "today's visits"). */
  todays: Array<{ what: string; responsible: string }>;
  goalUpdates: Array<{ goal: string; status: string | null; progress: number | null; at: Date }>;
  /** Over the question threshold: the days are shown in a warning colour. */
  long: boolean;
}

export interface BoardCardOptions {
  teamId: string;
  now: Date;
  timeZone: string;
  /** Where the page starts among all the entries the viewer may see, and how many there are. */
  offset: number;
  total?: number;
  /** The daily card's view: today's agreed visits first. */
  daily?: boolean;
  stats?: BoardStats;
  notice?: string;
  /** The viewer is a case manager of one of the team's FACT groups: the board settings. */
  canSettings: boolean;
  /** The viewer's groups (with consent) that are not on the board: a button each opens the put-on form. */
  addable?: Array<{ groupId: string; alias: string }>;
  /** In personal chat, the other FACT teams the viewer is in: a button for each board. */
  otherTeams?: Array<{ teamId: string; name: string | null }>;
}

export const reasonTitle = (locale: Locale, code: string) => translate(locale, `board.reason.${(BOARD_REASONS as readonly string[]).includes(code) ? code : 'other'}` as MessageKey);

function entryLines(locale: Locale, entry: BoardCardEntry, daily: boolean) {
  const lines: Array<{ label: string; text: string }> = [];
  lines.push({ label: translate(locale, 'board.label.reason'), text: entry.reasonText ? `${reasonTitle(locale, entry.reasonCode)}: ${shorten(entry.reasonText)}` : reasonTitle(locale, entry.reasonCode) });
  if (entry.interventions) lines.push({ label: translate(locale, 'board.label.interventions'), text: shorten(entry.interventions, 240) });
  if (daily || entry.todays.length > 0) {
    lines.push({
      label: translate(locale, 'board.label.today'),
      text: entry.todays.length === 0 ? translate(locale, 'board.todayNone') : entry.todays.map((a) => `${shorten(a.what, 60)} (${a.responsible})`).join('; '),
    });
  }
  lines.push({
    label: translate(locale, 'board.label.agreements', { count: entry.agreementCount }),
    text: entry.agreements.map((a) => `${shorten(a.what, 60)} · ${a.responsible} · ${formatDay(a.dueDate, locale)}`).join('; ') || '–',
  });
  if (!daily) {
    lines.push({
      label: translate(locale, 'board.label.goalUpdates'),
      text:
        entry.goalUpdates
          .map((u) => `${shorten(u.goal, 60)}: ${u.status ? translate(locale, `status.${u.status}` as MessageKey) : ''}${u.progress !== null ? ` ${u.progress}/10` : ''} (${formatDay(u.at, locale)})`)
          .join('; ') || '–',
    });
  }
  return lines;
}

/**
 * One page of the board (at most BOARD_PAGE_SIZE entries, longest on the board first), of `total`.
 *
 * @example
 *   boardCard('sv', page, { teamId, now, timeZone: 'Europe/Stockholm', offset: 0, total: 12, canSettings: true })
 */
export function boardCard(locale: Locale, page: BoardCardEntry[], options: BoardCardOptions): AdaptiveCardJson {
  const teamData = { teamId: options.teamId, ...(options.daily ? { daily: true } : {}) };
  const total = options.total ?? options.offset + page.length;
  const stats = options.stats
    ? {
        title: translate(locale, 'board.stats.title'),
        weeks: options.stats.weeks.map((w) => ({ label: translate(locale, 'board.stats.week', { week: w.week }), count: String(w.count), bar: '█'.repeat(Math.min(w.count, 30)) || '·' })),
        average:
          options.stats.averageDays === null
            ? translate(locale, 'board.stats.noStays')
            : translate(locale, 'board.stats.average', { days: options.stats.averageDays.toLocaleString(locale === 'sv' ? 'sv-SE' : 'en-GB'), stays: options.stats.stays }),
      }
    : null;
  return fitItems(page, (shown) =>
    renderCard('board', {
      strings: {
        title: translate(locale, options.daily ? 'board.daily.title' : 'board.title'),
        status: translate(locale, 'board.status', { count: total, time: formatDateTime(options.now, locale, options.timeZone) }),
        empty: translate(locale, 'board.empty'),
        remove: translate(locale, 'board.remove'),
        history: translate(locale, 'board.history'),
        refresh: translate(locale, 'card.refresh'),
        stats: translate(locale, 'board.stats.open'),
        settings: translate(locale, 'board.settings.open'),
        privacy: translate(locale, 'board.privacy'),
        otherTeams: translate(locale, 'board.otherTeams'),
        add: translate(locale, 'board.add'),
        addIntro: translate(locale, 'board.addIntro'),
      },
      addable: options.addable ?? [],
      otherTeams: (options.otherTeams ?? []).map((t, i) => ({ teamId: t.teamId, title: t.name ?? translate(locale, 'board.team.unnamed', { n: i + 1 }) })),
      notice: options.notice ?? null,
      entries: shown.map((entry) => ({
        groupId: entry.groupId,
        alias: entry.alias,
        days: translate(locale, entry.days === 1 ? 'board.day' : 'board.days', { days: entry.days }),
        color: entry.long ? 'Warning' : 'Default',
        lines: entryLines(locale, entry, options.daily ?? false),
      })),
      pager: pagerOf(locale, options.offset, shown.length, total, BOARD_PAGE_SIZE, teamData),
      stats,
      teamData,
      canSettings: options.canSettings,
    }),
  );
}

/** The form to put the group's individual on the board. */
export function boardFormCard(locale: Locale, group: { id: string; alias: string }, values: Record<string, unknown> = {}, fieldErrors: FieldErrors = {}): AdaptiveCardJson {
  return renderCard('board-form', {
    strings: {
      title: translate(locale, 'board.form.title'),
      intro: translate(locale, 'board.form.intro'),
      reason: translate(locale, 'board.form.reason'),
      reasonRequired: translate(locale, 'board.error.reason'),
      reasonText: translate(locale, 'board.form.reasonText'),
      interventions: translate(locale, 'board.form.interventions'),
      interventionsHint: translate(locale, 'board.form.interventionsHint'),
      interventionsRequired: translate(locale, 'board.error.interventions'),
      submit: translate(locale, 'board.form.submit'),
    },
    alias: group.alias,
    groupId: group.id,
    reasons: BOARD_REASONS.map((value: BoardReason) => ({ value, title: reasonTitle(locale, value) })),
    errors: localizeFieldErrors(locale, fieldErrors, 'board.error.summary'),
    form: { reasonCode: formValue(values.reasonCode), reasonText: formValue(values.reasonText), interventions: formValue(values.interventions) },
  });
}

/** The form to take the group's individual off the board, with a short note. */
export function boardRemoveFormCard(
  locale: Locale,
  group: { id: string; alias: string },
  entry: { placedAt: Date; days: number },
  values: Record<string, unknown> = {},
  fieldErrors: FieldErrors = {},
): AdaptiveCardJson {
  return renderCard('board-remove-form', {
    strings: {
      title: translate(locale, 'board.removeForm.title'),
      since: translate(locale, 'board.removeForm.since', { date: formatDay(entry.placedAt, locale), days: entry.days }),
      note: translate(locale, 'board.removeForm.note'),
      noteRequired: translate(locale, 'board.error.note'),
      submit: translate(locale, 'board.removeForm.submit'),
    },
    alias: group.alias,
    groupId: group.id,
    errors: localizeFieldErrors(locale, fieldErrors, 'board.error.summary'),
    form: { note: formValue(values.note) },
  });
}

export interface BoardHistoryEntry {
  placedAt: Date;
  removedAt: Date | null;
  reasonCode: string;
  reasonText: string | null;
  interventions: string | null;
  removalNote: string | null;
  placedBy: string | null;
  removedBy: string | null;
}

/** A group's time on the board: each stay, newest first, with why, by whom and the note when it ended. */
export function boardHistoryCard(locale: Locale, alias: string, entries: BoardHistoryEntry[], timeZone: string): AdaptiveCardJson {
  const at = (date: Date) => formatDateTime(date, locale, timeZone);
  return renderCard('board-history', {
    strings: { title: translate(locale, 'board.history.title'), empty: translate(locale, 'board.history.empty'), back: translate(locale, 'board.history.back') },
    alias,
    entries: entries.map((e) => ({
      period: e.removedAt ? translate(locale, 'board.history.period', { from: at(e.placedAt), to: at(e.removedAt) }) : translate(locale, 'board.history.ongoing', { from: at(e.placedAt) }),
      lines: [
        { label: translate(locale, 'board.label.reason'), text: e.reasonText ? `${reasonTitle(locale, e.reasonCode)}: ${shorten(e.reasonText)}` : reasonTitle(locale, e.reasonCode) },
        ...(e.interventions ? [{ label: translate(locale, 'board.label.interventions'), text: shorten(e.interventions, 240) }] : []),
        { label: translate(locale, 'board.history.placedBy'), text: e.placedBy ?? '–' },
        ...(e.removedAt ? [{ label: translate(locale, 'board.history.removedBy'), text: e.removedBy ?? '–' }, { label: translate(locale, 'board.history.note'), text: e.removalNote ?? '–' }] : []),
      ],
    })),
  });
}

/** The case manager's choice of FACT team for a group chat: the teams of their own FACT groups. */
export function boardTeamFormCard(locale: Locale, groupId: string, teams: Array<{ teamId: string; name: string | null }>, current: string | null, fieldErrors: FieldErrors = {}): AdaptiveCardJson {
  return renderCard('board-team-form', {
    strings: {
      title: translate(locale, 'board.team.title'),
      intro: translate(locale, 'board.team.intro'),
      none: translate(locale, 'board.team.none'),
      choice: translate(locale, 'board.team.choice'),
      required: translate(locale, 'board.team.required'),
      submit: translate(locale, 'board.team.submit'),
    },
    groupId,
    current: current ?? '',
    teams: teams.map((t, i) => ({ value: t.teamId, title: t.name ?? translate(locale, 'board.team.unnamed', { n: i + 1 }) })),
    errors: localizeFieldErrors(locale, fieldErrors, 'board.error.summary'),
  });
}

/** The team's board settings: the daily card (on/off, time) and days before the "can they come off?" question. */
export function boardSettingsFormCard(
  locale: Locale,
  teamId: string,
  current: { dailyTime: string; dailyEnabled: boolean; askAfterDays: number; channelConversationId: string | null },
  options: { values?: Record<string, unknown>; fieldErrors?: FieldErrors; notice?: string } = {},
): AdaptiveCardJson {
  const values = options.values ?? {};
  const submitted = Object.keys(values).length > 0;
  return renderCard('board-settings-form', {
    strings: {
      title: translate(locale, 'board.settings.title'),
      channel: translate(locale, current.channelConversationId ? 'board.settings.channelSet' : 'board.settings.noChannel'),
      enabled: translate(locale, 'board.settings.enabled'),
      time: translate(locale, 'board.settings.time'),
      timeRequired: translate(locale, 'board.error.time'),
      askAfterDays: translate(locale, 'board.settings.askAfterDays'),
      submit: translate(locale, 'board.settings.submit'),
    },
    notice: options.notice ?? null,
    teamData: { teamId },
    errors: localizeFieldErrors(locale, options.fieldErrors ?? {}, 'board.error.summary'),
    form: submitted
      ? { dailyTime: formValue(values.dailyTime), dailyEnabled: formValue(values.dailyEnabled), askAfterDays: formValue(values.askAfterDays) }
      : { dailyTime: current.dailyTime, dailyEnabled: String(current.dailyEnabled), askAfterDays: String(current.askAfterDays) },
  });
}
