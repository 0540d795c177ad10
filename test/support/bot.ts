/**
 * Starts the real bot (real HTTP server, real database) for a test, with a fake connector for replies.
 */
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startBot, type RunningBot } from '../../src/main';
import { startFakeConnector, type CapturedActivity, type FakeConnector, type RosterMember } from './fake-connector';
import { createResourceGroup } from '../../src/storage/groups';
import { actionExecuteActivity, CHANNEL_ID, messageActivity, TEAM_ID, USERS, type TestUser, type WhereOptions } from './activities';
import { createTestDatabaseUrl, type TestDatabase } from './databases';

export interface TestBot {
  bot: RunningBot;
  connector: FakeConnector;
  database: TestDatabase;
  /** Every structured log line the bot wrote. */
  logs: string[];
  /** POSTs an activity to /api/messages; resolves with the HTTP status and parsed body. */
  post(activity: unknown): Promise<{ status: number; body: unknown }>;
  stop(): Promise<void>;
}

/**
 * Starts bot + fake connector on free ports against a fresh database of the given provider.
 *
 * @example
 *   const t = await startTestBot('sqlite', [USERS.sara]);
 */
export async function startTestBot(provider: 'sqlite' | 'postgresql', roster: RosterMember[] = [], env: Record<string, string> = {}, now?: () => Date): Promise<TestBot> {
  const database = await createTestDatabaseUrl(provider);
  const connector = await startFakeConnector(roster);
  // The reminder scheduler is off unless a test turns it on (reminder tests drive it with their own clock).
  const config = loadConfig({ PORT: '0', DATABASE_URL: database.url, LOG_LEVEL: 'error', REMINDERS: 'off', ...env });
  const logs: string[] = [];
  const bot = await startBot(config, createLogger('debug', (line) => logs.push(line)), now);
  return {
    bot,
    connector,
    database,
    logs,
    async post(activity: unknown) {
      const response = await fetch(`${bot.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: typeof activity === 'string' ? activity : JSON.stringify(activity),
      });
      const text = await response.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        /* non-JSON body stays text */
      }
      return { status: response.status, body };
    },
    async stop() {
      await bot.stop();
      await connector.close();
      await database.drop();
    },
  };
}

/** What an Action.Execute invoke answered: the card that replaces the clicked one, or a message. */
export interface ActionAnswer {
  status: number;
  card?: Record<string, unknown>;
  message?: string;
}

/** Reads a teams-ai Action.Execute invoke response body. */
export function actionAnswer(response: { status: number; body: unknown }): ActionAnswer {
  const body = response.body as { type?: string; value?: unknown } | undefined;
  if (body?.type === 'application/vnd.microsoft.card.adaptive') return { status: response.status, card: body.value as Record<string, unknown> };
  if (body?.type === 'application/vnd.microsoft.activity.message') return { status: response.status, message: String(body.value) };
  return { status: response.status };
}

/**
 * A resource group bound to the test channel, with `caseManager` as its case manager (consent recorded).
 *
 * @example
 *   const group = await createTestGroup(t, USERS.sara);
 */
export async function createTestGroup(
  t: TestBot,
  caseManager: TestUser,
  options: { conversationId?: string; conversationType?: 'channel' | 'groupChat'; alias?: string } = {},
) {
  const person = { teamsUserId: caseManager.id, aadObjectId: caseManager.aadObjectId, name: caseManager.name };
  const conversationId = options.conversationId ?? CHANNEL_ID;
  return createResourceGroup(t.bot.database.db, {
    conversation: { conversationId, conversationType: options.conversationType ?? 'channel', teamId: TEAM_ID, channelId: conversationId },
    setup: { individualAlias: options.alias ?? 'K.L.', caseManagementModel: 'IP', caseManagerUserId: caseManager.id, locale: 'sv' },
    timeZone: 'Europe/Stockholm',
    actor: person,
    caseManager: person,
  });
}

/**
 * Talking to a test bot as a user: `say` posts a message (an @mention in a channel) and returns the
 * bot's reply; `execute` clicks an Action.Execute and returns what it answered. `getBot` is read at
 * call time, so the helpers can be made before `beforeAll` has started the bot.
 *
 * @example
 *   const { say, execute } = talkTo(() => t);
 *   await execute('planShow', {}, USERS.anna, { locale: 'en-US' });
 */
export function talkTo(getBot: () => TestBot) {
  const where = (from: TestUser = USERS.sara, extra: Partial<WhereOptions> = {}): WhereOptions => ({ serviceUrl: getBot().connector.url, from, ...extra });
  return {
    where,
    async execute(verb: string, data: Record<string, unknown>, from: TestUser = USERS.sara, extra: Partial<WhereOptions> = {}): Promise<ActionAnswer> {
      return actionAnswer(await getBot().post(actionExecuteActivity(verb, data, where(from, extra))));
    },
    async say(text: string, from: TestUser = USERS.sara, extra: Partial<WhereOptions> = {}): Promise<CapturedActivity> {
      const { connector } = getBot();
      const before = connector.activities.length;
      const response = await getBot().post(messageActivity(text, where(from, extra)));
      if (response.status !== 200) throw new Error(`POST ${text} answered ${response.status}`);
      return (await connector.waitForActivities(before + 1))[before]!;
    },
  };
}
