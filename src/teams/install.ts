import { TurnContext, type Activity } from 'botbuilder';
import { welcomeCard } from '../cards/notice';
import { resolveLocale } from '../domain/locale';
import type { Logger } from '../logger';
import { isAllowedServiceUrl, type ServiceHostPolicy } from '../domain/service-hosts';
import { saveConversationReference, type StoredConversationReference } from '../storage/conversations';
import type { Db } from '../storage/database';
import { conversationKey } from './context';
import { replyWithCard } from './send';

/**
 * Records the conversation reference of an activity (for proactive posts later), keyed by the
 * conversation without a channel thread's suffix. Only a serviceUrl on an allowed host is stored; the
 * write is skipped when the stored reference already matches (`stored`, read by the tenant fence).
 */
export async function rememberConversation(db: Db, activity: Activity, hosts: ServiceHostPolicy, stored: StoredConversationReference | undefined): Promise<void> {
  if (!activity.conversation?.id || !activity.serviceUrl || !isAllowedServiceUrl(activity.serviceUrl, hosts)) return;
  // A conversation-level reference: without the activity id, a proactive post starts a new post
  // instead of replying into whatever thread happened to be the last one.
  const { activityId: _lastActivity, ...reference } = TurnContext.getConversationReference(activity);
  const conversationId = conversationKey(activity.conversation.id);
  await saveConversationReference(db, {
    conversationId,
    serviceUrl: activity.serviceUrl,
    tenantId: activity.conversation.tenantId ?? undefined,
    reference: { ...reference, conversation: { ...reference.conversation, id: conversationId } } as unknown as Record<string, unknown>,
  }, stored);
}

/** True when the bot itself is among the members just added: the app was installed here. */
export function botWasAdded(activity: Activity): boolean {
  return (activity.membersAdded ?? []).some((member) => member.id === activity.recipient?.id);
}

/** Greets the conversation in which the bot was just installed. */
export async function greetInstalledConversation(context: TurnContext, logger: Logger): Promise<void> {
  logger.info('bot.installed', { conversationType: context.activity.conversation?.conversationType });
  await replyWithCard(context, welcomeCard(resolveLocale(context.activity.locale)));
}
