/**
 * Sending cards through botbuilder: the one place that wraps card JSON in an activity.
 */
import { CardFactory, MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/render';

/**
 * A message activity carrying one Adaptive Card. `summary` is what notification previews show (lock
 * screens, activity feed): keep it free of group details.
 */
export function cardActivity(card: AdaptiveCardJson, summary?: string): Partial<Activity> {
  const activity = MessageFactory.attachment(CardFactory.adaptiveCard(card));
  if (summary) activity.summary = summary;
  return activity;
}

/**
 * Replies to the current activity with a card (in a channel, into the post's thread).
 *
 * @example
 *   await replyWithCard(context, helpCard('sv', 'none'));
 */
export async function replyWithCard(context: TurnContext, card: AdaptiveCardJson, summary?: string): Promise<void> {
  await context.sendActivity(cardActivity(card, summary));
}
