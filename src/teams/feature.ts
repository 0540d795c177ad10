/**
 * The shape of a feature: the commands it answers, the card action verbs and typeahead datasets it
 * handles. app.ts mounts each feature; a test proves every verb and dataset in every card has exactly one
 * handler and every handler a card.
 */
import type { Activity, MessagingExtensionResult, TurnContext } from 'botbuilder';
import type { AdaptiveCardJson } from '../cards/render';
import type { Config } from '../config';
import type { CommandId } from '../domain/commands';
import type { Logger } from '../logger';
import type { Db } from '../storage/database';

export interface BotDeps {
  db: Db;
  /** uploadTimeoutMs: absent in tests that only list features; audit-log.ts then uses its default. */
  config: Pick<Config, 'defaultTimeZone' | 'localMode'> & Partial<Pick<Config, 'uploadTimeoutMs'>>;
  logger: Logger;
  now: () => Date;
  /**
   * Posts an activity into a conversation the bot was not just spoken to in (from its stored
   * conversation reference). Resolves undefined when it could not. Set by createBotApp.
   */
  postToConversation?: (conversationId: string, activity: Partial<Activity>) => Promise<PostedActivity | undefined>;
  /** Replaces a post the bot made earlier, for everyone. Set by createBotApp. */
  updateInConversation?: (post: PostedActivity, activity: Partial<Activity>) => Promise<UpdateOutcome>;
}

/**
 * `updated`; `gone` when Teams no longer takes the post (deleted, too old, refused: post anew);
 * `failed` when the update may have been applied or cannot be sent now (post nothing more).
 */
export type UpdateOutcome = 'updated' | 'gone' | 'failed';

/** A post the bot made: the conversation as it was sent to (a channel thread keeps ";messageid=…") and its id. */
export interface PostedActivity {
  conversationId: string;
  activityId: string;
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

/**
 * Teams' answer to a file consent card the bot sent (`fileConsent/invoke`): the person accepted (with
 * where to upload) or declined. `context` is the card's acceptContext or declineContext, as the bot
 * wrote it; it comes back from the client, so it is caller input.
 */
export interface FileConsentAnswer {
  action: 'accept' | 'decline';
  context: Record<string, unknown>;
  uploadInfo?: { name?: string; uploadUrl?: string; contentUrl?: string; uniqueId?: string; fileType?: string };
}

/** A compose-box search (a search message extension's query command): flattened as teams-ai gives it. */
export interface ComposeSearchQuery {
  parameters: Record<string, unknown>;
  skip: number;
  count: number;
}

/**
 * Answers a compose-box search with results shown to the caller alone (`result`), or a short text
 * (`message`). Access is checked from the activity like any handler.
 */
export type ComposeSearchHandler = (context: TurnContext, query: ComposeSearchQuery) => Promise<MessagingExtensionResult>;

/** Handles a file consent answer; app.ts answers the invoke 200 after it, and turns a domain error into a polite reply. */
export type FileConsentHandler = (context: TurnContext, answer: FileConsentAnswer) => Promise<void>;

export interface Feature {
  name: string;
  commands?: Partial<Record<CommandId, CommandHandler>>;
  actions?: Record<string, ActionHandler>;
  /** Typeahead datasets (the `dataset` of a card's Data.Query) and their handlers. */
  searches?: Record<string, SearchHandler>;
  /** Compose-box searches (message extension query commands), by the manifest's command id. */
  composeSearches?: Record<string, ComposeSearchHandler>;
  /** File consent answers, by the `kind` the bot put in the card's contexts. */
  fileConsents?: Record<string, FileConsentHandler>;
}
