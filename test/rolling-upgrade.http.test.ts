/**
 * Several instances on PostgreSQL: while one migrates (adds columns), the others keep serving. Another
 * process adds a column to every table the bot reads whole rows of through plain SQL, while the bot
 * (which has prepared its statements already) serves; every kind of turn must still answer. Also: a
 * connection the server ends is logged and replaced, and /healthz checks both connections.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messageActivity, USERS } from './support/activities';
import { createTestGroup, startTestBot, talkTo, type TestBot } from './support/bot';
import { cardOf, cardText } from './support/fake-connector';
import { failNextStatement, testProviders } from './support/databases';

/** Runs SQL against the test database from another process (as another instance's migration would). */
function fromAnotherProcess(url: string, sql: string): void {
  const script = `const pg = require('pg'); const c = new pg.Client({ connectionString: process.env.URL }); c.connect().then(() => c.query(process.env.SQL)).then(() => c.end()).catch((e) => { console.error(e.message); process.exit(1); });`;
  execFileSync(process.execPath, ['-e', script], { env: { ...process.env, URL: url, SQL: sql }, stdio: 'pipe' });
}

/** The tables whose rows plain SQL reads whole (src/storage/rows.ts). */
const TABLES = ['ResourceGroup', 'Member', 'Goal', 'SubGoal', 'GoalUpdate', 'Agreement', 'AgreementEvent', 'ChannelPost'];

describe.runIf(testProviders().includes('postgresql'))('a rolling upgrade on postgresql', () => {
  let t: TestBot;
  const { execute, say, where } = talkTo(() => t);
  let agreement: { id: string; version: number };
  let annaId: string;

  beforeAll(async () => {
    t = await startTestBot('postgresql', [USERS.sara, USERS.anna]);
    const group = await createTestGroup(t, USERS.sara);
    const db = t.bot.database.db;
    annaId = (
      await db.member.create({
        data: { groupId: group.id, teamsUserId: USERS.anna.id, aadObjectId: USERS.anna.aadObjectId, displayName: USERS.anna.name, role: 'housing_support', principal: 'kommun', consentRecordedAt: new Date() },
      })
    ).id;
    await db.goal.create({ data: { groupId: group.id, lifeArea: 'housing', text: 'Eget boende', createdByMemberId: annaId } });
    const created = await execute('agreementCreate', { what: 'Ringa hyresvärden', responsible: annaId, dueDate: new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10) });
    expect(cardText(created.card)).toContain('Ringa hyresvärden');
    const row = await db.agreement.findFirstOrThrow({ where: { groupId: group.id } });
    agreement = { id: row.id, version: row.version };
  });
  afterAll(async () => t?.stop());

  /** One of each kind of turn that reads whole rows; returns what each showed. */
  async function everyKindOfTurn(): Promise<string[]> {
    t.connector.clear();
    const help = cardText(cardOf(await say('hjälp')));
    const plan = cardText((await execute('planShow', {})).card);
    const view = cardText((await execute('agreementShow', { agreementId: agreement.id })).card);
    const mine = cardText((await execute('mineShow', {}, USERS.anna, { scope: 'personal' })).card);
    const members = cardText((await execute('membersShow', {})).card);
    return [help, plan, view, mine, members];
  }

  it('keeps answering every kind of turn while another process adds a column to every table it reads', async () => {
    const before = await everyKindOfTurn();
    expect(before[1]).toContain('Eget boende');
    expect(before[2]).toContain('Ringa hyresvärden');
    expect(before[3]).toContain('Ringa hyresvärden');
    fromAnotherProcess(t.database.url, TABLES.map((table) => `ALTER TABLE "${table}" ADD COLUMN "addedByUpgrade" TEXT`).join('; '));
    const after = await everyKindOfTurn();
    expect(after).toEqual(before);
    const changed = await execute('agreementChange', { agreementId: agreement.id, version: agreement.version, change: 'done' }, USERS.anna);
    expect(cardText(changed.card)).toContain('Ringa hyresvärden');
    expect((await t.bot.database.db.agreement.findUniqueOrThrow({ where: { id: agreement.id } })).status).toBe('done');
    expect(t.logs.join('\n')).not.toContain('"turn.failed"');
  });

  it('logs a connection the server ended, serves on a new one, and /healthz checks both connections', async () => {
    expect((await t.post(messageActivity('hjälp', where()))).status).toBe(200);
    // An administrator (or a failover) ends every other connection to the database.
    fromAnotherProcess(t.database.url, 'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    await expect.poll(() => t.logs.filter((line) => line.includes('"database.connection_error"')).length, { timeout: 5_000 }).toBeGreaterThan(0);
    const logged = t.logs.filter((line) => line.includes('"database.connection_error"'));
    expect(logged.some((line) => line.includes('"connection":"sql"'))).toBe(true);
    expect(logged.join('\n')).toContain('"errorCode":"57P01"');
    expect((await t.post(messageActivity('hjälp', where()))).status).toBe(200);
    expect((await fetch(`${t.bot.url}/healthz`)).status).toBe(200);
    // The plain-SQL connection fails its check: unhealthy, logged by code, never with the message.
    failNextStatement(t.bot.database.sql, /^SELECT 1 AS "ok"$/, Object.assign(new Error('secret detail'), { code: 'ECONNREFUSED' }));
    const unhealthy = await fetch(`${t.bot.url}/healthz`);
    expect(unhealthy.status).toBe(503);
    expect(await unhealthy.json()).toEqual({ status: 'unavailable' });
    expect(t.logs.some((line) => line.includes('"health.failed"') && line.includes('ECONNREFUSED'))).toBe(true);
    expect(t.logs.join('\n')).not.toContain('secret detail');
    expect((await fetch(`${t.bot.url}/healthz`)).status).toBe(200);
  });
});
