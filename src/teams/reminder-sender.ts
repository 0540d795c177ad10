/**
 * Posts reminders through Teams for the scheduler (reminders/scheduler.ts): a new top-level post in the
 * group's conversation, or into a person's personal chat (one card for reminders of all their groups,
 * each line with its group's alias), opened through Teams when there is none yet; when that cannot be
 * opened (the app is not installed), a channel post that @mentions them. Before posting it checks that
 * each reminder still applies and that its recipient may still see it (a current member with consent,
 * per reminder's membership); the card says only what kind of thing is due and when.
 */
import type { Activity } from 'botbuilder';
import { isoDay } from '../cards/format';
import { reminderCard, type ReminderItem } from '../cards/reminders';
import { OPEN_AGREEMENT_STATUSES } from '../domain/agreements';
import { boardQuestionDay, DEFAULT_ASK_AFTER_DAYS } from '../domain/board';
import { MEETING_KINDS } from '../domain/follow-ups';
import { crisisPlanReviewDay } from '../domain/reminders';
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
import type { Gathered, ReminderGroup, ReminderSender, SendBatch, SendOutcome } from '../reminders/scheduler';
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
  /** The groups (of the claimed reminders) that have a meeting coming. */
  nextMeeting: Set<string>;
  /** Per group with a review reminder claimed: the day its crisis plan review is due now. */
  crisisPlanReviewDay: Map<string, string>;
  /** Per group with a board question claimed: its entry on the FACT board now and the day the question is due. */
  boardQuestion: Map<string, { id: string; placedAt: Date; day: string }>;
  /** The memberships the claimed reminders are for (current, with consent, with Teams, or not). */
  members: Map<string, MemberFacts>;
}

interface MemberFacts {
  id: string;
  teamsUserId: string | null;
  displayName: string;
  removedAt: Date | null;
  consentRecordedAt: Date | null;
  consentWithdrawnAt: Date | null;
}

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

/** The parts of a reminder's key ("kind:subject:day"). */
const keyPart = (reminder: ReminderRow, n: 1 | 2) => reminder.occurrenceKey.split(':')[n];

const idsOf = (reminders: readonly ReminderRow[], pick: (r: ReminderRow) => string | null) => [...new Set(reminders.flatMap((r) => (pick(r) ? [pick(r)!] : [])))];

/**
 * @example
 *   const sender = createReminderSender({ db, logger, now, deliver, openPersonalChat });
 */
export function createReminderSender(deps: ReminderSenderDeps): ReminderSender {
  const { db, now } = deps;

  /**
   * What the destination's claimed reminders are about (agreements, follow-ups, each group's next
   * meeting, review and board question, the memberships they go to), read once per destination and
   * kept in `batch.memo` for each of its posts: a query costs the scheduler more than a post. Every
   * list is of the claimed reminders, which the scheduler claims a fixed number at a time. A reminder
   * cancelled in the seconds between that read and its post still goes out; one finished earlier does not.
   */
  async function subjectsOf(batch: SendBatch): Promise<Subjects> {
    const cached = batch.memo.get('subjects') as Subjects | undefined;
    if (cached) return cached;
    const claimed = batch.claimed;
    const agreementIds = idsOf(claimed, (r) => r.agreementId);
    const followUpIds = idsOf(claimed, (r) => r.followUpId);
    const memberIds = idsOf(claimed, (r) => r.memberId);
    const groupIds = idsOf(claimed, (r) => r.groupId);
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
      nextMeeting: new Set(
        (
          await db.followUp.findMany({
            where: { groupId: { in: groupIds }, status: 'active', kind: { in: [...MEETING_KINDS] }, nextAt: { gt: now() } },
            select: { groupId: true },
            distinct: ['groupId'],
          })
        ).map((f) => f.groupId),
      ),
      crisisPlanReviewDay: new Map(),
      boardQuestion: new Map(),
      members: new Map(
        memberIds.length === 0
          ? []
          : (
              await db.member.findMany({
                where: { id: { in: memberIds } },
                select: { id: true, teamsUserId: true, displayName: true, removedAt: true, consentRecordedAt: true, consentWithdrawnAt: true },
              })
            ).map((m) => [m.id, m]),
      ),
    };
    for (const groupId of idsOf(claimed, (r) => (r.kind === 'crisis_plan_review' ? r.groupId : null))) {
      const plan = await db.crisisPlan.findUnique({ where: { groupId }, select: { reviewedAt: true, createdAt: true, reviewIntervalMonths: true } });
      const group = batch.groups.get(groupId);
      if (plan && group) subjects.crisisPlanReviewDay.set(groupId, crisisPlanReviewDay(plan, group.timeZone));
    }
    for (const groupId of idsOf(claimed, (r) => (r.kind === 'board_question' ? r.groupId : null))) {
      const entry = await db.boardEntry.findFirst({ where: { groupId, removedAt: null }, select: { id: true, placedAt: true, group: { select: { teamId: true } } } });
      const group = batch.groups.get(groupId);
      if (!entry || !group) continue;
      const team = entry.group.teamId ? await db.boardTeam.findUnique({ where: { teamId: entry.group.teamId }, select: { askAfterDays: true } }) : null;
      subjects.boardQuestion.set(groupId, { id: entry.id, placedAt: entry.placedAt, day: boardQuestionDay(entry.placedAt, team?.askAfterDays ?? DEFAULT_ASK_AFTER_DAYS, group.timeZone) });
    }
    batch.memo.set('subjects', subjects);
    return subjects;
  }

  /** Whether a membership may be reminded: current, with consent, and (for a person's chat) that person. */
  const mayReceive = (member: MemberFacts | undefined, teamsUserId: string | undefined): member is MemberFacts =>
    Boolean(member && !member.removedAt && hasConsent(member) && member.teamsUserId && (teamsUserId === undefined || member.teamsUserId === teamsUserId));

  /**
   * The reminders that still apply and whose recipient may still see them, as card items (with their
   * group's alias when `personal`); the others' ids, and whether they were dropped for access.
   */
  async function itemsOf(reminders: ReminderRow[], batch: SendBatch, recipient: { teamsUserId?: string; personal: boolean } | undefined) {
    const subjects = await subjectsOf(batch);
    const items: ReminderItem[] = [];
    const dropped: string[] = [];
    let noAccess = 0;
    for (const reminder of reminders) {
      const group = batch.groups.get(reminder.groupId);
      if (recipient && !mayReceive(reminder.memberId ? subjects.members.get(reminder.memberId) : undefined, recipient.teamsUserId)) {
        dropped.push(reminder.id);
        noAccess++;
        continue;
      }
      const base = {
        reminderId: reminder.id,
        kind: reminder.kind as ReminderItem['kind'],
        nextMeeting: subjects.nextMeeting.has(reminder.groupId),
        ...(recipient?.personal && group ? { alias: group.individualAlias } : {}),
      };
      const item = itemOf(reminder, base, subjects);
      if (item) items.push(item);
      else dropped.push(reminder.id);
    }
    return { items, dropped, allNoAccess: noAccess > 0 && noAccess === dropped.length && items.length === 0 };
  }

  /** One reminder as a card item, or null when it no longer applies. */
  function itemOf(reminder: ReminderRow, base: Pick<ReminderItem, 'reminderId' | 'kind' | 'nextMeeting' | 'alias'>, subjects: Subjects): ReminderItem | null {
    if (reminder.agreementId) {
      const agreement = subjects.agreements.get(reminder.agreementId);
      // Finished, or moved to another day (its new day has reminders of its own).
      if (!agreement || !(OPEN_AGREEMENT_STATUSES as readonly string[]).includes(agreement.status) || isoDay(agreement.dueDate) !== keyPart(reminder, 2)) return null;
      return { ...base, when: agreement.dueDate, wholeDay: true, agreement: { id: agreement.id, version: agreement.version } };
    }
    if (reminder.followUpId) {
      const followUp = subjects.followUps.get(reminder.followUpId);
      if (!followUp || followUp.status === 'cancelled') return null;
      // An agenda is about its meeting: the meeting's day (in its key) at the follow-up's time.
      const when = reminder.kind === 'meeting_agenda' ? wallClockToInstant(keyPart(reminder, 2)!, followUp.time, followUp.timeZone) : reminder.dueAt;
      return { ...base, followUpKind: followUp.kind, when, wholeDay: false };
    }
    if (reminder.kind === 'crisis_plan_review') {
      // Reviewed since it was planned (the review is due on another day now), or the plan is gone.
      if (keyPart(reminder, 2) !== subjects.crisisPlanReviewDay.get(reminder.groupId)) return null;
      return { ...base, when: reminder.dueAt, wholeDay: true, groupId: reminder.groupId };
    }
    if (reminder.kind === 'board_question') {
      // Taken off the board since (or off and on again: the new stay asks in its own time), or asked on another day now.
      const entry = subjects.boardQuestion.get(reminder.groupId);
      if (!entry || entry.id !== keyPart(reminder, 1) || entry.day !== keyPart(reminder, 2)) return null;
      return { ...base, when: entry.placedAt, wholeDay: true, groupId: reminder.groupId };
    }
    return { ...base, when: reminder.dueAt, wholeDay: false };
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

  /** The group a reminder is for (the scheduler read each claimed reminder's group). */
  const groupOfReminder = (batch: SendBatch, reminder: ReminderRow, fallback: ReminderGroup) => batch.groups.get(reminder.groupId) ?? fallback;

  /**
   * Reminders to one person ("user:<Teams id>", or a membership of before that): their personal chat,
   * one card for reminders of several groups (each line with its group's alias); opened through Teams
   * when there is none yet. When Teams will not open one (the app is not installed), a channel post in
   * the first reminder's group that @mentions them, with that group's reminders only and nothing about
   * the individual; the others wait for the next round (the next group's channel).
   */
  async function sendToPerson(group: ReminderGroup, destination: string, reminders: ReminderRow[], gathered: Gathered, batch: SendBatch): Promise<SendOutcome> {
    const subjects = await subjectsOf(batch);
    // A membership destination (planned before "user:") is that member, whoever they are in Teams now.
    const legacy = destination.startsWith('member:') ? subjects.members.get(destination.slice('member:'.length)) : undefined;
    const teamsUserId = destination.startsWith('user:') ? destination.slice('user:'.length) : legacy?.teamsUserId ?? undefined;
    if (!teamsUserId) return { kind: 'dropped', reason: 'no_access' };
    const { items, dropped, allNoAccess } = await itemsOf(reminders, batch, { teamsUserId, personal: true });
    if (items.length === 0) return { kind: 'dropped', reason: allNoAccess ? 'no_access' : 'obsolete' };
    const withDropped = (outcome: SendOutcome): SendOutcome => (outcome.kind === 'sent' && dropped.length > 0 ? { ...outcome, droppedIds: dropped } : outcome);
    const primary = groupOfReminder(batch, reminders.find((r) => items[0]!.reminderId === r.id)!, group);
    const locale = resolveLocale(primary.locale);
    const summary = translate(locale, 'shell.summary');
    const oneGroup = new Set(items.map((i) => i.alias)).size === 1;
    const personal = cardActivity(reminderCard(locale, items, { timeZone: primary.timeZone, alias: oneGroup ? items[0]!.alias : undefined, personal: true, gathered }), summary);
    const chat = batch.memo.has('chat') ? (batch.memo.get('chat') as Awaited<ReturnType<typeof findPersonalChatOf>>) : await findPersonalChatOf(db, teamsUserId);
    batch.memo.set('chat', chat);
    if (chat && !chat.unreachableAt) {
      const delivered = await deps.deliver(chat.conversationId, personal, batch.memo);
      if (delivered !== 'unreachable' && delivered !== 'not_found') return withDropped(outcomeOf(delivered, 'personal'));
    }
    const opened = await deps.openPersonalChat(primary, { teamsUserId }, personal);
    // The chat just opened is stored: the next post of this batch reads it.
    batch.memo.delete('chat');
    if (opened !== 'refused') return withDropped(outcomeOf(opened, 'personal_opened'));
    // The person has not installed the app: a channel post in one group that names them.
    const here = reminders.filter((r) => r.groupId === primary.id && items.some((i) => i.reminderId === r.id));
    const later = items.filter((i) => !here.some((r) => r.id === i.reminderId)).map((i) => i.reminderId);
    const member = subjects.members.get(here[0]!.memberId ?? '')!;
    deps.logger.info('reminder.mention_fallback', { groupId: primary.id });
    const mentionItems = items.filter((i) => !later.includes(i.reminderId)).map(({ alias: _alias, ...item }) => item);
    const mention = cardActivity(reminderCard(locale, mentionItems, { timeZone: primary.timeZone, gathered, mention: { id: teamsUserId, name: member.displayName } }), summary);
    const outcome = withDropped(outcomeOf(await deps.deliver(primary.conversationId, mention, batch.memo), 'mention_fallback'));
    return outcome.kind === 'sent' && later.length > 0 ? { ...outcome, laterIds: later } : outcome;
  }

  return {
    async send(group, destination, reminders, gathered, batch = { claimed: reminders, groups: new Map([[group.id, group]]), memo: new Map() }) {
      if (destination.startsWith('board:')) return sendDailyBoard(group, destination.slice('board:'.length), reminders, batch);
      if (!destination.startsWith('group:')) return sendToPerson(group, destination, reminders, gathered, batch);
      const locale = resolveLocale(group.locale);
      const { items, dropped } = await itemsOf(reminders, batch, undefined);
      if (items.length === 0) return { kind: 'dropped', reason: 'obsolete' };
      const card = reminderCard(locale, items, { timeZone: group.timeZone, gathered });
      const outcome = outcomeOf(await deps.deliver(group.conversationId, cardActivity(card, translate(locale, 'shell.summary')), batch.memo), 'channel');
      return outcome.kind === 'sent' && dropped.length > 0 ? { ...outcome, droppedIds: dropped } : outcome;
    },
  };
}
