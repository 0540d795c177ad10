/**
 * Applies the Prisma migration history at start, for SQLite and PostgreSQL alike, without Prisma's
 * native schema engine (not available offline; `prisma migrate deploy` through @prisma/adapter-pg 6.19
 * fails on PostgreSQL's `name` type). Each migration runs in its own transaction and is recorded in
 * Prisma's own `_prisma_migrations` table format, so `prisma migrate status` reads the history anywhere.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseProvider } from '../config';
import { PROJECT_ROOT } from '../paths';

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export interface MigrationResult {
  applied: string[];
  alreadyApplied: string[];
}

export class MigrationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'MigrationError';
  }
}


/** The folder holding the migration history for a provider. */
export function migrationsDir(provider: DatabaseProvider): string {
  return provider === 'postgresql'
    ? path.join(PROJECT_ROOT, 'prisma', 'postgresql', 'migrations')
    : path.join(PROJECT_ROOT, 'prisma', 'migrations');
}

/** Reads the migrations of a folder in name order, with Prisma's checksum (sha256 of the file). */
export function readMigrations(dir: string): Migration[] {
  if (!existsSync(dir)) throw new MigrationError(`No migrations folder at ${dir}`);
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: unknown;
  rolled_back_at: unknown;
}

function checkHistory(migrations: Migration[], applied: AppliedRow[]): Set<string> {
  const done = new Set<string>();
  for (const row of applied) {
    if (row.rolled_back_at) continue;
    if (!row.finished_at) {
      throw new MigrationError(
        `Migration ${row.migration_name} started earlier but did not finish. Inspect the database, then mark it with "prisma migrate resolve".`,
      );
    }
    const known = migrations.find((m) => m.name === row.migration_name);
    if (known && known.checksum !== row.checksum) {
      throw new MigrationError(`Migration ${row.migration_name} was changed after it was applied (checksum differs).`);
    }
    done.add(row.migration_name);
  }
  return done;
}

const SQLITE_HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    TEXT PRIMARY KEY NOT NULL,
    "checksum"              TEXT NOT NULL,
    "finished_at"           DATETIME,
    "migration_name"        TEXT NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        DATETIME,
    "started_at"            DATETIME NOT NULL DEFAULT current_timestamp,
    "applied_steps_count"   INTEGER UNSIGNED NOT NULL DEFAULT 0
)`;

const POSTGRES_HISTORY_TABLE = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

/** Path of an SQLite `file:` URL, relative paths taken from the working directory. */
export function sqliteFilePath(url: string): string {
  const raw = url.replace(/^file:/, '').split('?')[0] ?? '';
  return raw === ':memory:' ? raw : path.resolve(raw);
}

function migrateSqlite(url: string, migrations: Migration[]): MigrationResult {
  const db = new Database(sqliteFilePath(url));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('busy_timeout = 5000');
    db.exec(SQLITE_HISTORY_TABLE);
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    // BEGIN IMMEDIATE takes the write lock first, so two processes starting together do not both migrate.
    const applyPending = db.transaction(() => {
      const rows = db.prepare('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"').all() as AppliedRow[];
      const done = checkHistory(migrations, rows);
      for (const migration of migrations) {
        if (done.has(migration.name)) {
          result.alreadyApplied.push(migration.name);
          continue;
        }
        const startedAt = new Date().toISOString();
        db.exec(migration.sql);
        db.prepare(
          'INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES (?, ?, ?, ?, ?, 1)',
        ).run(randomUUID(), migration.checksum, new Date().toISOString(), migration.name, startedAt);
        result.applied.push(migration.name);
      }
    });
    applyPending.immediate();
    return result;
  } catch (error) {
    throw error instanceof MigrationError ? error : new MigrationError('Applying the SQLite migrations failed', { cause: error });
  } finally {
    db.close();
  }
}

/** An arbitrary constant: the advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK_KEY = 7_301_944_2;

async function migratePostgres(url: string, migrations: Migration[]): Promise<MigrationResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(POSTGRES_HISTORY_TABLE);
    const { rows } = await client.query<AppliedRow>(
      'SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"',
    );
    const done = checkHistory(migrations, rows);
    const result: MigrationResult = { applied: [], alreadyApplied: [] };
    for (const migration of migrations) {
      if (done.has(migration.name)) {
        result.alreadyApplied.push(migration.name);
        continue;
      }
      await client.query('BEGIN');
      try {
        const startedAt = new Date();
        await client.query(migration.sql);
        await client.query(
          'INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, started_at, applied_steps_count) VALUES ($1, $2, now(), $3, $4, 1)',
          [randomUUID(), migration.checksum, migration.name, startedAt],
        );
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new MigrationError(`Migration ${migration.name} failed and was rolled back`, { cause: error });
      }
      result.applied.push(migration.name);
    }
    return result;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
}

/**
 * Applies every pending migration of the provider's history.
 *
 * @example
 *   await applyMigrations('sqlite', 'file:./data/resursgrupp.db');
 */
export async function applyMigrations(provider: DatabaseProvider, url: string, dir = migrationsDir(provider)): Promise<MigrationResult> {
  const migrations = readMigrations(dir);
  return provider === 'postgresql' ? migratePostgres(url, migrations) : migrateSqlite(url, migrations);
}
