/**
 * The Teams layer's composition: the teams-ai Application, its adapter, and the routing of messages,
 * card actions and installs to the features. The only layer that imports botbuilder or teams-ai.
 */
import { Application, TeamsAdapter, TurnState, type AdaptiveCard } from '@microsoft/teams-ai';
import { ActivityTypes, ConfigurationServiceClientCredentialFactory, type Activity, type ConversationReference, type TurnContext } from 'botbuilder';
import { errorCard, notAvailableCard, unknownCommandCard } from '../cards/notice';
import type { AdaptiveCardJson } from '../cards/render';
import type { BotCredentials } from '../config';
import { COMMAND_DEFINITIONS, parseCommand } from '../domain/commands';
import { isDomainError } from '../domain/errors';
import { translate } from '../locales';
import type { Logger } from '../logger';
import { claimActivity } from '../storage/activities';
import { findConversationReference } from '../storage/conversations';
import { conversationKey, localeOf } from './context';
import type { ActionHandler, BotDeps, CommandHandler, Feature } from './feature';
import { groupsFeature } from './groups';
import { agreementsFeature } from './agreements';
import { helpFeature } from './help';
import { endMembershipsOfDepartedMembers, membersFeature } from './members';
import { planFeature } from './plan';
import { botWasAdded, greetInstalledConversation, rememberConversation } from './install';
import { answerSearch } from './search';
import { replyWithCard } from './send';

/** Activities handled at most once per conversation and id (Teams redelivers after a slow answer). */
const CLAIMED_ACTIVITY_TYPES = new Set<string>([ActivityTypes.Message, ActivityTypes.ConversationUpdate, ActivityTypes.Invoke]);

export interface BotApp {
  app: Application<TurnState>;
  adapter: TeamsAdapter;
  features: Feature[];
}

/** All features, in the order the help card lists their commands. */
export function createFeatures(deps: BotDeps): Feature[] {
  return [helpFeature(deps), groupsFeature(deps), membersFeature(deps), planFeature(deps), agreementsFeature(deps)];
}

/** An adapter with Bot Framework authentication, or none at all in local mode. */
export function createAdapter(credentials: BotCredentials | undefined): TeamsAdapter {
  const settings = credentials
    ? {
        MicrosoftAppId: credentials.appId,
        MicrosoftAppPassword: credentials.appPassword,
        MicrosoftAppType: credentials.appType,
        MicrosoftAppTenantId: credentials.tenantId,
      }
    : {};
  return new TeamsAdapter(settings, new ConfigurationServiceClientCredentialFactory(settings));
}

function errorFields(error: unknown): Record<string, string | number | undefined> {
  const e = error as { name?: string; code?: string | number };
  return { errorName: e?.name ?? typeof error, errorCode: e?.code !== undefined ? String(e.code) : undefined };
}

/**
 * Builds the bot: mounts every feature's commands and card actions on a teams-ai Application.
 *
 * @example
 *   const { app, adapter } = createBotApp(deps, config.credentials);
 */
export function createBotApp(deps: BotDeps, credentials: BotCredentials | undefined): BotApp {
  const { db, logger } = deps;
  const adapter = createAdapter(credentials);
  const app = new Application<TurnState>({
    adapter,
    botAppId: credentials?.appId ?? '',
    removeRecipientMention: true,
    startTypingTimer: false,
    longRunningMessages: false,
  });
  const postToConversation = async (conversationId: string, activity: Partial<Activity>): Promise<boolean> => {
    const stored = await findConversationReference(db, conversationId);
    if (!stored) return false;
    // The reference was saved from an authenticated activity, so its serviceUrl is one Teams gave us.
    await adapter.continueConversationAsync(credentials?.appId ?? '', stored.reference as Partial<ConversationReference>, async (context) => {
      await context.sendActivity(activity);
    });
    return true;
  };
  const features = createFeatures({ ...deps, postToConversation });

  const commands = new Map<string, CommandHandler>();
  for (const feature of features) {
    for (const [id, handler] of Object.entries(feature.commands ?? {})) {
      if (commands.has(id)) throw new Error(`Command ${id} is handled twice (feature ${feature.name})`);
      commands.set(id, handler);
    }
  }

  app.turn('beforeTurn', async (context) => {
    const activity = context.activity;
    await rememberConversation(db, activity);
    // Teams redelivers an activity the bot answered slowly: handle each message, update or card action once.
    if (CLAIMED_ACTIVITY_TYPES.has(activity.type) && activity.id) {
      const first = await claimActivity(db, conversationKey(activity.conversation?.id ?? ''), activity.id, deps.now());
      if (!first) {
        logger.info('activity.duplicate', { activityType: activity.type });
        if (activity.type === ActivityTypes.Invoke) await answerInvokeWithMessage(context, translate(localeOf(context), 'activity.duplicate'));
        return false;
      }
    }
    return true;
  });

  app.activity(ActivityTypes.Message, async (context) => {
    await guarded(context, logger, async () => {
      const parsed = parseCommand(context.activity.text);
      if (parsed.kind !== 'command') {
        logger.info('command.unknown', { kind: parsed.kind });
        return replyWithCard(context, unknownCommandCard(localeOf(context)));
      }
      logger.info('command.received', { command: parsed.id, conversationType: context.activity.conversation?.conversationType });
      const handler = commands.get(parsed.id);
      if (handler) return handler(context, parsed.args);
      const definition = COMMAND_DEFINITIONS.find((command) => command.id === parsed.id)!;
      return replyWithCard(context, notAvailableCard(localeOf(context), definition));
    });
  });

  for (const feature of features) {
    for (const [verb, handler] of Object.entries(feature.actions ?? {})) {
      app.adaptiveCards.actionExecute(verb, (context, _state, data) => runAction(context, logger, verb, handler, data));
    }
  }

  for (const feature of features) {
    for (const [dataset, handler] of Object.entries(feature.searches ?? {})) {
      app.adaptiveCards.search(dataset, (context, _state, query) => answerSearch(context, logger, dataset, handler, query));
    }
  }

  app.conversationUpdate('membersAdded', async (context) => {
    if (botWasAdded(context.activity)) await greetInstalledConversation(context, logger);
  });

  app.conversationUpdate('membersRemoved', async (context) => endMembershipsOfDepartedMembers(deps, context));

  adapter.onTurnError = async (context, error) => {
    logger.error('turn.failed', { activityType: context.activity.type, ...errorFields(error) });
    await sendApology(context).catch(() => undefined);
  };

  return { app, adapter, features };
}

/** Runs a message handler; a domain error becomes its polite card, anything else an apology. */
async function guarded(context: TurnContext, logger: Logger, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (isDomainError(error)) {
      logger.info('command.refused', { code: error.code });
      await replyWithCard(context, errorCard(localeOf(context), error.code));
      return;
    }
    logger.error('command.failed', errorFields(error));
    await sendApology(context);
  }
}

async function runAction(
  context: TurnContext,
  logger: Logger,
  verb: string,
  handler: ActionHandler,
  data: Record<string, unknown> | undefined,
): Promise<AdaptiveCard | string> {
  const locale = localeOf(context);
  try {
    const result = await handler(context, data && typeof data === 'object' ? data : {});
    logger.info('action.handled', { verb });
    if (typeof result === 'string') return result;
    await answerWithCardForInteractor(context, result);
    return result as unknown as AdaptiveCard;
  } catch (error) {
    if (isDomainError(error)) {
      logger.info('action.refused', { verb, code: error.code });
      return translate(locale, `error.${error.code}`);
    }
    logger.error('action.failed', { verb, ...errorFields(error) });
    return translate(locale, 'error.internal');
  }
}

/**
 * Answers an Action.Execute with a card for the person who clicked only. teams-ai would, for a card
 * with `refresh`, replace the posted message for everyone with this user-specific view; answering the
 * invoke here first keeps member-only content out of the shared message.
 */
async function answerWithCardForInteractor(context: TurnContext, card: AdaptiveCardJson): Promise<void> {
  await context.sendActivity({
    type: 'invokeResponse',
    value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.card.adaptive', value: card } },
  });
}

/** Answers an invoke with a short message (Teams shows it next to the card). */
async function answerInvokeWithMessage(context: TurnContext, text: string): Promise<void> {
  await context.sendActivity({
    type: 'invokeResponse',
    value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text } },
  });
}

async function sendApology(context: TurnContext): Promise<void> {
  if (context.activity.type === ActivityTypes.Invoke) {
    await answerInvokeWithMessage(context, translate(localeOf(context), 'error.internal'));
    return;
  }
  await replyWithCard(context, errorCard(localeOf(context), 'internal'));
}
