/**
 * Sending cards through botbuilder: the one place that wraps card JSON in an activity.
 */
import { CardFactory, MessageFactory, type Activity, type TurnContext } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/render';

/** A message activity carrying one Adaptive Card. */
export function cardActivity(card: AdaptiveCardJson): Partial<Activity> {
  return MessageFactory.attachment(CardFactory.adaptiveCard(card));
}

/**
 * Replies to the current activity with a card (in a channel, into the post's thread).
 *
 * @example
 *   await replyWithCard(context, helpCard('sv', null));
 */
export async function replyWithCard(context: TurnContext, card: AdaptiveCardJson): Promise<void> {
  await context.sendActivity(cardActivity(card));
}
