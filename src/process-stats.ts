/**
 * The process's own figures, logged as one `process.stats` line every STATS_INTERVAL_SECONDS: memory
 * (resident set, V8 heap used and its cap), the event loop's delay (p99 and max since the last line,
 * from perf_hooks.monitorEventLoopDelay), and the reminder scheduler's work (ticks, longest tick,
 * reminders planned and sent) and backlog (reminders due and agreements not yet planned, each counted
 * up to BACKLOG_CAP: a count that stops there says "at least"). What an engineer paged at night looks
 * at first, and what the soak benchmark reads (bench/scale.ts). Never anything about a person.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { errorFields, type Logger } from './logger';
import type { ReminderScheduler } from './reminders/scheduler';
import type { Db } from './storage/database';
import { REMINDER_PLANS } from './domain/reminders';
import { countUnplanned } from './storage/planning';
import { countDueReminders } from './storage/reminders';

/** Backlog counts stop here (a bounded query by index, whatever the data). */
export const BACKLOG_CAP = 10_000;

const MB = 1024 * 1024;
const round1 = (n: number) => Math.round(n * 10) / 10;

export interface ProcessStatsDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  reminders: ReminderScheduler | undefined;
}

/**
 * Starts logging the stats every `intervalMs` (nothing when 0). Returns a stop function.
 *
 * @example
 *   const stop = startProcessStats({ db, logger, now, reminders }, 60_000);
 */
export function startProcessStats(deps: ProcessStatsDeps, intervalMs: number): () => void {
  if (intervalMs <= 0) return () => undefined;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const heapLimitMb = round1(getHeapStatistics().heap_size_limit / MB);
  let busy = false;
  const log = async () => {
    // A slow count (a locked database) never makes the lines pile up.
    if (busy) return;
    busy = true;
    try {
      const memory = process.memoryUsage();
      const window = deps.reminders?.takeWindow();
      const backlog = deps.reminders
        ? {
            remindersDue: await countDueReminders(deps.db, deps.now(), BACKLOG_CAP),
            agreementsUnplanned: await countUnplanned(deps.db, 'Agreement', REMINDER_PLANS.agreement, BACKLOG_CAP),
          }
        : {};
      deps.logger.info('process.stats', {
        rssMb: round1(memory.rss / MB),
        heapUsedMb: round1(memory.heapUsed / MB),
        heapTotalMb: round1(memory.heapTotal / MB),
        heapLimitMb,
        externalMb: round1(memory.external / MB),
        eventLoopDelayP99Ms: round1(delay.percentile(99) / 1e6),
        eventLoopDelayMaxMs: round1(delay.max / 1e6),
        ...(window
          ? { ticks: window.ticks, failedTicks: window.failedTicks, maxTickMs: Math.round(window.maxTickMs), maxPlanMs: Math.round(window.maxPlanMs), planned: window.planned, sent: window.sent }
          : {}),
        ...backlog,
      });
    } catch (error) {
      deps.logger.warn('process.stats_failed', errorFields(error));
    } finally {
      delay.reset();
      busy = false;
    }
  };
  const timer = setInterval(() => void log(), intervalMs);
  timer.unref();
  return () => {
    clearInterval(timer);
    delay.disable();
  };
}
