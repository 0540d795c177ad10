/**
 * End to end: the real bot (real HTTP server, real SQLite database) behind the Microsoft 365 Agents
 * Playground, driven in headless Chromium like a person would use Teams.
 *
 * Needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH); skipped with a notice without it, except in
 * CI (CI set), where it fails. On failure it saves a screenshot under test-results/.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startBot, type RunningBot } from '../../src/main';
import { createTestDatabaseUrl, type TestDatabase } from '../support/databases';
import {
  chooseInCard,
  clickCardAction,
  DEMO,
  launchBrowser,
  mentionBotAndPost,
  openChannel,
  openPlayground,
  REPO_ROOT,
  screenshot,
  startPlayground,
  waitForBotCard,
  waitForBotCardText,
  type BrowserSession,
  type PlaygroundHandle,
} from './playground';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BROWSER_TEST_TIMEOUT = 120_000; // a cold Chromium and Playground start; not a speed assertion
const SKIP = !existsSync(CHROMIUM) && !process.env.CI;
if (SKIP) console.warn(`Skipping the Playground e2e test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);

describe.skipIf(SKIP)('the bot in the Agents Playground', () => {
  let database: TestDatabase;
  let bot: RunningBot;
  let playground: PlaygroundHandle;
  let session: BrowserSession;
  const botLog: string[] = [];

  function keepEvidence(name: string): void {
    onTestFailed(async () => {
      const file = path.join(REPO_ROOT, 'test-results', `e2e-${name}.png`);
      await screenshot(session.page, file).catch(() => undefined);
      console.error(`Screenshot: ${file}\n${playground?.diagnostics() ?? ''}\nBot log:\n${botLog.slice(-30).join('\n')}`);
    });
  }

  beforeAll(async () => {
    database = await createTestDatabaseUrl('sqlite');
    bot = await startBot(loadConfig({ PORT: '0', DATABASE_URL: database.url }), createLogger('info', (line) => botLog.push(line)));
    // The Playground always sends locale en-US; a small proxy in the harness presents Swedish users.
    playground = await startPlayground({ botEndpoint: `${bot.url}/api/messages`, activityLocale: 'sv-SE' });
    session = await launchBrowser();
  }, BROWSER_TEST_TIMEOUT);

  afterAll(async () => {
    await session?.close();
    await playground?.stop();
    await bot?.stop();
    await database?.drop();
  }, 30_000);

  it(
    'answers "@Resursgruppsbot hjälp" in the resource-group channel with the help card',
    async () => {
      keepEvidence('help');
      const { page } = session;
      await openPlayground(page, playground.url);
      await openChannel(page, DEMO.channelName);
      const thread = await mentionBotAndPost(page, DEMO.botName, 'hjälp');
      const text = await waitForBotCardText(thread, 'Så här använder du Resursgrupp', { timeout: 30_000 });
      expect(text).toContain('överenskommelse');
      expect(text).toContain('crisis plan');
      expect(text).toContain('Den här konversationen är ännu inte en resursgrupp');
      await screenshot(page, path.join(REPO_ROOT, 'test-results', 'e2e-help.png'));
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'sets up the channel as a resource group through the card form (Action.Execute)',
    async () => {
      keepEvidence('setup');
      const { page } = session;
      const thread = await mentionBotAndPost(page, DEMO.botName, 'starta');
      const form = await waitForBotCard(thread, 'Starta resursgrupp');
      await form.getByLabel('Individens alias eller initialer').fill('K.L.');
      await chooseInCard(form, 'Case management-modell', 'FACT (Flexible ACT)');
      await clickCardAction(form, 'Starta gruppen');
      const done = await waitForBotCardText(thread, 'Resursgruppen är startad');
      expect(done).toContain('K.L.');
      expect(done).toContain(DEMO.currentUser);
      const group = await bot.database.db.resourceGroup.findFirstOrThrow({ include: { members: true } });
      expect(group).toMatchObject({ individualAlias: 'K.L.', caseManagementModel: 'FACT', conversationType: 'channel' });
      expect(group.members.find((m) => m.isCaseManager)?.displayName).toBe(DEMO.currentUser);
    },
    BROWSER_TEST_TIMEOUT,
  );
});
