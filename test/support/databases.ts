/**
 * Fresh databases for tests: a new SQLite file always; a new PostgreSQL database when a server is
 * reachable (PG_TEST_URL, default postgresql://postgres@127.0.0.1:5432/postgres). Each is dropped after.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Sql, SqlValue, SqlWork } from '../../src/storage/sql';

export interface TestDatabase {
  url: string;
  provider: 'sqlite' | 'postgresql';
  drop(): Promise<void>;
}

export const PG_ADMIN_URL = process.env.PG_TEST_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/**
 * Whether the PostgreSQL test server accepts TCP connections. Synchronous (a short child process), so
 * that test files can decide at collection time which providers to describe.
 */
export function postgresReachable(): boolean {
  const url = new URL(PG_ADMIN_URL);
  const probe = `const s=require('net').connect(${Number(url.port || 5432)}, ${JSON.stringify(url.hostname)});` +
    "s.on('connect',()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),2000);";
  return spawnSync(process.execPath, ['-e', probe], { stdio: 'ignore' }).status === 0;
}

/** The providers to run storage tests against: SQLite always; PostgreSQL when reachable, and always on CI. */
export function testProviders(): Array<'sqlite' | 'postgresql'> {
  if (process.env.CI) return ['sqlite', 'postgresql'];
  return postgresReachable() ? ['sqlite', 'postgresql'] : ['sqlite'];
}

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * A new, empty database and its URL.
 *
 * @example
 *   const database = await createTestDatabaseUrl('postgresql');
 */
export async function createTestDatabaseUrl(provider: 'sqlite' | 'postgresql'): Promise<TestDatabase> {
  if (provider === 'sqlite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'resursgrupp-test-'));
    return { url: `file:${path.join(dir, 'test.db')}`, provider, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `resursgrupp_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    provider,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

/**
 * Makes every INSERT into `table` fail inside the database (a trigger), to fail a step in the middle of
 * a transaction the way a real database error does. Returns what removes it again.
 *
 * @example
 *   const restore = await failInsertsInto(db, 'postgresql', 'Reminder'); … await restore();
 */
export async function failInsertsInto(
  db: { $executeRawUnsafe(sql: string): Promise<number> },
  provider: 'sqlite' | 'postgresql',
  table: string,
): Promise<() => Promise<void>> {
  if (provider === 'sqlite') {
    await db.$executeRawUnsafe(`CREATE TRIGGER "test_fail_insert" BEFORE INSERT ON "${table}" BEGIN SELECT RAISE(ABORT, 'test: insert refused'); END`);
    return async () => void (await db.$executeRawUnsafe('DROP TRIGGER "test_fail_insert"'));
  }
  await db.$executeRawUnsafe(`CREATE FUNCTION "test_fail_insert"() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'test: insert refused'; END $$ LANGUAGE plpgsql`);
  await db.$executeRawUnsafe(`CREATE TRIGGER "test_fail_insert" BEFORE INSERT ON "${table}" FOR EACH ROW EXECUTE FUNCTION "test_fail_insert"()`);
  return async () => {
    await db.$executeRawUnsafe(`DROP TRIGGER "test_fail_insert" ON "${table}"`);
    await db.$executeRawUnsafe('DROP FUNCTION "test_fail_insert"()');
  };
}

/**
 * Fails the next plain-SQL statement (src/storage/sql.ts) whose text matches `pattern`, once, as a
 * database that is down would; other statements run as usual.
 *
 * @example
 *   failNextStatement(t.bot.database.sql, /^INSERT INTO "AuditEvent"/);
 */
export function failNextStatement(sql: Sql, pattern: RegExp, error = new Error('database is down (secret detail)'), where: 'anywhere' | 'alone' = 'anywhere'): void {
  const original = { all: sql.all, run: sql.run, transaction: sql.transaction };
  const restore = () => Object.assign(sql, original);
  Object.assign(sql, {
    all: (text: string, params?: readonly SqlValue[]) => (pattern.test(text) ? (restore(), Promise.reject(error)) : original.all.call(sql, text, params)),
    run: (text: string, params?: readonly SqlValue[]) => (pattern.test(text) ? (restore(), Promise.reject(error)) : original.run.call(sql, text, params)),
    // A statement inside a transaction fails where it stands: the statements before it are rolled back.
    transaction: <T>(work: () => SqlWork<T>) =>
      original.transaction.call(sql, function* () {
        const steps = work();
        for (let next = steps.next(); ; ) {
          if (next.done) return next.value;
          if (where === 'anywhere' && pattern.test(next.value.text)) {
            restore();
            throw error;
          }
          next = steps.next(yield next.value);
        }
      }),
  });
}
