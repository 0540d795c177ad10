/**
 * The production command at scale: `npm start`'s node flags (its heap cap) on a SQLite database of 1,000
 * groups, 6,000 members, 10,000 goals and 100,000 agreements written straight into the tables, as an
 * import, a restore or an upgrade that adds a reminder kind leaves them (no reminder planned), with the
 * scheduler on as by default. The bot must keep answering while it plans them, send the reminders that
 * are due, stay under its heap cap, and log no error. (Before its background work was bounded, it ran
 * out of heap within a minute of starting on this database, with no traffic at all.)
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findFreePort, localModeEnvironment, productionNodeArgs, startServerProcess, type ServerProcess } from '../bench/harness';
import { seedScale } from '../bench/scale-seed';
import { openDatabase } from '../src/storage/database';
import { messageActivity, USERS } from './support/activities';
import { createTestDatabaseUrl, type TestDatabase } from './support/databases';
import { cardOf, cardText, startFakeConnector, type FakeConnector } from './support/fake-connector';

const ROOT = path.join(__dirname, '..');

interface StatsLine {
  rssMb: number;
  heapUsedMb: number;
  heapLimitMb: number;
  eventLoopDelayP99Ms: number;
  sent?: number;
  remindersDue?: number;
  agreementsUnplanned?: number;
}

describe('the production command on an imported database of 100,000 agreements', () => {
  let database: TestDatabase | undefined;
  let connector: FakeConnector | undefined;
  let bot: ServerProcess | undefined;
  afterAll(async () => {
    await bot?.stop();
    await connector?.close();
    await database?.drop();
  });

  it('answers while it plans them, sends the due reminders, and stays under its heap cap', async () => {
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-if-stale.mjs')], { cwd: ROOT, stdio: 'pipe' });
    database = await createTestDatabaseUrl('sqlite');
    // An empty roster: the roster reconciliation reads nothing and ends no membership.
    connector = await startFakeConnector([]);
    const seeded = await openDatabase(database.url);
    // Working time all day, every day (allDay), so that what is due goes out whenever the test runs.
    const { summary } = await seedScale(seeded.db, { scale: 1, serviceUrl: connector.url, allDay: true });
    expect(summary).toMatchObject({ groups: 1_000, members: 6_000, goals: 10_000, agreements: 100_000 });
    expect(await seeded.db.reminder.count()).toBe(0);
    await seeded.close();

    const port = await findFreePort();
    const lines: string[] = [];
    bot = await startServerProcess('bot', productionNodeArgs(ROOT), localModeEnvironment(port, { DATABASE_URL: database.url, LOG_LEVEL: 'info', STATS_INTERVAL_SECONDS: '2' }), port, ROOT);
    bot.child.stdout!.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter((line) => line.includes('"process.stats"'))));
    expect(bot.child.spawnargs).toEqual(expect.arrayContaining(['--max-old-space-size=112', '--max-semi-space-size=2', '--v8-pool-size=1']));

    // While the scheduler plans: `hjälp` is answered, each time.
    const asked = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const activity = messageActivity('hjälp', { serviceUrl: connector.url, scope: 'personal', from: USERS.sara, locale: 'en-US' });
      asked.add(activity.id);
      const response = await fetch(`${bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(activity) });
      expect(response.status).toBe(200);
      await expect.poll(() => connector!.activities.find((a) => a.replyToId === activity.id), { timeout: 15_000 }).toBeDefined();
      expect(cardText(cardOf(connector.activities.find((a) => a.replyToId === activity.id)))).toContain('How to use Resursgrupp');
      await new Promise((wake) => setTimeout(wake, 2_000));
    }
    const reminders = () => connector!.activities.filter((a) => !a.replyToId || !asked.has(a.replyToId));

    // Every agreement planned, and the reminders due now sent (personal chats opened through Teams).
    const stats = () => lines.map((line) => JSON.parse(line) as StatsLine);
    await expect.poll(() => stats().at(-1)?.agreementsUnplanned, { timeout: 120_000, interval: 1_000 }).toBe(0);
    await expect.poll(() => reminders().length, { timeout: 60_000 }).toBeGreaterThan(100).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${lines.slice(-3).join('\n')}\n${bot!.outputTail.join('\n')}`);
    });
    const proactive = reminders();
    for (const post of proactive.slice(0, 20)) expect(JSON.stringify(cardOf(post))).not.toMatch(/Ringa hyresvärden|Boka tid|Ansöka om/);
    expect(connector.openedChats.length).toBeGreaterThan(10);

    expect(bot.child.exitCode).toBeNull();
    const all = stats();
    expect(all.length).toBeGreaterThan(5);
    const peakHeap = Math.max(...all.map((s) => s.heapUsedMb));
    expect(peakHeap).toBeLessThan(all[0]!.heapLimitMb * 0.9);
    expect(bot.errorLines).toEqual([]);
    expect(bot.outputTail.join('\n')).not.toContain('heap out of memory');
  }, 400_000);
});
