/**
 * The Teams layer's composition: the teams-ai Application, its adapter, and the routing of messages,
 * card actions and installs to the features. The only layer that imports botbuilder or teams-ai.
 */
// First: botbuilder-dialogs' recognizers load on first use, not with teams-ai (lazy-recognizers.ts).
import './lazy-recognizers';
// teams-ai's modules one by one, not its index: the index also loads the AI half (gpt-tokenizer's
// tables, OpenAI clients), 11 MB of heap this bot never uses (heapUsed after loading, 70 → 59 MB).
import type { AdaptiveCard } from '@microsoft/teams-ai/lib/AdaptiveCards';
import { Application } from '@microsoft/teams-ai/lib/Application';
import { TeamsAdapter } from '@microsoft/teams-ai/lib/TeamsAdapter';
import { TurnState } from '@microsoft/teams-ai/lib/TurnState';
import { ActivityTypes, ConfigurationServiceClientCredentialFactory, type Activity, type ConversationParameters, type ConversationReference, type TurnContext } from 'botbuilder';
import { errorCard, notAvailableCard, unknownCommandCard } from '../cards/notice';
import type { AdaptiveCardJson } from '../cards/render';
import type { BotCredentials, Config } from '../config';
import { COMMAND_DEFINITIONS, parseCommand } from '../domain/commands';
import { isDomainError } from '../domain/errors';
import { isMessageKey, translate } from '../locales';
import type { Logger } from '../logger';
import { findConversationReference } from '../storage/conversations';
import { guardAuthentication } from './auth';
import { conversationKey, localeOf } from './context';
import type { ActionHandler, BotDeps, CommandHandler, Feature, FileConsentAnswer, FileConsentHandler, PostedActivity, UpdateOutcome } from './feature';
import { groupsFeature } from './groups';
import { agreementsFeature } from './agreements';
import { caseloadFeature } from './caseload';
import { auditLogFeature } from './audit-log';
import { crisisPlanFeature } from './crisis-plan';
import { boardFeature } from './board';
import { followUpsFeature } from './follow-ups';
import { helpFeature } from './help';
import { endMembershipsOfDepartedMembers, membersFeature } from './members';
import { planFeature } from './plan';
import { isAccessRefusal, isSharedConversation, neutralRefusalFor, refusalsFeature, replyWithRecentRefusals } from './refusals';
import { botWasAdded, greetInstalledConversation, rememberConversation } from './install';
import { isSendFailure, sendPathMiddleware, type SendFailureKind } from './outbound';
import { reconcileMemberships, type ReconcileOptions, type ReconcileResult } from './reconcile';
import { answerSearch } from './search';
import { createReminderSender, type DeliveryOutcome } from './reminder-sender';
import { crisisPlanSearchFeature } from './crisis-plan-search';
import type { ReminderGroup, ReminderSender } from '../reminders/scheduler';
import { replyWithCard } from './send';
import { answerInvokeWithMessage, claimTurn, passesTenantFence, settleFailedTurn, turnRecord, type TurnOutcome } from './turn';

/** The settings the Teams layer needs from the configuration. */
export type BotSettings = Pick<Config, 'credentials' | 'tenants' | 'serviceHosts' | 'authTimeoutMs' | 'openIdMetadataUrl'>;

export interface BotApp {
  app: Application<TurnState>;
  adapter: TeamsAdapter;
  features: Feature[];
  /** Runs one incoming activity's turn and says how the HTTP request should be answered. */
  runTurn(context: TurnContext): Promise<TurnOutcome>;
  /** Ends memberships of people no longer in their conversation's roster (the groups due, within a time budget). */
  reconcileMemberships(options: ReconcileOptions): Promise<ReconcileResult>;
  /** Posts reminders for the scheduler (reminder-sender.ts). */
  reminderSender: ReminderSender;
  /** Posts into a conversation from its stored reference; undefined when it could not (see outbound.ts). */
  postToConversation(conversationId: string, activity: Partial<Activity>): Promise<PostedActivity | undefined>;
}

/** All features, in the order the help card lists their commands. */
export function createFeatures(deps: BotDeps): Feature[] {
  return [helpFeature(deps), groupsFeature(deps), membersFeature(deps), planFeature(deps), agreementsFeature(deps), caseloadFeature(deps), followUpsFeature(deps), crisisPlanFeature(deps), boardFeature(deps), auditLogFeature(deps), crisisPlanSearchFeature(deps), refusalsFeature(deps)];
}

/** The audience of a token for the Bot Connector (public cloud). */
const BOT_FRAMEWORK_AUDIENCE = 'https://api.botframework.com';

/**
 * Bot Framework's public-cloud endpoints (botframework-connector's AuthenticationConstants). botbuilder
 * uses its built-in set only when none is configured, so a custom OpenID metadata URL needs them all.
 */
const PUBLIC_CLOUD_AUTH = {
  ValidateAuthority: true,
  ToChannelFromBotLoginUrl: 'https://login.microsoftonline.com/botframework.com',
  ToChannelFromBotOAuthScope: 'https://api.botframework.com',
  ToBotFromChannelTokenIssuer: 'https://api.botframework.com',
  OAuthUrl: 'https://api.botframework.com',
  ToBotFromEmulatorOpenIdMetadataUrl: 'https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration',
  CallerId: 'urn:botframework:azure',
};

/** An adapter with Bot Framework authentication, or none at all in local mode. */
export function createAdapter(credentials: BotCredentials | undefined, openIdMetadataUrl?: string): TeamsAdapter {
  const settings = credentials
    ? {
        MicrosoftAppId: credentials.appId,
        MicrosoftAppPassword: credentials.appPassword,
        MicrosoftAppType: credentials.appType,
        MicrosoftAppTenantId: credentials.tenantId,
        ...(openIdMetadataUrl ? { ...PUBLIC_CLOUD_AUTH, ToBotFromChannelOpenIdMetadataUrl: openIdMetadataUrl } : {}),
      }
    : {};
  return new TeamsAdapter(settings, new ConfigurationServiceClientCredentialFactory(settings));
}

/**
 * Builds the bot: mounts every feature's commands and card actions on a teams-ai Application, behind
 * the tenant fence, the turn claim and the send path.
 *
 * @example
 *   const { runTurn } = createBotApp(deps, config);
 */
export function createBotApp(deps: BotDeps, settings: BotSettings): BotApp {
  const { db, logger } = deps;
  const { credentials } = settings;
  const adapter = createAdapter(credentials, settings.openIdMetadataUrl);
  guardAuthentication(adapter as unknown as Parameters<typeof guardAuthentication>[0], settings.authTimeoutMs, logger);
  adapter.use(sendPathMiddleware({ db, logger, hosts: settings.serviceHosts }));
  const app = new Application<TurnState>({
    adapter,
    botAppId: credentials?.appId ?? '',
    removeRecipientMention: true,
    startTypingTimer: false,
    longRunningMessages: false,
  });
  const appId = credentials?.appId ?? '';
  /**
   * Runs `work` in a proactive turn in a conversation (a channel thread keeps its ";messageid=…") from
   * the stored reference of its group conversation. Says 'skipped' when there is no reference or the
   * conversation is unreachable, or the send failure's kind; logs why.
   */
  const inConversation = async (conversationId: string, work: (context: TurnContext) => Promise<void>, memo?: Map<string, unknown>): Promise<'done' | 'skipped' | SendFailureKind> => {
    const key = `reference:${conversationKey(conversationId)}`;
    const stored = memo?.has(key) ? (memo.get(key) as Awaited<ReturnType<typeof findConversationReference>>) : await findConversationReference(db, conversationKey(conversationId));
    memo?.set(key, stored);
    if (!stored || stored.unreachableAt) {
      logger.warn('proactive.skipped', { reason: stored ? 'unreachable' : 'no_reference' });
      return 'skipped';
    }
    const reference = stored.reference as Partial<ConversationReference>;
    // The send path refuses a host that is not allowed (SendFailure host_not_allowed), as for every call.
    // Errors inside the logic go to onTurnError and continueConversationAsync resolves anyway: catch here.
    let outcome: 'done' | SendFailureKind = 'ambiguous';
    await adapter.continueConversationAsync(appId, { ...reference, conversation: { ...reference.conversation!, id: conversationId } }, async (context) => {
      try {
        await work(context);
        outcome = 'done';
      } catch (error) {
        outcome = isSendFailure(error) ? error.kind : 'ambiguous';
        logger.warn('proactive.failed', { sendFailure: isSendFailure(error) ? error.kind : 'error' });
      }
    });
    return outcome;
  };
  const postToConversation = async (conversationId: string, activity: Partial<Activity>): Promise<PostedActivity | undefined> => {
    let posted: PostedActivity | undefined;
    await inConversation(conversationId, async (context) => {
      const response = await context.sendActivity(activity);
      posted = { conversationId, activityId: response?.id ?? '' };
    });
    return posted;
  };
  const updateInConversation = async (post: PostedActivity, activity: Partial<Activity>): Promise<UpdateOutcome> => {
    const outcome = await inConversation(post.conversationId, async (context) => {
      await context.updateActivity({ ...activity, id: post.activityId });
    });
    if (outcome === 'done') return 'updated';
    // Teams no longer takes the post (deleted, too old to edit, refused): a new post replaces it. After
    // a failure that may have been applied, or a conversation not reachable now, nothing more is sent.
    return outcome === 'not_found' || outcome === 'unreachable' || outcome === 'rejected' ? 'gone' : 'failed';
  };
  /** Opens a 1:1 chat with a member through Teams (the group's service URL and tenant) and posts into it. */
  const openPersonalChat = async (group: ReminderGroup, member: { teamsUserId: string }, activity: Partial<Activity>): Promise<DeliveryOutcome | 'refused'> => {
    const stored = await findConversationReference(db, group.conversationId);
    if (!stored || stored.unreachableAt) return 'skipped';
    const bot = (stored.reference as Partial<ConversationReference>).bot;
    const tenantId = group.tenantId ?? stored.tenantId;
    let outcome: DeliveryOutcome = 'ambiguous';
    try {
      const parameters = { isGroup: false, bot, members: [{ id: member.teamsUserId }], tenantId, channelData: { tenant: { id: tenantId } } } as unknown as ConversationParameters;
      await adapter.createConversationAsync(appId, 'msteams', stored.serviceUrl, BOT_FRAMEWORK_AUDIENCE, parameters, async (context) => {
        try {
          // Remember the chat, so the next reminder goes straight there.
          await rememberConversation(db, { ...context.activity, conversation: { ...context.activity.conversation, conversationType: 'personal' }, from: { id: member.teamsUserId, name: '' } } as Activity, settings.serviceHosts, undefined, deps.now());
          await context.sendActivity(activity);
          outcome = 'done';
        } catch (error) {
          outcome = isSendFailure(error) ? error.kind : 'ambiguous';
        }
      });
    } catch (error) {
      // Teams will not open the chat: the member has not installed the app (403) or is unknown (404).
      const status = (error as { statusCode?: number }).statusCode;
      logger.warn('personal_chat.not_opened', { status: status ?? 'error' });
      if (status === 403 || status === 404) return 'refused';
      return status === 429 ? 'throttled' : 'ambiguous';
    }
    return outcome;
  };
  const reminderSender = createReminderSender({
    db,
    logger,
    now: deps.now,
    deliver: (conversationId, activity, memo) => inConversation(conversationId, async (context) => void (await context.sendActivity(activity)), memo),
    openPersonalChat,
  });
  const features = createFeatures({ ...deps, postToConversation, updateInConversation });

  const commands = new Map<string, CommandHandler>();
  for (const feature of features) {
    for (const [id, handler] of Object.entries(feature.commands ?? {})) {
      if (commands.has(id)) throw new Error(`Command ${id} is handled twice (feature ${feature.name})`);
      commands.set(id, handler);
    }
  }

  app.turn('beforeTurn', async (context) => {
    if (!(await passesTenantFence(db, context, settings.tenants, logger))) return false;
    await rememberConversation(db, context.activity, settings.serviceHosts, turnRecord(context).storedReference, deps.now());
    return claimTurn(db, context, deps.now(), logger);
  });

  app.activity(ActivityTypes.Message, async (context) => {
    await answerDomainErrors(context, logger, async () => {
      const parsed = parseCommand(context.activity.text);
      if (parsed.kind !== 'command') {
        logger.info('command.unknown', { kind: parsed.kind });
        await replyWithCard(context, unknownCommandCard(localeOf(context)));
        return replyWithRecentRefusals(deps, context);
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

  for (const feature of features) {
    for (const [commandId, handler] of Object.entries(feature.composeSearches ?? {})) {
      app.messageExtensions.query(commandId, async (context, _state, query) => {
        try {
          return await handler(context, query);
        } catch (error) {
          if (!isDomainError(error)) throw error;
          logger.info('compose_search.refused', { commandId, code: error.code });
          return { type: 'message', text: translate(localeOf(context), `error.${error.code}`) };
        }
      });
    }
  }

  app.conversationUpdate('membersAdded', async (context) => {
    if (botWasAdded(context.activity)) await greetInstalledConversation(context, db, logger);
  });

  app.conversationUpdate('membersRemoved', async (context) => endMembershipsOfDepartedMembers(deps, context));

  // Teams' answer to a file consent card (personal chat): dispatched by the kind the bot wrote into the
  // card's context; teams-ai answers the invoke 200 after the handler.
  const fileConsents = new Map<string, FileConsentHandler>();
  for (const feature of features) {
    for (const [kind, handler] of Object.entries(feature.fileConsents ?? {})) {
      if (fileConsents.has(kind)) throw new Error(`File consent ${kind} is handled twice (feature ${feature.name})`);
      fileConsents.set(kind, handler);
    }
  }
  const onFileConsent = (context: TurnContext, _state: TurnState, answer: unknown) => answerFileConsent(context, logger, fileConsents, answer as FileConsentAnswer);
  app.fileConsentAccept(onFileConsent);
  app.fileConsentDecline(onFileConsent);

  // Last: any invoke no route above took (an unknown verb, an invoke this bot has no use for).
  app.activity(ActivityTypes.Invoke, async (context) => {
    logger.info('invoke.unknown');
    await answerInvokeWithMessage(context, translate(localeOf(context), 'error.unknown_action'));
  });

  adapter.onTurnError = async (_context, error) => {
    // Only errors outside runTurn's own handling reach here (middleware); the HTTP layer then answers
    // 500 because runTurn never reported an outcome, and Teams delivers the activity again.
    logger.error('turn.error', { errorName: (error as Error)?.name ?? typeof error });
  };

  const runTurn = async (context: TurnContext): Promise<TurnOutcome> => {
    try {
      await app.run(context);
      return turnRecord(context).outcome;
    } catch (error) {
      return settleFailedTurn(db, context, error, logger);
    }
  };

  return {
    app,
    adapter,
    features,
    runTurn,
    postToConversation,
    reminderSender,
    reconcileMemberships: (options) => reconcileMemberships({ db, logger, now: deps.now, adapter, appId }, options),
  };
}

/**
 * Runs a message handler; a domain error becomes its polite card. An access refusal where others read
 * the reply is neutral (see refusals.ts). Anything else fails the turn.
 */
async function answerDomainErrors(context: TurnContext, logger: Logger, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!isDomainError(error)) throw error;
    logger.info('command.refused', { code: error.code });
    const locale = localeOf(context);
    const code = error.code;
    await replyWithCard(context, isAccessRefusal(code) && isSharedConversation(context) ? neutralRefusalFor(locale, code) : errorCard(locale, code));
  }
}

/**
 * Runs a file consent handler; a domain error becomes its polite card (the answer comes in personal
 * chat, so a refusal keeps its reason), an unknown kind the unknown-action message.
 */
async function answerFileConsent(context: TurnContext, logger: Logger, handlers: ReadonlyMap<string, FileConsentHandler>, answer: FileConsentAnswer | undefined): Promise<void> {
  const named = answer?.context && typeof answer.context === 'object' ? answer.context.kind : undefined;
  const kind = typeof named === 'string' && handlers.has(named) ? named : undefined;
  const handler = kind ? handlers.get(kind) : undefined;
  const locale = localeOf(context);
  if (!handler) {
    logger.info('file_consent.unknown');
    await replyWithCard(context, errorCard(locale, 'unknown_action'));
    return;
  }
  try {
    await handler(context, answer!);
    logger.info('file_consent.handled', { kind, action: answer!.action === 'accept' ? 'accept' : 'decline' });
  } catch (error) {
    if (!isDomainError(error)) throw error;
    logger.info('file_consent.refused', { kind, code: error.code });
    await replyWithCard(context, errorCard(locale, error.code));
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
    if (!isDomainError(error)) throw error;
    logger.info('action.refused', { verb, code: error.code });
    return translate(locale, error.messageKey && isMessageKey(error.messageKey) ? error.messageKey : `error.${error.code}`);
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
