/**
 * `uppföljning`: the group's coming follow-ups with cancel, the form for a new one, and the digest and
 * meeting-agenda views that reminders open (member views: shown after the usual access check).
 */
import type { FieldErrors } from '../domain/errors';
import { FOLLOW_UP_KINDS, REPEAT_CHOICES } from '../domain/follow-ups';
import type { Locale } from '../domain/locale';
import { parseRecurrence } from '../domain/recurrence';
import { translate, type MessageKey } from '../locales';
import { formatDateTime, formValue, localizeFieldErrors, earliestDateParams } from './format';
import { shorten } from './paging';
import { renderCard, type AdaptiveCardJson } from './render';
import { MAX_REFRESH_USERS } from './shell';

/** "Once", "Every week", "Every 2 weeks", "The first Tuesday of the month". */
export function recurrenceText(locale: Locale, stored: string): string {
  const recurrence = parseRecurrence(stored);
  if (!recurrence || recurrence.kind === 'once') return translate(locale, 'recurrence.once');
  if (recurrence.kind === 'weekly') {
    return recurrence.everyWeeks === 1 ? translate(locale, 'recurrence.weekly1') : translate(locale, 'recurrence.weekly', { n: recurrence.everyWeeks });
  }
  return translate(locale, 'recurrence.monthly', {
    nth: translate(locale, `ordinal.${recurrence.nth}` as MessageKey),
    weekday: translate(locale, `weekday.${recurrence.weekday}` as MessageKey),
  });
}

export interface FollowUpView {
  id: string;
  kind: string;
  nextAt: Date | null;
  recurrence: string;
  audience: string;
  audienceMemberIds: string | null;
}

/**
 * @example
 *   followUpsCard('sv', followUps, { alias: 'K.L.', timeZone, userIds, total: 3, pending: 2, unreachableSince: null, members })
 */
export function followUpsCard(
  locale: Locale,
  followUps: FollowUpView[],
  options: {
    alias: string;
    timeZone: string;
    userIds: string[];
    total: number;
    pending: number;
    /** The conversation was unreachable (403) from this moment until this very turn, which cleared it. */
    unreachableSince: Date | null;
    members: Array<{ id: string; name: string }>;
    notice?: string;
    /** The case manager sees the group's reminder settings. */
    canManage: boolean;
    /** Whether the viewer gets the personal weekly digest. */
    personalDigest: boolean;
  },
): AdaptiveCardJson {
  const names = new Map(options.members.map((m) => [m.id, m.name]));
  const audienceText = (f: FollowUpView) =>
    f.audience === 'members'
      ? translate(locale, 'followUp.audience.members', { names: (JSON.parse(f.audienceMemberIds ?? '[]') as string[]).map((id) => names.get(id) ?? '–').join(', ') })
      : translate(locale, 'followUp.audience.channel');
  return renderCard('follow-ups', {
    strings: {
      title: translate(locale, 'followUp.list.title'),
      refresh: translate(locale, 'card.refresh'),
      status: translate(locale, 'followUp.list.pending', { count: options.pending }),
      unreachable: options.unreachableSince
        ? translate(locale, 'followUp.list.unreachableUntilNow', { since: formatDateTime(options.unreachableSince, locale, options.timeZone) })
        : null,
      empty: translate(locale, 'followUp.list.empty'),
      cancel: translate(locale, 'followUp.cancel'),
      change: translate(locale, 'followUp.change'),
      new: translate(locale, 'followUp.new'),
      settings: translate(locale, 'settings.open'),
      digestToggle: translate(locale, options.personalDigest ? 'settings.personalDigestOff' : 'settings.personalDigestOn'),
      more: options.total > followUps.length ? translate(locale, 'followUp.list.more', { shown: followUps.length, total: options.total }) : null,
    },
    notice: options.notice ?? null,
    canManage: options.canManage,
    personalDigest: options.personalDigest,
    alias: options.alias,
    userIds: options.userIds.slice(0, MAX_REFRESH_USERS),
    followUps: followUps.map((f) => ({
      id: f.id,
      kind: translate(locale, `followUp.kind.${f.kind}` as MessageKey),
      next: f.nextAt ? translate(locale, 'followUp.next', { when: formatDateTime(f.nextAt, locale, options.timeZone) }) : translate(locale, 'followUp.noneLeft'),
      details: `${recurrenceText(locale, f.recurrence)} · ${audienceText(f)}`,
    })),
  });
}

/**
 * The follow-up form: kind, day and time (the group's wall clock), repeat, who is reminded. With
 * `values.followUpId` it changes that follow-up instead of scheduling a new one.
 */
export function followUpFormCard(
  locale: Locale,
  members: Array<{ id: string; name: string }>,
  today: string,
  values: Record<string, unknown> = {},
  fieldErrors: FieldErrors = {},
): AdaptiveCardJson {
  const followUpId = formValue(values.followUpId);
  return renderCard('follow-up-form', {
    strings: {
      title: translate(locale, followUpId ? 'followUp.form.changeTitle' : 'followUp.form.title'),
      intro: translate(locale, 'followUp.form.intro'),
      kindLabel: translate(locale, 'followUp.form.kind'),
      kindRequired: translate(locale, 'followUp.error.kindRequired'),
      dayLabel: translate(locale, 'followUp.form.day'),
      dayError: translate(locale, 'plan.error.dateRequiredNotPast', earliestDateParams(locale, today)),
      timeLabel: translate(locale, 'followUp.form.time'),
      timeRequired: translate(locale, 'followUp.error.timeRequired'),
      repeatLabel: translate(locale, 'followUp.form.repeat'),
      membersLabel: translate(locale, 'followUp.form.members'),
      submit: translate(locale, 'followUp.form.submit'),
    },
    errors: localizeFieldErrors(locale, fieldErrors, 'followUp.error.summary', earliestDateParams(locale, today)),
    form: { kind: formValue(values.kind), day: formValue(values.day), time: formValue(values.time) || '09:00', repeat: formValue(values.repeat) || 'once', members: formValue(values.members) },
    today,
    submitData: followUpId ? { followUpId } : {},
    kinds: FOLLOW_UP_KINDS.map((kind) => ({ value: kind, title: translate(locale, `followUp.kind.${kind}`) })),
    repeats: REPEAT_CHOICES.map((value) => ({ value, title: translate(locale, `followUp.repeat.${value.replace(':', '_')}` as MessageKey) })),
    members,
  });
}

export interface DigestSection {
  heading: string;
  items: Array<{ text: string; line: string; overdue?: boolean }>;
}

/**
 * The weekly digest or a meeting's agenda, in a member's own view: sections of agreements, follow-ups
 * and goals (their text shortened, as TextRuns), and for an agenda the button that posts the meeting
 * summary afterwards.
 */
export function digestCard(
  locale: Locale,
  kind: 'digest' | 'agenda',
  sections: DigestSection[],
  options: { alias: string; subtitle: string; summarySince?: string },
): AdaptiveCardJson {
  return renderCard('digest', {
    strings: {
      title: translate(locale, kind === 'digest' ? 'digest.title' : 'agenda.title'),
      subtitle: options.subtitle,
      none: translate(locale, 'digest.none'),
      summary: translate(locale, 'agenda.summary'),
      followUps: translate(locale, 'reminder.showFollowUps'),
    },
    alias: options.alias,
    sections: sections.map((section) => ({
      heading: section.heading,
      items: section.items.map((item) => ({ text: shorten(item.text), line: item.line, color: item.overdue ? 'Attention' : 'Default' })),
    })),
    summary: options.summarySince ? { since: options.summarySince } : null,
  });
}

const pad = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;

/** The case manager's form for the group's reminder settings: working time, holidays, digest, days. */
export function reminderSettingsFormCard(
  locale: Locale,
  current: { workDays: string; workdayStartMinute: number; workdayEndMinute: number; observeHolidays: boolean; weeklyDigest: boolean; reminderLeadDays: number; escalateAfterDays: number },
  values: Record<string, unknown> = {},
  fieldErrors: FieldErrors = {},
): AdaptiveCardJson {
  const submitted = Object.keys(values).length > 0;
  return renderCard('reminder-settings-form', {
    strings: {
      title: translate(locale, 'settings.title'),
      intro: translate(locale, 'settings.intro'),
      workDays: translate(locale, 'settings.workDays'),
      workDaysRequired: translate(locale, 'settings.error.workDays'),
      start: translate(locale, 'settings.start'),
      end: translate(locale, 'settings.end'),
      timeRequired: translate(locale, 'followUp.error.timeRequired'),
      holidays: translate(locale, 'settings.holidays'),
      digest: translate(locale, 'settings.digest'),
      leadDays: translate(locale, 'settings.leadDays'),
      escalateDays: translate(locale, 'settings.escalateDays'),
      submit: translate(locale, 'settings.submit'),
    },
    errors: localizeFieldErrors(locale, fieldErrors, 'settings.error.summary'),
    form: submitted
      ? { workDays: formValue(values.workDays), start: formValue(values.start), end: formValue(values.end), observeHolidays: formValue(values.observeHolidays), weeklyDigest: formValue(values.weeklyDigest), leadDays: formValue(values.leadDays), escalateDays: formValue(values.escalateDays) }
      : {
          workDays: current.workDays,
          start: pad(current.workdayStartMinute),
          end: current.workdayEndMinute >= 1440 ? '23:59' : pad(current.workdayEndMinute),
          observeHolidays: String(current.observeHolidays),
          weeklyDigest: String(current.weeklyDigest),
          leadDays: String(current.reminderLeadDays),
          escalateDays: String(current.escalateAfterDays),
        },
    weekdays: [1, 2, 3, 4, 5, 6, 7].map((day) => ({ value: String(day), title: translate(locale, `weekdayName.${day}` as MessageKey) })),
  });
}

/** A stored follow-up as the values of its form (for "change"). */
export function followUpFormValues(followUp: { id: string; kind: string; startDay: string; nextDay: string | null; time: string; recurrence: string; audienceMemberIds: string | null }): Record<string, unknown> {
  const recurrence = parseRecurrence(followUp.recurrence);
  const repeat = !recurrence || recurrence.kind === 'once' ? 'once' : recurrence.kind === 'monthly' ? 'monthly' : `weekly:${recurrence.everyWeeks}`;
  return {
    followUpId: followUp.id,
    kind: followUp.kind,
    day: followUp.nextDay ?? followUp.startDay,
    time: followUp.time,
    repeat: (REPEAT_CHOICES as readonly string[]).includes(repeat) ? repeat : 'once',
    members: (JSON.parse(followUp.audienceMemberIds ?? '[]') as string[]).join(','),
  };
}
