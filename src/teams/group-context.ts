/**
 * The resource group a turn belongs to and what it may see: shared by every feature that works on a
 * group's data.
 */
import type { Activity, TurnContext } from 'botbuilder';
import { MAX_REFRESH_USERS, shellCard, type ShellCardInput } from '../cards/shell';
import { DomainError } from '../domain/errors';
import type { Locale } from '../domain/locale';
import { accessRefusal, type AccessNeed } from '../domain/members';
import { translate } from '../locales';
import { findMemberByCaller, requireAccess, type Caller } from '../storage/access';
import { appendAudit } from '../storage/audit';
import type { Db } from '../storage/database';
import { findGroupByConversation } from '../storage/groups';
import { consentedTeamsUserIdsOf, listMembers, type Actor } from '../storage/members';
import { findChannelPost, saveChannelPost, type PostedEntityType } from '../storage/channel-posts';
import { callerOf, conversationKey, localeOf, triggerOf } from './context';
import type { BotDeps, PostedActivity } from './feature';
import { cardActivity } from './send';
import { isSendFailure } from './outbound';
import { claimKeyOfTurn, groupOfTurn } from './turn';

export type Group = NonNullable<Awaited<ReturnType<typeof findGroupByConversation>>>;
export type Member = Awaited<ReturnType<typeof requireAccess>>;

export interface GroupTurn {
  group: Group;
  member: Member;
  caller: Caller;
  actor: Actor;
  locale: Locale;
}

/**
 * The conversation's group and the caller's membership at the needed level, from the activity alone.
 * Throws not_a_group, or (audited) not_a_member / no_consent / forbidden.
 *
 * @example
 *   const { group, member } = await requireGroupAccess(db, context, 'consented', 'plan.read');
 */
export async function requireGroupAccess(db: Db, context: TurnContext, need: AccessNeed, action: string): Promise<GroupTurn> {
  const group = await groupOfTurn(db, context);
  if (!group) throw new DomainError('not_a_group');
  return requireAccessToGroup(db, context, group, need, action);
}

/** Like requireGroupAccess, for a group named by the data (a personal chat about one group's agreement). */
export async function requireAccessToGroup(db: Db, context: TurnContext, group: Group, need: AccessNeed, action: string): Promise<GroupTurn> {
  const caller: Caller = { ...callerOf(context), trigger: triggerOf(context), conversationId: conversationKey(context.activity.conversation?.id ?? '') || undefined };
  const member = await requireAccess(db, group.id, caller, need, action);
  return {
    group,
    member,
    caller,
    actor: { memberId: member.id, aadObjectId: caller.aadObjectId, claimKey: claimKeyOfTurn(context), conversationId: caller.conversationId },
    locale: localeOf(context),
  };
}

/**
 * Whether the caller may be told what the group is about (the individual's alias, the model, the case
 * manager): a current member with consent. Others in the conversation learn only that it is a group.
 */
export async function mayKnowGroup(db: Db, context: TurnContext, group: Group): Promise<boolean> {
  return accessRefusal(await findMemberByCaller(db, group.id, callerOf(context)), 'consented') === undefined;
}

/** Audits a read of sensitive data by a member (allowed; refusals are audited by requireAccess). */
export async function auditRead(db: Db, turn: GroupTurn, action: string, entityType?: string, entityId?: string): Promise<void> {
  await appendAudit(db, { action, outcome: 'allowed', groupId: turn.group.id, actorMemberId: turn.member.id, actorAadObjectId: turn.caller.aadObjectId, entityType, entityId, trigger: turn.caller.trigger, conversationId: turn.caller.conversationId });
}

/**
 * Audits a refusal of a member who passed the membership check but may not do this (e.g. read a crisis
 * plan the individual has not given them); requireAccess audits the membership refusals itself.
 */
export async function auditRefusal(db: Db, turn: GroupTurn, action: string, reason: string): Promise<void> {
  await appendAudit(db, { action, outcome: 'denied', groupId: turn.group.id, actorMemberId: turn.member.id, actorAadObjectId: turn.caller.aadObjectId, reason, trigger: turn.caller.trigger, conversationId: turn.caller.conversationId });
}

/** Teams user ids of the group's members with consent: they get the user-specific views by refresh. */
export async function consentedTeamsUserIds(db: Db, groupId: string): Promise<string[]> {
  // Only as many as a refresh can name: the consent rule is in the query, not a filter over every member.
  return consentedTeamsUserIdsOf(db, groupId, MAX_REFRESH_USERS);
}

/** The group's current members as form choices (member id and name). */
export async function memberChoices(db: Db, groupId: string): Promise<Array<{ id: string; name: string }>> {
  return (await listMembers(db, groupId)).map((m) => ({ id: m.id, name: m.displayName }));
}

/**
 * Posts a neutral shell card into the conversation (in a channel, into the thread). The notification
 * preview says only that something happened in the group.
 */
export async function postShell(context: TurnContext, locale: Locale, input: ShellCardInput): Promise<void> {
  await context.sendActivity(shellActivity(locale, input));
}

/** What a post to the whole group stands for, and whether it is new or an update of its post. */
export interface Announcement {
  entity: { type: PostedEntityType; id: string };
  titleKey: ShellCardInput['titleKey'];
  /** The Action.Execute verb (and data) that opens the entity for the member who sees the card. */
  verb: string;
  data: Record<string, unknown>;
  /**
   * `new`: a new post (something new happened, or someone must act: it notifies the channel).
   * `update`: the entity's post is updated in place, with no new notification; a new post when the
   * entity has none yet or the update fails (post deleted, too old to edit, conversation moved).
   */
  kind: 'new' | 'update';
  /**
   * False: the post never refreshes into anyone's view by itself (no refresh.userIds); members press to
   * open it. For the crisis plan, whose content appears only on an entitled member's own press.
   */
  refresh?: boolean;
  privacyKey?: ShellCardInput['privacyKey'];
  showKey?: ShellCardInput['showKey'];
}

/**
 * Tells the group about a change that is already saved: one post per goal or agreement, updated in
 * place by later changes (see Announcement). Best effort: a failed post is logged and not repeated (it
 * may have arrived, see outbound.ts), and the person who made the change is still told it was saved,
 * which is the truth.
 */
export async function announce(deps: BotDeps, context: TurnContext, turn: GroupTurn, announcement: Announcement): Promise<void> {
  const { db, logger } = deps;
  const { group } = turn;
  const activity = shellActivity(groupLocale(group), {
    titleKey: announcement.titleKey,
    changed: announcement.kind === 'update' ? { at: deps.now(), timeZone: group.timeZone } : undefined,
    verb: announcement.verb,
    data: announcement.data,
    userIds: announcement.refresh === false ? [] : await consentedTeamsUserIds(db, group.id),
    bilingual: true,
    refresh: announcement.refresh,
    privacyKey: announcement.privacyKey,
    showKey: announcement.showKey,
  });
  const { type: entityType, id: entityId } = announcement.entity;
  if (announcement.kind === 'update') {
    const post = await findChannelPost(db, entityType, entityId);
    const outcome = post ? await deps.updateInConversation?.(post, activity) : undefined;
    if (outcome === 'updated') return;
    if (outcome) logger.warn('announce.update_failed', { groupId: group.id, entityType, outcome });
    if (outcome === 'failed') return;
  }
  const posted = await postAnnouncement(deps, context, group, activity);
  if (posted) await saveChannelPost(db, { groupId: group.id, entityType, entityId, ...posted });
}

/**
 * A new post for the group: a reply where the change was made when that is the group's conversation
 * (in a channel, into the thread), otherwise (personal chat) a new post from the stored reference.
 */
async function postAnnouncement(deps: BotDeps, context: TurnContext, group: Group, activity: Partial<Activity>): Promise<PostedActivity | undefined> {
  const here = context.activity.conversation?.id ?? '';
  if (conversationKey(here) !== group.conversationId) return deps.postToConversation?.(group.conversationId, activity);
  try {
    const response = await context.sendActivity(activity);
    return response?.id ? { conversationId: here, activityId: response.id } : undefined;
  } catch (error) {
    if (!isSendFailure(error)) throw error;
    deps.logger.warn('announce.failed', { sendFailure: error.kind });
    return undefined;
  }
}

/** The shell card as a message activity, with a notification preview that names nothing. */
export function shellActivity(locale: Locale, input: ShellCardInput): Partial<Activity> {
  return cardActivity(shellCard(locale, input), translate(locale, 'shell.summary'));
}

/** The language of posts meant for the whole group (not an answer to one person). */
export function groupLocale(group: Group): Locale {
  return group.locale === 'en' ? 'en' : 'sv';
}
