/**
 * The one place that opens the database. SQLite (embedded, the default) and PostgreSQL (several
 * instances) share one code path: two generated clients with the same model API, picked by URL.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import type { DatabaseProvider } from '../config';
import { PrismaClient as SqliteClient } from '../generated/sqlite/client';
import { PrismaClient as PostgresClient } from '../generated/postgresql/client';
import { applyMigrations, sqliteFilePath, type MigrationResult } from './migrations';
import { attachSql, openSql, type Sql } from './sql';

/** The client type the storage layer codes against; both generated clients have this shape. */
export type Db = SqliteClient;

export interface Database {
  db: Db;
  /** Plain SQL for the hot paths (sql.ts), on the same database. */
  sql: Sql;
  provider: DatabaseProvider;
  migration: MigrationResult;
  /** Answers when both connections a turn uses (Prisma's and the plain-SQL one) answer a query; throws otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Which connection reported an error: Prisma's pool, or the plain-SQL one (sql.ts). */
export type ConnectionName = 'prisma' | 'sql';

export interface OpenOptions {
  /** A connection error the pools recover from by themselves (an idle connection the server closed): reported here. */
  onConnectionError?: (connection: ConnectionName, error: Error) => void;
}

/** Whether a Prisma error is a unique-constraint violation (P2002), on either database. */
export function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === 'P2002';
}

/** Provider implied by a database URL. */
export function providerOf(url: string): DatabaseProvider {
  return /^postgres(ql)?:\/\//i.test(url) ? 'postgresql' : 'sqlite';
}

/**
 * Opens the database at `url`, creating the SQLite file's folder when needed, and applies pending migrations.
 *
 * @example
 *   const { db, close } = await openDatabase('file:./data/resursgrupp.db');
 */
export async function openDatabase(url: string, options: OpenOptions = {}): Promise<Database> {
  const reportError = options.onConnectionError ?? (() => undefined);
  const provider = providerOf(url);
  if (provider === 'sqlite') {
    const file = sqliteFilePath(url);
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
  }
  const migration = await applyMigrations(provider, url);
  const db =
    provider === 'postgresql'
      ? (new PostgresClient({
          adapter: new PrismaPg({ connectionString: url }, { onPoolError: (error) => reportError('prisma', error), onConnectionError: (error) => reportError('prisma', error) }),
        }) as unknown as Db)
      : new SqliteClient({ adapter: new PrismaBetterSQLite3({ url: `file:${sqliteFilePath(url)}` }) });
  await db.$connect();
  if (provider === 'sqlite') {
    // WAL lets readers work while a writer commits; the busy timeout waits for a lock instead of failing.
    await db.$queryRawUnsafe('PRAGMA busy_timeout = 5000');
  }
  const sql = openSql(provider, provider === 'sqlite' ? sqliteFilePath(url) : url, (error) => reportError('sql', error));
  attachSql(db, sql);
  return {
    db,
    sql,
    provider,
    migration,
    ping: async () => {
      await db.$queryRawUnsafe('SELECT 1');
      await sql.all('SELECT 1 AS "ok"');
    },
    close: async () => {
      await sql.close();
      await db.$disconnect();
    },
  };
}
