/**
 * Posts reminders through Teams for the scheduler (reminders/scheduler.ts): a new top-level post in the
 * group's conversation, or into a member's personal chat, opened through Teams when there is none yet;
 * when that cannot be opened (the member has not installed the app), a channel post that @mentions
 * them. Before posting it checks that each reminder still applies and that its recipient may still see
 * it (a current member with consent); the card says only what kind of thing is due and when.
 */
import type { Activity } from 'botbuilder';
import { isoDay } from '../cards/format';
import { reminderCard, type ReminderItem } from '../cards/reminders';
import { OPEN_AGREEMENT_STATUSES } from '../domain/agreements';
import { MEETING_KINDS } from '../domain/follow-ups';
import { resolveLocale } from '../domain/locale';
import { hasConsent } from '../domain/members';
import { localDayOf, wallClockToInstant } from '../domain/working-time';
import { MAX_REFRESH_USERS, shellCard } from '../cards/shell';
import { consentedTeamsUserIdsOfGroups, findFactGroupsOfTeam } from '../storage/board';
import type { Logger } from '../logger';
import { translate } from '../locales';
import { findPersonalChatOf } from '../storage/conversations';
import type { Db } from '../storage/database';
import type { ReminderRow } from '../storage/reminders';
import { crisisPlanReviewDay } from '../reminders/planner';
import type { ReminderGroup, ReminderSender, SendBatch, SendOutcome } from '../reminders/scheduler';
import type { SendFailureKind } from './outbound';
import { cardActivity } from './send';

/** How a post went: done, skipped (no reference, or unreachable), or the send path's failure kind. */
export type DeliveryOutcome = 'done' | 'skipped' | SendFailureKind;

export interface ReminderSenderDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  /** Posts into a conversation from its stored reference (app.ts inConversation), read once per `memo`. */
  deliver(conversationId: string, activity: Partial<Activity>, memo?: Map<string, unknown>): Promise<DeliveryOutcome>;
  /** Opens a personal chat with a member through Teams and posts into it; 'refused' when Teams will not. */
  openPersonalChat(group: ReminderGroup, member: { teamsUserId: string }, activity: Partial<Activity>): Promise<DeliveryOutcome | 'refused'>;
}

interface Subjects {
  agreements: Map<string, { id: string; status: string; dueDate: Date; version: number }>;
  followUps: Map<string, { id: string; status: string; kind: string; time: string; timeZone: string }>;
  nextMeeting: boolean;
  /** The day the group's crisis plan review is due now (read only when a review reminder is claimed). */
  crisisPlanReviewDay?: string;
  /** The group's entry on the FACT board now (read only when a board question is claimed). */
  boardEntry?: { id: string; placedAt: Date } | null;
}

type MemberFacts = { id: string; teamsUserId: string | null; displayName: string; removedAt: Date | null; consentRecordedAt: Date | null; consentWithdrawnAt: Date | null } | null;

/** Waits, in ms, after Teams said "not now" (429 past the turn's own retries, 412, 503). */
const LATER_MS = 60_000;

function outcomeOf(delivery: DeliveryOutcome, how: string): SendOutcome {
  switch (delivery) {
    case 'done':
      return { kind: 'sent', how };
    case 'skipped':
    case 'unreachable':
    case 'not_found':
      return { kind: 'unreachable', reason: delivery };
    case 'throttled':
    case 'unavailable':
    case 'ambiguous':
      // An ambiguous failure may have been posted: trying again later can make the one duplicate the
      // delivery guarantee allows (scheduler.ts).
      return { kind: 'later', retryAfterMs: LATER_MS, reason: delivery };
    default:
      return { kind: 'failed', reason: delivery };
  }
}

/** The due day an agreement reminder was planned for (the last part of its key). */
const plannedDueDay = (reminder: ReminderRow) => reminder.occurrenceKey.split(':')[2];

/**
 * @example
 *   const sender = createReminderSender({ db, logger, now, deliver, openPersonalChat });
 */
export function createReminderSender(deps: ReminderSenderDeps): ReminderSender {
  const { db, now } = deps;

  /**
   * What the destination's claimed reminders are about (agreements, follow-ups, the group's next
   * meeting), read once per destination and kept in `batch.memo` for each of its posts: a query costs
   * the scheduler more than a post. A reminder cancelled in the seconds between that read and its post
   * still goes out; one finished earlier does not.
   */
  async function subjectsOf(group: ReminderGroup, batch: SendBatch) {
    const cached = batch.memo.get('subjects') as Subjects | undefined;
    if (cached) return cached;
    const agreementIds = batch.claimed.flatMap((r) => (r.agreementId ? [r.agreementId] : []));
    const followUpIds = batch.claimed.flatMap((r) => (r.followUpId ? [r.followUpId] : []));
    const subjects: Subjects = {
      agreements: new Map(
        agreementIds.length === 0
          ? []
          : (await db.agreement.findMany({ where: { id: { in: agreementIds } }, select: { id: true, status: true, dueDate: true, version: true } })).map((a) => [a.id, a]),
      ),
      followUps: new Map(
        followUpIds.length === 0
          ? []
          : (await db.followUp.findMany({ where: { id: { in: followUpIds } }, select: { id: true, status: true, kind: true, time: true, timeZone: true } })).map((f) => [f.id, f]),
      ),
      nextMeeting: Boolean(
        await db.followUp.findFirst({ where: { groupId: group.id, status: 'active', kind: { in: [...MEETING_KINDS] }, nextAt: { gt: now() } }, select: { id: true } }),
      ),
    };
    if (batch.claimed.some((r) => r.kind === 'crisis_plan_review')) {
      const plan = await db.crisisPlan.findUnique({ where: { groupId: group.id }, select: { reviewedAt: true, createdAt: true, reviewIntervalMonths: true } });
      subjects.crisisPlanReviewDay = plan ? crisisPlanReviewDay(plan, group.timeZone) : undefined;
    }
    if (batch.claimed.some((r) => r.kind === 'board_question')) {
      subjects.boardEntry = await db.boardEntry.findFirst({ where: { groupId: group.id, removedAt: null }, select: { id: true, placedAt: true } });
    }
    batch.memo.set('subjects', subjects);
    return subjects;
  }

  /** The reminders that still apply, as card items; the others' ids. */
  async function itemsOf(group: ReminderGroup, reminders: ReminderRow[], batch: SendBatch) {
    const { agreements, followUps, nextMeeting, crisisPlanReviewDay: reviewDay, boardEntry } = await subjectsOf(group, batch);
    const items: ReminderItem[] = [];
    const dropped: string[] = [];
    for (const reminder of reminders) {
      const base = { reminderId: reminder.id, kind: reminder.kind as ReminderItem['kind'], nextMeeting };
      if (reminder.agreementId) {
        const agreement = agreements.get(reminder.agreementId);
        // Finished, or moved to another day (its new day has reminders of its own).
        if (!agreement || !(OPEN_AGREEMENT_STATUSES as readonly string[]).includes(agreement.status) || isoDay(agreement.dueDate) !== plannedDueDay(reminder)) {
          dropped.push(reminder.id);
          continue;
        }
        items.push({ ...base, when: agreement.dueDate, wholeDay: true, agreement: { id: agreement.id, version: agreement.version } });
      } else if (reminder.followUpId) {
        const followUp = followUps.get(reminder.followUpId);
        if (!followUp || followUp.status === 'cancelled') {
          dropped.push(reminder.id);
          continue;
        }
        // An agenda is about its meeting: the meeting's day (in its key) at the follow-up's time.
        const when = reminder.kind === 'meeting_agenda' ? wallClockToInstant(reminder.occurrenceKey.split(':')[2]!, followUp.time, followUp.timeZone) : reminder.dueAt;
        items.push({ ...base, followUpKind: followUp.kind, when, wholeDay: false });
      } else if (reminder.kind === 'crisis_plan_review') {
        // Reviewed since it was planned (the review is due on another day now), or the plan is gone.
        const plannedDay = reminder.occurrenceKey.split(':')[2];
        if (plannedDay !== reviewDay) {
          dropped.push(reminder.id);
          continue;
        }
        items.push({ ...base, when: reminder.dueAt, wholeDay: true, groupId: group.id });
      } else if (reminder.kind === 'board_question') {
        // Taken off the board since (or off and on again: the new stay asks in its own time).
        if (!boardEntry || boardEntry.id !== reminder.occurrenceKey.split(':')[1]) {
          dropped.push(reminder.id);
          continue;
        }
        items.push({ ...base, when: boardEntry.placedAt, wholeDay: true, groupId: group.id });
      } else {
        items.push({ ...base, when: reminder.dueAt, wholeDay: false });
      }
    }
    return { items, dropped };
  }

  /**
   * The daily board card in the team's board channel: a shell with the count and a refresh for the
   * members with consent of the groups on the board (each sees only the groups they may, checked when
   * their view is fetched). Only today's: a day missed while the bot was down is not posted late.
   */
  async function sendDailyBoard(group: ReminderGroup, teamId: string, reminders: ReminderRow[], batch: SendBatch): Promise<SendOutcome> {
    const team = await db.boardTeam.findUnique({ where: { teamId } });
    if (!team?.channelConversationId || !team.dailyEnabled) return { kind: 'dropped', reason: 'obsolete' };
    const today = localDayOf(now(), group.timeZone);
    if (!reminders.some((r) => r.occurrenceKey.endsWith(`:${today}`))) return { kind: 'dropped', reason: 'obsolete' };
    const groupIds = (await findFactGroupsOfTeam(db, teamId)).map((g) => g.id);
    const onBoard = await db.boardEntry.findMany({ where: { groupId: { in: groupIds }, removedAt: null }, select: { groupId: true } });
    const userIds = await consentedTeamsUserIdsOfGroups(db, [...new Set(onBoard.map((e) => e.groupId))], MAX_REFRESH_USERS);
    const count = (locale: 'sv' | 'en') => translate(locale, 'shell.board.count', { count: onBoard.length });
    const card = shellCard('sv', { titleKey: 'shell.boardDaily.title', verb: 'boardShow', data: { teamId, daily: true }, userIds, bilingual: true, note: `${count('sv')} · ${count('en')}` });
    return outcomeOf(await deps.deliver(team.channelConversationId, cardActivity(card, translate('sv', 'shell.summary')), batch.memo), 'board_channel');
  }

  return {
    async send(group, destination, reminders, catchUp, batch = { claimed: reminders, memo: new Map() }) {
      const locale = resolveLocale(group.locale);
      if (destination.startsWith('board:')) return sendDailyBoard(group, destination.slice('board:'.length), reminders, batch);
      const { items, dropped } = await itemsOf(group, reminders, batch);
      if (items.length === 0) return { kind: 'dropped', reason: 'obsolete' };
      const withDropped = (outcome: SendOutcome): SendOutcome => (outcome.kind === 'sent' && dropped.length > 0 ? { ...outcome, droppedIds: dropped } : outcome);
      const summary = translate(locale, 'shell.summary');

      if (destination.startsWith('group:')) {
        const card = reminderCard(locale, items, { timeZone: group.timeZone, catchUp });
        return withDropped(outcomeOf(await deps.deliver(group.conversationId, cardActivity(card, summary), batch.memo), 'channel'));
      }

      const member =
        (batch.memo.get('member') as MemberFacts | undefined) ??
        (await db.member.findUnique({
          where: { id: destination.slice('member:'.length) },
          select: { id: true, teamsUserId: true, displayName: true, removedAt: true, consentRecordedAt: true, consentWithdrawnAt: true },
        }));
      batch.memo.set('member', member);
      // Only a current member with consent, who has Teams, is reminded of the group's things.
      if (!member || member.removedAt || !hasConsent(member) || !member.teamsUserId) return { kind: 'dropped', reason: 'no_access' };
      const personal = cardActivity(reminderCard(locale, items, { timeZone: group.timeZone, alias: group.individualAlias, catchUp }), summary);
      const chat = batch.memo.has('chat') ? (batch.memo.get('chat') as Awaited<ReturnType<typeof findPersonalChatOf>>) : await findPersonalChatOf(db, member.teamsUserId);
      batch.memo.set('chat', chat);
      if (chat && !chat.unreachableAt) {
        const delivered = await deps.deliver(chat.conversationId, personal, batch.memo);
        if (delivered !== 'unreachable' && delivered !== 'not_found') return withDropped(outcomeOf(delivered, 'personal'));
      }
      const opened = await deps.openPersonalChat(group, { teamsUserId: member.teamsUserId }, personal);
      // The chat just opened is stored: the next post of this batch reads it.
      batch.memo.delete('chat');
      if (opened !== 'refused') return withDropped(outcomeOf(opened, 'personal_opened'));
      // The member has not installed the app: a channel post that names them, and nothing about the individual.
      deps.logger.info('reminder.mention_fallback', { groupId: group.id });
      const mention = cardActivity(reminderCard(locale, items, { timeZone: group.timeZone, catchUp, mention: { id: member.teamsUserId, name: member.displayName } }), summary);
      return withDropped(outcomeOf(await deps.deliver(group.conversationId, mention, batch.memo), 'mention_fallback'));
    },
  };
}
