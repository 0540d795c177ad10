/**
 * The production start: `npm run build` compiles src/ to dist/, and `npm start` (after its prestart
 * check compiles when dist/ is stale) runs `node dist/src/index.js`: one node process, no tsx. The
 * compiled bot reads the card templates and migrations from the project, serves /healthz and answers a
 * message with its card, as the bot under tsx does.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort, localModeEnvironment, productionNodeArgs, startServerProcess, type ServerProcess } from '../bench/harness';
import { messageActivity, USERS } from './support/activities';
import { createTestDatabaseUrl, type TestDatabase } from './support/databases';
import { cardOf, cardText, startFakeConnector, type FakeConnector } from './support/fake-connector';

const ROOT = path.join(__dirname, '..');

describe('the production build', () => {
  let database: TestDatabase | undefined;
  let connector: FakeConnector | undefined;
  let bot: ServerProcess | undefined;
  afterAll(async () => {
    await bot?.stop();
    await connector?.close();
    await database?.drop();
  });

  it('npm start runs the compiled bot in one node process, which serves and answers `hjälp` with its card', async () => {
    const scripts = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    // One node process with its heap capped (README, "Running it in production").
    expect(scripts.start).toBe('node --max-old-space-size=112 --max-semi-space-size=2 --v8-pool-size=1 dist/src/index.js');
    expect(scripts.prestart).toBe('node scripts/build-if-stale.mjs');
    // What prestart does: compile when dist/ is missing or older than src/.
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-if-stale.mjs')], { cwd: ROOT, stdio: 'pipe' });

    database = await createTestDatabaseUrl('sqlite');
    connector = await startFakeConnector([USERS.sara]);
    const port = await findFreePort();
    bot = await startServerProcess('bot', productionNodeArgs(ROOT), localModeEnvironment(port, { DATABASE_URL: database.url, REMINDERS: 'off' }), port, ROOT);
    // One process: the bot itself, with no child (no tsx, no npx).
    expect(spawnSync('ps', ['--ppid', String(bot.child.pid), '-o', 'pid='], { encoding: 'utf8' }).stdout.trim()).toBe('');
    expect(readFileSync(`/proc/${bot.child.pid}/cmdline`, 'utf8').split('\0')).toEqual(expect.arrayContaining(['--max-old-space-size=112', '--max-semi-space-size=2', '--v8-pool-size=1', 'dist/src/index.js']));

    const response = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(messageActivity('hjälp', { serviceUrl: connector.url, scope: 'personal', locale: 'en-US' })),
    });
    expect(response.status).toBe(200);
    const [reply] = await connector.waitForActivities(1);
    expect(cardText(cardOf(reply))).toContain('How to use Resursgrupp');
    expect(bot.errorLines).toEqual([]);
  }, 240_000);
});
