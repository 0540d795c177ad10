/**
 * Plain SQL for the few statements on the hot paths (the reminder outbox, turn claims, audit rows),
 * where the Prisma client's per-call work (query compilation, result mapping) costs 0.2–1.5 ms a
 * statement against a few microseconds for the statement itself (`npm run bench:reminders`), and for
 * the transaction of an agreement change (Sql.transaction). Everything else stays on Prisma.
 *
 * One dialect-neutral surface over both databases: `?` placeholders, values as the Prisma adapters
 * store them (SQLite: DateTime as ISO 8601 text with "+00:00", booleans as 0/1; PostgreSQL:
 * timestamp(3) in UTC), so rows written here and rows written by Prisma are the same. Each statement
 * stands alone (autocommit); statements are prepared once and reused.
 *
 * SQLite: a second connection to the same file. It never waits for a lock synchronously (that would
 * stall the event loop while a Prisma transaction on the other connection holds the write lock and
 * waits for its next turn): a busy database is retried asynchronously, up to BUSY_WAIT_MS.
 */
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { DatabaseProvider } from '../config';

export type SqlValue = string | number | boolean | Date | null;

export interface Sql {
  readonly provider: DatabaseProvider;
  /** The rows a query returns. */
  all<T = Record<string, unknown>>(text: string, params?: readonly SqlValue[]): Promise<T[]>;
  /** How many rows a statement changed. */
  run(text: string, params?: readonly SqlValue[]): Promise<number>;
  /**
   * Runs the statements `work` yields as one transaction: all of them or none. `work` is a generator
   * (its statements through `yield* all(…)` and `yield* run(…)`), so that on SQLite the whole
   * transaction runs synchronously, in one turn of the event loop: nothing else runs on the connection
   * between its statements, and it never holds the write lock while other work waits. A busy database
   * is retried (the generator is started anew); an error thrown by `work` rolls everything back.
   */
  transaction<T>(work: () => SqlWork<T>): Promise<T>;
  close(): Promise<void>;
}

/** A statement of a transaction (see Sql.transaction). */
export interface SqlStep {
  kind: 'all' | 'run';
  text: string;
  params: readonly SqlValue[];
}

/** A transaction's work: yields its statements and gets each result back (rows, or rows changed). */
export type SqlWork<T> = Generator<SqlStep, T, unknown>;

/** Inside Sql.transaction: the rows a query returns. */
export function* all<T = Record<string, unknown>>(text: string, params: readonly SqlValue[] = []): Generator<SqlStep, T[], unknown> {
  return (yield { kind: 'all', text, params }) as T[];
}

/** Inside Sql.transaction: how many rows a statement changed. */
export function* run(text: string, params: readonly SqlValue[] = []): Generator<SqlStep, number, unknown> {
  return (yield { kind: 'run', text, params }) as number;
}

const attached = new WeakMap<object, Sql>();

/** Binds a Prisma client to the plain-SQL connection of the same database (openDatabase does this). */
export function attachSql(client: object, sql: Sql): void {
  attached.set(client, sql);
}

/**
 * The plain-SQL connection of a Prisma client's database. Never of a transaction client: the hot
 * statements stand alone, and a statement that belongs to a transaction stays on Prisma.
 */
export function sqlOf(client: object): Sql {
  const sql = attached.get(client);
  if (!sql) throw new Error('This Prisma client has no plain-SQL connection (a transaction client, or not opened by openDatabase)');
  return sql;
}

/** Which columns of a table need converting to what Prisma returns: DateTime (text on SQLite) and Boolean (0/1 on SQLite). */
export interface RowShape {
  dates: readonly string[];
  booleans: readonly string[];
}

/** A row as Prisma would return it (the columns of its table, see rows.ts). */
export function rowOf<T>(row: Record<string, unknown>, shape: RowShape): T {
  const out: Record<string, unknown> = { ...row };
  for (const column of shape.dates) out[column] = dateOrNull(row[column]);
  for (const column of shape.booleans) out[column] = row[column] === null || row[column] === undefined ? null : Boolean(row[column]);
  return out as T;
}

/** How long a statement waits for SQLite's write lock (as the Prisma connection's busy_timeout). */
const BUSY_WAIT_MS = 5_000;

/** A DateTime column's value as a Date, from either database. */
export function dateOf(value: unknown): Date {
  return value instanceof Date ? value : new Date(value as string);
}

/** Same, for a nullable column. */
export function dateOrNull(value: unknown): Date | null {
  return value === null || value === undefined ? null : dateOf(value);
}

/** `(?, ?, ?)` for a list of `count` values. */
export function placeholders(count: number): string {
  return `(${Array.from({ length: count }, () => '?').join(', ')})`;
}

function sqliteValue(value: SqlValue): string | number | null {
  if (value instanceof Date) return value.toISOString().replace('Z', '+00:00');
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value;
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

function openSqlite(file: string): Sql {
  const connection = new BetterSqlite3(file);
  connection.pragma('busy_timeout = 0');
  const statements = new Map<string, BetterSqlite3.Statement>();
  const statement = (text: string) => {
    let prepared = statements.get(text);
    if (!prepared) statements.set(text, (prepared = connection.prepare(text)));
    return prepared;
  };
  async function withRetry<T>(work: () => T): Promise<T> {
    const deadline = Date.now() + BUSY_WAIT_MS;
    for (let delay = 1; ; delay = Math.min(delay * 2, 50)) {
      try {
        return work();
      } catch (error) {
        if (!isBusy(error) || Date.now() > deadline) throw error;
        await new Promise((wake) => setTimeout(wake, delay));
      }
    }
  }
  /** One statement: its rows, or how many rows it changed. */
  const execute = (step: SqlStep) =>
    step.kind === 'all' ? statement(step.text).all(...step.params.map(sqliteValue)) : statement(step.text).run(...step.params.map(sqliteValue)).changes;
  return {
    provider: 'sqlite',
    all: <T>(text: string, params: readonly SqlValue[] = []) => withRetry(() => execute({ kind: 'all', text, params }) as T[]),
    run: (text: string, params: readonly SqlValue[] = []) => withRetry(() => execute({ kind: 'run', text, params }) as number),
    // BEGIN IMMEDIATE: the write lock is taken at the start (busy: retried as a whole), never midway.
    transaction: <T>(work: () => SqlWork<T>) =>
      withRetry(() =>
        connection
          .transaction(() => {
            const steps = work();
            for (let next = steps.next(); ; next = steps.next(execute(next.value))) if (next.done) return next.value;
          })
          .immediate(),
      ),
    close: async () => void connection.close(),
  };
}

/** timestamp(3) without time zone holds UTC (as Prisma writes it): read it as UTC whatever the server's TZ. */
const TIMESTAMP_OID = 1114;
const postgresTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMP_OID ? (text: string) => new Date(`${text.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** PostgreSQL's "cached plan must not change result type" (feature_not_supported), after a schema change. */
const CACHED_PLAN_CHANGED = '0A000';

function openPostgres(url: string, onConnectionError: (error: Error) => void): Sql {
  const pool = new pg.Pool({ connectionString: url, max: 4, types: postgresTypes });
  // An idle connection the server closes (a restart, a failover, an administrator) makes the pool emit
  // 'error'; unheard, that is an uncaught exception that ends the process. The pool drops that client
  // by itself and the next statement opens a new one: the error is only reported.
  pool.on('error', onConnectionError);
  const texts = new Map<string, { text: string; name: string }>();
  let names = 0;
  const prepared = (text: string) => {
    let entry = texts.get(text);
    if (!entry) {
      let n = 0;
      entry = { text: text.replace(/\?/g, () => `$${++n}`), name: `hot_${names++}` };
      texts.set(text, entry);
    }
    return entry;
  };
  // A Date is sent as UTC text: PostgreSQL drops the "Z" for a timestamp without time zone, keeping UTC.
  const values = (params: readonly SqlValue[]) => params.map((v) => (v instanceof Date ? v.toISOString() : v));
  /** One statement on the pool or a transaction's client: its rows, or how many rows it changed. */
  const execute = async (on: pg.Pool | pg.PoolClient, step: SqlStep) => {
    const entry = prepared(step.text);
    let result: pg.QueryResult;
    try {
      result = await on.query({ text: entry.text, name: entry.name, values: values(step.params) });
    } catch (error) {
      // Every statement names its columns (rows.ts), so a column added by a migration never changes a
      // result; a schema change that does (a column's type) is prepared anew under a new name, once.
      // Not inside a transaction: there the error has aborted it, and the caller's retry starts anew.
      if ((error as { code?: unknown }).code !== CACHED_PLAN_CHANGED) throw error;
      entry.name = `hot_${names++}`;
      if (on !== pool) throw error;
      result = await on.query({ text: entry.text, name: entry.name, values: values(step.params) });
    }
    return step.kind === 'all' ? result.rows : (result.rowCount ?? 0);
  };
  return {
    provider: 'postgresql',
    all: async <T>(text: string, params: readonly SqlValue[] = []) => (await execute(pool, { kind: 'all', text, params })) as T[],
    run: async (text: string, params: readonly SqlValue[] = []) => (await execute(pool, { kind: 'run', text, params })) as number,
    transaction: async <T>(work: () => SqlWork<T>) => {
      const client = await pool.connect();
      let broken = false;
      try {
        await client.query('BEGIN');
        const steps = work();
        for (let next = steps.next(); ; ) {
          if (next.done) {
            await client.query('COMMIT');
            return next.value;
          }
          next = steps.next(await execute(client, next.value));
        }
      } catch (error) {
        // A connection that cannot even roll back is closed, not returned to the pool.
        await client.query('ROLLBACK').catch(() => void (broken = true));
        throw error;
      } finally {
        client.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/**
 * @example
 *   const sql = openSql('sqlite', './data/resursgrupp.db');
 *   const rows = await sql.all<{ id: string }>('SELECT "id" FROM "ResourceGroup" WHERE "conversationId" = ?', [conversationId]);
 */
export function openSql(provider: DatabaseProvider, target: string, onConnectionError: (error: Error) => void = () => undefined): Sql {
  return provider === 'sqlite' ? openSqlite(target) : openPostgres(target, onConnectionError);
}
