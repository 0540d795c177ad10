/**
 * Starts the whole bot from a validated configuration: database (migrated), Teams app, HTTP server.
 * Used by src/index.ts and by the end-to-end tests, which start the real thing on a free port.
 */
import type { Config } from './config';
import { createLogger, errorFields, type Logger } from './logger';
import { pruneProcessedActivities } from './storage/activities';
import { openDatabase, type Database } from './storage/database';
import { createBotApp, type BotApp } from './teams/app';
import { startServer, type ActivityProcessor, type RunningServer } from './http/server';
import { NO_RATE_LIMITS, TEAMS_RATE_LIMITS } from './reminders/rate-limit';
import { createReminderScheduler, DEFAULT_SCHEDULER_OPTIONS, type ReminderScheduler } from './reminders/scheduler';
import { startProcessStats } from './process-stats';

/** Redeliveries come within minutes; claims are kept two days. */
const PROCESSED_ACTIVITY_RETENTION_MS = 2 * 24 * 60 * 60 * 1000;
/** A roster reconciliation run stops claiming groups after this long; the next run goes on. */
const RECONCILE_BUDGET_MS = 30_000;
/** Between runs when groups were left due, and how often the due groups are looked for otherwise. */
const RECONCILE_PAUSE_MS = 5_000;
const RECONCILE_EVERY_MS = 5 * 60_000;

export interface RunningBot {
  url: string;
  database: Database;
  bot: BotApp;
  server: RunningServer;
  /** The reminder scheduler of this process (undefined with REMINDERS=off). */
  reminders: ReminderScheduler | undefined;
  stop(): Promise<void>;
}

/**
 * Opens the database, applies migrations, builds the bot and starts serving.
 *
 * @example
 *   const bot = await startBot(loadConfig({ PORT: '0', DATABASE_URL: 'file:/tmp/x.db' }));
 */
export async function startBot(config: Config, logger: Logger = createLogger(config.logLevel), now: () => Date = () => new Date()): Promise<RunningBot> {
  const database = await openDatabase(config.databaseUrl, {
    onConnectionError: (connection, error) => logger.warn('database.connection_error', { connection, ...errorFields(error) }),
  });
  logger.info('database.ready', {
    provider: database.provider,
    migrationsApplied: database.migration.applied.length,
    migrationsAlreadyApplied: database.migration.alreadyApplied.length,
  });
  // Every card action and refresh is claimed, so the claims are pruned at start and then hourly.
  const pruneClaims = async () => {
    const pruned = await pruneProcessedActivities(database.db, new Date(now().getTime() - PROCESSED_ACTIVITY_RETENTION_MS));
    if (pruned > 0) logger.info('activities.pruned', { count: pruned });
  };
  const prune = () => pruneClaims().catch((error: unknown) => logger.warn('activities.prune_failed', errorFields(error)));
  const firstPrune = setTimeout(prune, 0);
  firstPrune.unref();
  const pruneTimer = setInterval(prune, 60 * 60 * 1000);
  pruneTimer.unref();
  const bot = createBotApp({ db: database.db, config, logger, now }, config);
  const server = await startServer({
    host: config.host,
    port: config.port,
    maxBodyBytes: config.maxBodyBytes,
    serviceHosts: config.serviceHosts,
    // processActivity is protected in the typings but is CloudAdapter's own entry point; calling it
    // directly (instead of process(req, res)) keeps error messages out of HTTP responses.
    adapter: bot.adapter as unknown as ActivityProcessor,
    runTurn: bot.runTurn,
    // Both connections a turn uses; a failure is logged (with its code), and /healthz answers 503.
    checkHealth: async () => {
      try {
        await database.ping();
        return true;
      } catch (error) {
        logger.warn('health.failed', errorFields(error));
        return false;
      }
    },
    logger,
  });
  if (config.localMode) {
    logger.warn('bot.local_mode', {
      note: 'No MicrosoftAppId: Bot Framework authentication is off; serving loopback only and accepting only loopback serviceUrls.',
    });
  }
  if (config.credentials && config.tenants.kind === 'any') {
    logger.warn('tenant.fence_open', { note: 'ALLOWED_TENANT_IDS is not set: activities from any tenant are served. Set it to your tenant ids.' });
  }
  logger.info('bot.listening', { url: `${server.url}/api/messages`, localMode: config.localMode });
  // A missed membersRemoved must not leave access open: every group's roster is checked at least every
  // ROSTER_RECONCILE_MINUTES, the groups due a batch at a time, one run after another (never two at once).
  const reconcileIntervalMs = config.rosterReconcileMinutes * 60_000;
  let reconcileTimer: NodeJS.Timeout | undefined;
  let reconcileStopped = false;
  const reconcile = async () => {
    const result = await bot
      .reconcileMemberships({ dueBefore: new Date(now().getTime() - reconcileIntervalMs), budgetMs: RECONCILE_BUDGET_MS })
      .catch((error: unknown) => void logger.error('roster.reconcile_failed', errorFields(error)));
    if (reconcileStopped) return;
    reconcileTimer = setTimeout(() => void reconcile(), result?.more ? RECONCILE_PAUSE_MS : Math.min(reconcileIntervalMs, RECONCILE_EVERY_MS));
    reconcileTimer.unref();
  };
  reconcileTimer = setTimeout(() => void reconcile(), 0);
  reconcileTimer.unref();
  const reminders = config.reminders.enabled
    ? createReminderScheduler(
        { db: database.db, logger, now, sender: bot.reminderSender },
        {
          ...DEFAULT_SCHEDULER_OPTIONS,
          intervalMs: config.reminders.intervalSeconds * 1000,
          catchUpAfterMs: config.reminders.catchUpAfterMinutes * 60_000,
          limits:
            config.reminders.rateLimits === 'off'
              ? NO_RATE_LIMITS
              : { ...TEAMS_RATE_LIMITS, perTenant: [{ max: config.reminders.tenantRatePerSecond, ms: 1000 }] },
        },
      )
    : undefined;
  reminders?.start();
  const stopStats = startProcessStats({ db: database.db, logger, now, reminders }, config.statsIntervalSeconds * 1000);
  return {
    url: server.url,
    database,
    bot,
    server,
    reminders,
    stop: async () => {
      stopStats();
      await reminders?.stop();
      clearTimeout(firstPrune);
      clearInterval(pruneTimer);
      reconcileStopped = true;
      clearTimeout(reconcileTimer);
      await server.close();
      await database.close();
    },
  };
}
