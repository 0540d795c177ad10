/**
 * The shape of a feature: the commands it answers and the card action verbs it handles. app.ts mounts
 * each feature; a test proves every verb in every card has exactly one handler and every handler a card.
 */
import type { Activity, TurnContext } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/render';
import type { Config } from '../config';
import type { CommandId } from '../domain/commands';
import type { Logger } from '../logger';
import type { Db } from '../storage/database';

export interface BotDeps {
  db: Db;
  config: Pick<Config, 'defaultTimeZone' | 'localMode'>;
  logger: Logger;
  now: () => Date;
  /**
   * Posts an activity into a conversation the bot was not just spoken to in (from its stored
   * conversation reference). Resolves false when no reference is stored. Set by createBotApp.
   */
  postToConversation?: (conversationId: string, activity: Partial<Activity>) => Promise<boolean>;
}

export type CommandHandler = (context: TurnContext, args: string) => Promise<void>;

/** Answers an Action.Execute: the card that replaces the one clicked, or a short message. */
export type ActionHandler = (context: TurnContext, data: Record<string, unknown>) => Promise<AdaptiveCardJson | string>;

export interface Feature {
  name: string;
  commands?: Partial<Record<CommandId, CommandHandler>>;
  actions?: Record<string, ActionHandler>;
}
