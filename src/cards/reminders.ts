/**
 * Reminder cards: what kind of thing is due and when, for whom (the group's alias only in a personal
 * chat), and buttons: show (the member's own view, after the usual access check), done, snooze.
 * Never the text of an agreement, a goal or anything else about health.
 */
import type { ReminderKind } from '../domain/follow-ups';
import type { Locale } from '../domain/locale';
import { translate, type MessageKey } from '../locales';
import { formatDateTime, formatDay } from './format';
import { renderCard, type AdaptiveCardJson } from './render';

/** One reminder as the card tells it. */
export interface ReminderItem {
  reminderId: string;
  kind: ReminderKind;
  /** The follow-up's kind (plan_follow_up, sip_meeting, …) for follow-ups and agendas. */
  followUpKind?: string;
  /** When the thing is due: an agreement's due day, or a follow-up's time. */
  when: Date;
  /** Whether `when` is a whole day (agreements) or a time (follow-ups). */
  wholeDay: boolean;
  agreement?: { id: string; version: number };
  /** For a crisis plan review: the group whose plan it is (the show button opens it, after the access check). */
  groupId?: string;
  /** Whether "to the next meeting" is a snooze choice (the group has one coming). */
  nextMeeting?: boolean;
  /** The alias of the item's group, on a card in a member's personal chat (whose items may come from several groups); never in a channel. */
  alias?: string;
}

export interface ReminderCardOptions {
  timeZone: string;
  /** The individual's alias: only on cards in a member's personal chat, never in a channel (an item's own alias comes first). */
  alias?: string;
  /** A card in the member's personal chat: a catch-up card there opens `mina`, not a group's follow-ups. */
  personal?: boolean;
  /** A channel post standing in for a personal chat that could not be opened: the member, @mentioned. */
  mention?: { id: string; name: string };
  /** One card for several reminders: 'late', they came due while they could not be sent; 'many', they came due at once. */
  gathered?: false | 'late' | 'many';
}

const SHOW_VERBS: Record<ReminderKind, string> = {
  agreement_due: 'agreementShow',
  agreement_overdue: 'agreementShow',
  agreement_escalation: 'agreementShow',
  follow_up: 'followUpsShow',
  meeting_agenda: 'agendaShow',
  weekly_digest: 'digestShow',
  personal_digest: 'mineShow',
  crisis_plan_review: 'crisisPlanShow',
  board_daily: 'boardShow',
  board_question: 'boardRemoveForm',
};

function lineOf(locale: Locale, item: ReminderItem, timeZone: string): string {
  const when = item.wholeDay ? formatDay(item.when, locale) : formatDateTime(item.when, locale, timeZone);
  const what = item.followUpKind ? translate(locale, `followUp.kind.${item.followUpKind}` as MessageKey) : '';
  return translate(locale, `reminder.line.${item.kind}`, { when, what });
}

/**
 * @example
 *   reminderCard('sv', [{ reminderId: 'r1', kind: 'agreement_due', when, wholeDay: true, agreement: { id: 'a1', version: 2 } }], { timeZone, alias: 'K.L.' })
 */
export function reminderCard(locale: Locale, items: ReminderItem[], options: ReminderCardOptions): AdaptiveCardJson {
  const single = items.length === 1 && !options.gathered ? items[0]! : undefined;
  const alias = options.alias ?? null;
  const show = single
    ? { verb: SHOW_VERBS[single.kind], data: single.agreement ? { agreementId: single.agreement.id } : single.kind === 'meeting_agenda' ? { reminderId: single.reminderId } : single.groupId ? { groupId: single.groupId } : {} }
    : options.gathered
      ? { verb: options.personal ? 'mineShow' : 'followUpsShow', data: {} }
      : null;
  const done = single?.agreement && single.kind !== 'agreement_escalation'
    ? { verb: 'agreementChange', data: { agreementId: single.agreement.id, version: single.agreement.version, change: 'done' } }
    : null;
  const snooze = single
    ? [
        { reminderId: single.reminderId, for: 'day', title: translate(locale, 'reminder.snooze.day') },
        { reminderId: single.reminderId, for: 'week', title: translate(locale, 'reminder.snooze.week') },
        ...(single.nextMeeting ? [{ reminderId: single.reminderId, for: 'meeting', title: translate(locale, 'reminder.snooze.meeting') }] : []),
      ]
    : null;
  const mentionTag = options.mention ? `<at>${options.mention.name}</at>` : null;
  return renderCard('reminder', {
    strings: {
      title: translate(locale, options.gathered === 'late' ? 'reminder.catchUp.title' : options.gathered === 'many' ? 'reminder.gathered.title' : single?.kind === 'weekly_digest' ? 'reminder.digest.title' : 'reminder.title'),
      note: options.gathered ? translate(locale, 'reminder.catchUp.note', { count: items.length }) : null,
      show: translate(locale, options.gathered && !options.personal ? 'reminder.showFollowUps' : single?.kind === 'board_question' ? 'board.remove' : 'reminder.show'),
      done: translate(locale, 'reminder.done'),
      snooze: translate(locale, 'reminder.snooze'),
      snoozeIntro: translate(locale, 'reminder.snoozeIntro'),
    },
    mentionText: mentionTag ? translate(locale, 'reminder.mention', { name: mentionTag }) : null,
    mentions: options.mention ? [{ type: 'mention', text: mentionTag, mentioned: { id: options.mention.id, name: options.mention.name } }] : [],
    lines: items.map((item) => ({ alias: item.alias ?? alias, text: lineOf(locale, item, options.timeZone) })),
    show,
    done,
    snooze,
  });
}
