/**
 * Screenshots of the main views as a person sees them in the Agents Playground, in one language, for
 * looking at by eye before a card is called done: the real bot on a fresh SQLite database with the
 * fictional demo group, the Playground, and headless Chromium. Each command is posted in the demo
 * channel; a neutral shell is opened with its show button, as a member's Teams client would refresh it.
 *
 *   npm run screenshots                       # Swedish (sv-SE), into test-results/screenshots/
 *   npm run screenshots -- --locale en-US     # English
 *   npm run screenshots -- --only plan,mine   # some views only
 *
 * Needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Locator } from 'playwright-core';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startBot } from '../src/main';
import { createTestDatabaseUrl } from '../test/support/databases';
import {
  clickCardAction,
  DEMO,
  launchBrowser,
  mentionBotAndPost,
  openChannel,
  openPlayground,
  REPO_ROOT,
  startPlayground,
  waitForBotCard,
} from '../test/e2e/playground';
import { loadDemoGroup, readPlaygroundConfig } from './demo';

interface View {
  name: string;
  /** The command in each language. */
  sv: string;
  en: string;
  /** Buttons to press after the answer arrives, in order (Swedish, English), e.g. the shell's show button. */
  press?: Array<[sv: string, en: string]>;
}

const SHOW: [string, string] = ['Visa', 'Show'];

const VIEWS: View[] = [
  { name: 'help', sv: 'hjälp', en: 'help' },
  { name: 'plan', sv: 'plan', en: 'plan', press: [SHOW] },
  { name: 'members', sv: 'medlemmar', en: 'members', press: [SHOW] },
  { name: 'mine', sv: 'mina', en: 'mine', press: [SHOW] },
  { name: 'follow-ups', sv: 'uppföljning', en: 'follow-up', press: [SHOW] },
  { name: 'agreement-form', sv: 'överenskommelse', en: 'agreement', press: [SHOW] },
  { name: 'summary', sv: 'överenskommelse sammanfattning', en: 'agreement summary', press: [SHOW] },
  { name: 'crisis-plan', sv: 'krisplan', en: 'crisis plan', press: [['Öppna krisplanen', 'Open the crisis plan']] },
  { name: 'log', sv: 'logg', en: 'log', press: [SHOW] },
  { name: 'my-groups', sv: 'mina grupper', en: 'my groups', press: [SHOW] },
];

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { locale: { type: 'string', default: 'sv-SE' }, only: { type: 'string' }, out: { type: 'string' } } });
  const locale = values.locale!;
  const english = locale.toLowerCase().startsWith('en');
  const outDir = path.resolve(values.out ?? path.join(REPO_ROOT, 'test-results', 'screenshots'));
  const only = values.only ? new Set(values.only.split(',')) : undefined;

  const database = await createTestDatabaseUrl('sqlite');
  const bot = await startBot(loadConfig({ PORT: '0', DATABASE_URL: database.url, REMINDERS: 'off', LOG_LEVEL: 'warn' }), createLogger('warn'));
  await loadDemoGroup(bot.database.db, readPlaygroundConfig(), { reset: true, now: new Date() });
  const playground = await startPlayground({ botEndpoint: `${bot.url}/api/messages`, activityLocale: locale });
  const session = await launchBrowser();
  const written: string[] = [];
  try {
    const { page } = session;
    await page.setViewportSize({ width: 1400, height: 1000 });
    await openPlayground(page, playground.url);
    await openChannel(page, DEMO.channelName);
    for (const view of VIEWS) {
      if (only && !only.has(view.name)) continue;
      const thread = await mentionBotAndPost(page, DEMO.botName, english ? view.en : view.sv);
      let card: Locator = await waitForBotCard(thread, /\S/);
      for (const [sv, en] of view.press ?? []) {
        const title = english ? en : sv;
        const button = card.getByRole('button', { name: title, exact: true });
        if ((await button.count()) === 0) break;
        await clickCardAction(card, title);
        card = await waitForBotCard(thread, /\S/);
      }
      await card.scrollIntoViewIfNeeded();
      const file = path.join(outDir, `${english ? 'en' : 'sv'}-${view.name}.png`);
      await card.screenshot({ path: file });
      written.push(file);
    }
  } finally {
    await session.close();
    await playground.stop();
    await bot.stop();
    await database.drop();
  }
  process.stdout.write(`${written.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
