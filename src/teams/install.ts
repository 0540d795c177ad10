import { TurnContext, type Activity } from 'botbuilder';
import { welcomeCard } from '../cards/notice';
import { LOCALES } from '../domain/locale';
import type { Logger } from '../logger';
import { isAllowedServiceUrl, type ServiceHostPolicy } from '../domain/service-hosts';
import { saveConversationReference, type StoredConversationReference } from '../storage/conversations';
import type { Db } from '../storage/database';
import { wakeUnreachableReminders } from '../storage/reminders';
import { conversationKey, conversationOf } from './context';
import { groupLocale } from './group-context';
import { replyWithCard } from './send';
import { groupOfTurn } from './turn';

/**
 * Records the conversation reference of an activity (for proactive posts later), keyed by the
 * conversation without a channel thread's suffix. Only a serviceUrl on an allowed host is stored; the
 * write is skipped when the stored reference already matches (`stored`, read by the tenant fence).
 */
export async function rememberConversation(db: Db, activity: Activity, hosts: ServiceHostPolicy, stored: StoredConversationReference | undefined, now: Date): Promise<void> {
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
    userId: activity.conversation.conversationType === 'personal' ? activity.from?.id : undefined,
  }, stored);
  // Teams had refused this conversation (403) and now it speaks: what waited for it goes out now.
  if (stored?.unreachableAt) await wakeUnreachableReminders(db, conversationId, activity.conversation.conversationType === 'personal' ? activity.from?.id : undefined, now);
}

/** True when the bot itself is among the members just added: the app was installed here. */
export function botWasAdded(activity: Activity): boolean {
  return (activity.membersAdded ?? []).some((member) => member.id === activity.recipient?.id);
}

/**
 * Greets the conversation in which the bot was just installed with what it does there: in a personal
 * chat, in a conversation that can become a resource group, or in a resource group's own. The install
 * event carries nobody's language: a group's greeting is in the group's language, any other in
 * Swedish and then English.
 */
export async function greetInstalledConversation(context: TurnContext, db: Db, logger: Logger): Promise<void> {
  const personal = conversationOf(context).conversationType === 'personal';
  const group = personal ? null : await groupOfTurn(db, context);
  const place = personal ? 'personal' : group ? 'group' : 'notAGroup';
  logger.info('bot.installed', { conversationType: context.activity.conversation?.conversationType, greeting: place });
  await replyWithCard(context, welcomeCard(place, group ? [groupLocale(group)] : LOCALES));
}
