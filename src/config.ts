/**
 * Configuration, read once at start from an injectable environment and validated as a whole, so that an
 * operator sees every missing or wrong setting in one message.
 */

export type DatabaseProvider = 'sqlite' | 'postgresql';

export interface BotCredentials {
  appId: string;
  appPassword?: string;
  appType: 'MultiTenant' | 'SingleTenant' | 'UserAssignedMSI';
  tenantId?: string;
}

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  databaseProvider: DatabaseProvider;
  /** Absent in local mode: Bot Framework authentication is then off and only loopback is served. */
  credentials?: BotCredentials;
  localMode: boolean;
  production: boolean;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  defaultTimeZone: string;
  /** Largest accepted request body in bytes. */
  maxBodyBytes: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const DEFAULT_DATABASE_URL = 'file:./data/resursgrupp.db';

const APP_TYPES = ['MultiTenant', 'SingleTenant', 'UserAssignedMSI'] as const;
const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('sv-SE', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses and validates the environment.
 *
 * @example
 *   const config = loadConfig(process.env); // throws ConfigError listing every problem
 */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const raw = env[name]?.trim();
    return raw ? raw : undefined;
  };

  const production = value('NODE_ENV') === 'production';

  let port = 3978;
  const rawPort = value('PORT');
  if (rawPort !== undefined) {
    port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port > 65535) {
      problems.push(`PORT is "${rawPort}": set it to a TCP port number between 0 (any free port) and 65535 (default 3978).`);
    }
  }

  const databaseUrl = value('DATABASE_URL') ?? DEFAULT_DATABASE_URL;
  let databaseProvider: DatabaseProvider = 'sqlite';
  if (/^postgres(ql)?:\/\//i.test(databaseUrl)) {
    databaseProvider = 'postgresql';
  } else if (!databaseUrl.startsWith('file:')) {
    problems.push(
      'DATABASE_URL must start with "file:" (SQLite, e.g. file:./data/resursgrupp.db) or "postgresql://" (PostgreSQL); leave it unset for the embedded SQLite database.',
    );
  }

  const appId = value('MicrosoftAppId');
  const appPassword = value('MicrosoftAppPassword');
  const rawAppType = value('MicrosoftAppType') ?? 'MultiTenant';
  const tenantId = value('MicrosoftAppTenantId');
  let credentials: BotCredentials | undefined;
  if (!(APP_TYPES as readonly string[]).includes(rawAppType)) {
    problems.push(`MicrosoftAppType is "${rawAppType}": set it to one of ${APP_TYPES.join(', ')}.`);
  }
  const appType = rawAppType as BotCredentials['appType'];
  if (appId) {
    if (!GUID.test(appId)) problems.push('MicrosoftAppId must be the bot\'s Microsoft Entra application (client) id, a GUID.');
    if (appType !== 'UserAssignedMSI' && !appPassword) {
      problems.push('MicrosoftAppPassword is missing: set the client secret of the bot\'s app registration (or MicrosoftAppType=UserAssignedMSI).');
    }
    if (appType !== 'MultiTenant' && !tenantId) {
      problems.push(`MicrosoftAppTenantId is missing: a ${appType} bot needs its tenant id.`);
    }
    credentials = { appId, appPassword, appType, tenantId };
  } else if (appPassword) {
    problems.push('MicrosoftAppPassword is set but MicrosoftAppId is not: set both, or neither for local mode.');
  }

  const localMode = credentials === undefined;
  if (localMode && production) {
    problems.push(
      'NODE_ENV=production but no Bot Framework credentials: set MicrosoftAppId and MicrosoftAppPassword. Without them anyone who reaches the bot could impersonate any user.',
    );
  }

  const host = value('HOST') ?? (localMode ? '127.0.0.1' : '0.0.0.0');
  if (localMode && !['127.0.0.1', 'localhost', '::1'].includes(host)) {
    problems.push(`HOST is "${host}" but the bot runs without credentials (local mode), which only serves loopback: unset HOST or set credentials.`);
  }

  const logLevel = (value('LOG_LEVEL') ?? 'info') as Config['logLevel'];
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push(`LOG_LEVEL is "${logLevel}": set it to one of ${LOG_LEVELS.join(', ')}.`);
  }

  const defaultTimeZone = value('DEFAULT_TIME_ZONE') ?? 'Europe/Stockholm';
  if (!isValidTimeZone(defaultTimeZone)) {
    problems.push(`DEFAULT_TIME_ZONE is "${defaultTimeZone}": set an IANA time zone such as Europe/Stockholm.`);
  }

  let maxBodyBytes = 256 * 1024;
  const rawMaxBody = value('MAX_BODY_BYTES');
  if (rawMaxBody !== undefined) {
    maxBodyBytes = Number(rawMaxBody);
    if (!/^\d+$/.test(rawMaxBody) || maxBodyBytes < 1024) {
      problems.push(`MAX_BODY_BYTES is "${rawMaxBody}": set a whole number of bytes, at least 1024 (default 262144).`);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return { port, host, databaseUrl, databaseProvider, credentials, localMode, production, logLevel, defaultTimeZone, maxBodyBytes };
}
