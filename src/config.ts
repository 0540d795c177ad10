/**
 * Configuration, read once at start from an injectable environment and validated as a whole, so that an
 * operator sees every missing or wrong setting in one message.
 */

import { TEAMS_SERVICE_HOSTS, type ServiceHostPolicy } from './domain/service-hosts';

export type DatabaseProvider = 'sqlite' | 'postgresql';

/** Tenants whose activities the bot serves: a list of Entra tenant ids, or any ('*'). */
export type TenantPolicy = { kind: 'any' } | { kind: 'list'; tenantIds: readonly string[] };

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
  /** Activities from other tenants are refused (ALLOWED_TENANT_IDS). */
  tenants: TenantPolicy;
  /** Where the bot's token may be sent: loopback in local mode, else Teams' service hosts. */
  serviceHosts: ServiceHostPolicy;
  /** How often memberships are reconciled against each conversation's roster (and once at start). */
  rosterReconcileMinutes: number;
  /** Seconds between the process's `process.stats` log lines (memory, event-loop delay, scheduler); 0: none. */
  statsIntervalSeconds: number;
  /**
   * The reminder scheduler: on (default) or off (REMINDERS=off, e.g. for an instance that only answers).
   * `rateLimits` 'off' lifts Teams' limits (REMINDER_RATE_LIMITS=off): for benchmarks against a fake
   * connector only, refused in production.
   */
  reminders: { enabled: boolean; intervalSeconds: number; tenantRatePerSecond: number; catchUpAfterMinutes: number; rateLimits: 'teams' | 'off' };
  /** Bot Framework's OpenID metadata document (tokens from Teams); botbuilder's default when unset. */
  openIdMetadataUrl?: string;
  /** How long validating a token may take (fetching signing keys included) before it gets 401. */
  authTimeoutMs: number;
  /**
   * How long uploading a log extract to the case manager's OneDrive may take (UPLOAD_TIMEOUT_MS). It
   * runs inside Teams' file consent invoke, which Teams sends again after about 15 s.
   */
  uploadTimeoutMs: number;
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

  const tenants = parseTenants(value('ALLOWED_TENANT_IDS'), credentials, production, problems);

  let serviceHosts: ServiceHostPolicy = localMode ? { kind: 'loopback' } : { kind: 'hosts', hosts: TEAMS_SERVICE_HOSTS };
  const rawHosts = value('ALLOWED_SERVICE_HOSTS');
  if (rawHosts !== undefined) {
    const hosts = rawHosts.split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
    if (localMode) problems.push('ALLOWED_SERVICE_HOSTS is set but the bot runs without credentials (local mode), which only ever sends to loopback: unset it.');
    else if (hosts.length === 0 || hosts.some((h) => !/^[a-z0-9.-]+$/.test(h))) {
      problems.push(`ALLOWED_SERVICE_HOSTS is "${rawHosts}": set a comma-separated list of host names (default: ${TEAMS_SERVICE_HOSTS.join(',')}).`);
    } else serviceHosts = { kind: 'hosts', hosts };
  }

  const statsIntervalSeconds = boundedInteger('STATS_INTERVAL_SECONDS', value('STATS_INTERVAL_SECONDS'), 60, 0, 3600, problems);
  const rosterReconcileMinutes = boundedInteger('ROSTER_RECONCILE_MINUTES', value('ROSTER_RECONCILE_MINUTES'), 60, 1, 60, problems);
  const authTimeoutMs = boundedInteger('AUTH_TIMEOUT_MS', value('AUTH_TIMEOUT_MS'), 5000, 100, 10_000, problems);
  const uploadTimeoutMs = boundedInteger('UPLOAD_TIMEOUT_MS', value('UPLOAD_TIMEOUT_MS'), 10_000, 100, 12_000, problems);
  const rawReminders = value('REMINDERS');
  const rawRateLimits = value('REMINDER_RATE_LIMITS');
  if (rawReminders !== undefined && rawReminders !== 'on' && rawReminders !== 'off') problems.push(`REMINDERS is "${rawReminders}": set on or off (default on).`);
  const reminders = {
    enabled: rawReminders !== 'off',
    intervalSeconds: boundedInteger('REMINDER_INTERVAL_SECONDS', value('REMINDER_INTERVAL_SECONDS'), 15, 1, 300, problems),
    tenantRatePerSecond: boundedInteger('REMINDER_TENANT_RATE', value('REMINDER_TENANT_RATE'), 30, 1, 1000, problems),
    catchUpAfterMinutes: boundedInteger('REMINDER_CATCH_UP_MINUTES', value('REMINDER_CATCH_UP_MINUTES'), 15, 1, 1440, problems),
    rateLimits: rawRateLimits === 'off' ? ('off' as const) : ('teams' as const),
  };
  if (rawRateLimits !== undefined && rawRateLimits !== 'teams' && rawRateLimits !== 'off') {
    problems.push(`REMINDER_RATE_LIMITS is "${rawRateLimits}": set teams (default) or off (benchmarks only).`);
  } else if (rawRateLimits === 'off' && production) {
    problems.push('REMINDER_RATE_LIMITS=off lifts Teams\' rate limits, which Teams enforces with 429s: it is for benchmarks against a fake connector. Unset it in production.');
  }

  const openIdMetadataUrl = value('BOT_OPENID_METADATA_URL');
  if (openIdMetadataUrl !== undefined && !/^https?:\/\//.test(openIdMetadataUrl)) {
    problems.push(`BOT_OPENID_METADATA_URL is "${openIdMetadataUrl}": set the URL of an OpenID metadata document, or unset it for Bot Framework's.`);
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    port,
    host,
    databaseUrl,
    databaseProvider,
    credentials,
    localMode,
    production,
    logLevel,
    defaultTimeZone,
    maxBodyBytes,
    tenants,
    serviceHosts,
    rosterReconcileMinutes,
    statsIntervalSeconds,
    reminders,
    openIdMetadataUrl,
    authTimeoutMs,
    uploadTimeoutMs,
  };
}

function boundedInteger(name: string, raw: string | undefined, fallback: number, min: number, max: number, problems: string[]): number {
  if (raw === undefined) return fallback;
  const number = Number(raw);
  if (!/^\d+$/.test(raw) || number < min || number > max) {
    problems.push(`${name} is "${raw}": set a whole number from ${min} to ${max} (default ${fallback}).`);
    return fallback;
  }
  return number;
}

/**
 * ALLOWED_TENANT_IDS: a comma-separated list of tenant ids, or '*'. Unset, a SingleTenant (or managed
 * identity) bot serves its own tenant, local mode serves any, and a MultiTenant bot in production
 * refuses to start: it would otherwise serve every tenant in the world.
 */
function parseTenants(raw: string | undefined, credentials: BotCredentials | undefined, production: boolean, problems: string[]): TenantPolicy {
  if (raw === '*') return { kind: 'any' };
  if (raw !== undefined) {
    const tenantIds = raw.split(',').map((t) => t.trim()).filter(Boolean);
    if (tenantIds.length === 0 || tenantIds.some((t) => !/^[A-Za-z0-9._-]+$/.test(t))) {
      problems.push(`ALLOWED_TENANT_IDS is "${raw}": set a comma-separated list of Microsoft Entra tenant ids, or * for any tenant.`);
      return { kind: 'list', tenantIds: [] };
    }
    return { kind: 'list', tenantIds };
  }
  if (credentials?.tenantId && credentials.appType !== 'MultiTenant') return { kind: 'list', tenantIds: [credentials.tenantId] };
  if (credentials && production) {
    problems.push('ALLOWED_TENANT_IDS is missing: a MultiTenant bot in production must name the tenants it serves (comma-separated tenant ids), or be set to * explicitly to serve any tenant.');
  }
  return { kind: 'any' };
}
