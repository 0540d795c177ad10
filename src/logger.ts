/**
 * Structured JSON logging. Log lines carry ids, codes and counts only: never message text, goal text,
 * crisis-plan text or names. Callers pass fields explicitly; there is no "log the whole object" helper.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A logger writing one JSON object per line.
 *
 * @example
 *   const log = createLogger('info');
 *   log.info('group.created', { groupId });
 */
export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stdout.write(line + '\n')): Logger {
  const emit = (lvl: LogLevel) => (event: string, fields: LogFields = {}) => {
    if (ORDER[lvl] < ORDER[level]) return;
    write(JSON.stringify({ time: new Date().toISOString(), level: lvl, event, ...fields }));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** What a log line says about an error: its name and code (e.g. P2002, SQLITE_BUSY_SNAPSHOT, 57P01), never its message. */
export function errorFields(error: unknown): { errorName: string; errorCode?: string } {
  const e = error as { name?: unknown; code?: unknown } | null | undefined;
  return {
    errorName: typeof e?.name === 'string' ? e.name : typeof error,
    errorCode: typeof e?.code === 'string' || typeof e?.code === 'number' ? String(e.code) : undefined,
  };
}
