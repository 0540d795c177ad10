/**
 * What a turn tells about who is acting and where: always read from the activity itself, never from
 * ids inside submitted card data.
 */
import type { TurnContext } from 'botbuilder';
import { resolveLocale, type Locale } from '../domain/locale';
import type { AuditTrigger } from '../storage/audit';
import type { ConversationInfo, RosterPerson } from '../storage/groups';

/** The caller as the activity names them. */
export function callerOf(context: TurnContext): RosterPerson {
  const from = context.activity.from;
  return { teamsUserId: from?.id ?? '', aadObjectId: from?.aadObjectId || undefined, name: from?.name ?? '' };
}

/**
 * For a card action: `automatic` when Teams refreshed the card by itself (for each member listed in
 * refresh.userIds, when the card is shown), `manual` when the person pressed. Undefined otherwise.
 */
export function triggerOf(context: TurnContext): AuditTrigger | undefined {
  const { type, name, value } = context.activity;
  if (type !== 'invoke' || name !== 'adaptiveCard/action') return undefined;
  return (value as { trigger?: unknown } | undefined)?.trigger === 'automatic' ? 'automatic' : 'manual';
}

/** The reply language for this caller. */
export function localeOf(context: TurnContext): Locale {
  return resolveLocale(context.activity.locale);
}

/**
 * The conversation a resource group binds to. A channel post's conversation id carries
 * ";messageid=…" for the thread; the group belongs to the channel, so that suffix is dropped.
 */
export function conversationOf(context: TurnContext): ConversationInfo {
  const activity = context.activity;
  const channelData = (activity.channelData ?? {}) as {
    team?: { id?: string };
    channel?: { id?: string };
    tenant?: { id?: string };
  };
  const rawType = activity.conversation?.conversationType;
  const conversationType = rawType === 'channel' ? 'channel' : rawType === 'groupChat' ? 'groupChat' : 'personal';
  return {
    conversationId: conversationKey(activity.conversation?.id ?? ''),
    conversationType,
    tenantId: channelData.tenant?.id ?? activity.conversation?.tenantId ?? undefined,
    teamId: channelData.team?.id,
    channelId: channelData.channel?.id,
  };
}

/** The conversation id without a channel thread's ";messageid=…" suffix. */
export function conversationKey(conversationId: string): string {
  return conversationId.split(';')[0] ?? conversationId;
}
