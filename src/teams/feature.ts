/**
 * The shape of a feature: the commands it answers, the card action verbs and typeahead datasets it
 * handles. app.ts mounts each feature; a test proves every verb and dataset in every card has exactly one
 * handler and every handler a card.
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

/** A typeahead query from an Input.ChoiceSet's `choices.data` (Teams' `application/search` invoke). */
export interface SearchQuery {
  text: string;
  skip: number;
  count: number;
}

/**
 * Answers a typeahead search with choices (title shown, value submitted). Access is checked from the
 * activity like any handler; a refusal throws and the caller gets no choices.
 */
export type SearchHandler = (context: TurnContext, query: SearchQuery) => Promise<Array<{ title: string; value: string }>>;

export interface Feature {
  name: string;
  commands?: Partial<Record<CommandId, CommandHandler>>;
  actions?: Record<string, ActionHandler>;
  /** Typeahead datasets (the `dataset` of a card's Data.Query) and their handlers. */
  searches?: Record<string, SearchHandler>;
}
