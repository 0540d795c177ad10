/**
 * The reminder scheduler that runs inside every bot process. Each tick it plans what has come within
 * the horizon (planner.ts), then sends what is due: destination by destination, each held by one
 * process at a time (a lease in the database), within Teams' rate limits and the group's working time.
 *
 * Delivery: a reminder is sent at least once and, apart from one case, exactly once. It is claimed
 * under a lease before it is sent and settled after; a process that dies mid-send leaves its claims to
 * expire (LEASE_MS) and another process sends them. Only when a post reached Teams but the
 * acknowledgement did not reach us (the process died between the two, or the connector failed
 * ambiguously) can it be posted twice: at most one duplicate per such lost acknowledgement.
 *
 * Catch-up: reminders whose time passed more than `catchUpAfterMs` ago (the bot was down, or the
 * conversation could not be reached) are not sent one by one: each destination gets one catch-up card
 * listing them, never a flood.
 */
import { randomUUID } from 'node:crypto';
import { isWorkingTime, nextWorkingTime } from '../domain/working-time';
import type { Logger } from '../logger';
import { appendAudit } from '../storage/audit';
import type { Db } from '../storage/database';
import {
  claimDueReminders,
  deferReminders,
  findDueDestinations,
  leaseDestination,
  releaseDestination,
  settleReminders,
  type ReminderRow,
} from '../storage/reminders';
import { planAll, WORKING_TIME_COLUMNS, workingTimeOf } from './planner';
import { createRateLimiter, realClock, TEAMS_RATE_LIMITS, type Clock, type RateLimits } from './rate-limit';

/** How long a claim or a destination lease lasts without renewal. */
export const LEASE_MS = 60_000;
/** After its last send, a destination stays with its process this long (the longest rate window). */
const COOLDOWN_MS = 30_000;
const CLAIM_BATCH = 50;
const DESTINATIONS_PER_TICK = 200;

export interface ReminderGroup {
  id: string;
  conversationId: string;
  tenantId: string | null;
  individualAlias: string;
  locale: string;
  timeZone: string;
  workDays: string;
  workdayStartMinute: number;
  workdayEndMinute: number;
  observeHolidays: boolean;
}

/** What the Teams layer answers when asked to post reminders to a destination. */
export type SendOutcome =
  /** Posted; `droppedIds` were in the batch but no longer apply (not in the card). */
  | { kind: 'sent'; how: string; droppedIds?: string[] }
  /** Nothing to send any more: the reminders are obsolete or the recipient may no longer see them. */
  | { kind: 'dropped'; reason: string }
  /** Teams says wait (429 beyond the turn's retries, 412, 503): try again after `retryAfterMs`. */
  | { kind: 'later'; retryAfterMs: number; reason: string }
  /** The conversation cannot be reached (403) or is not known: kept until the bot hears from it. */
  | { kind: 'unreachable'; reason: string }
  /** Refused for good (e.g. a service host that is not allowed). */
  | { kind: 'failed'; reason: string };

/** What one destination's posts share: all its claimed reminders, and what the sender read once for them. */
export interface SendBatch {
  claimed: ReminderRow[];
  memo: Map<string, unknown>;
}

export interface ReminderSender {
  /**
   * Posts one reminder, or (`catchUp`) one card for several that are late. Validates first that they
   * still apply and that the recipient may still see them (once per destination's `batch`).
   */
  send(group: ReminderGroup, destination: string, reminders: ReminderRow[], catchUp: boolean, batch?: SendBatch): Promise<SendOutcome>;
}

export interface SchedulerOptions {
  /** Between ticks. */
  intervalMs: number;
  /** Plan reminders this far ahead … */
  horizonMs: number;
  /**
   * A round started at once because the last one was full plans again only when the last planning is
   * this old (planning reads every open agreement near its due date; such a round has work already due).
   */
  planIntervalMs: number;
  /** Reminders later than this are folded into one catch-up card per destination. */
  catchUpAfterMs: number;
  /** How long an unreachable destination waits before it is tried again (it is also tried when the conversation speaks). */
  unreachableRetryMs: number;
  limits: RateLimits;
  /** How many destinations are sent to at once. */
  concurrency: number;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  intervalMs: 15_000,
  horizonMs: 2 * 86_400_000,
  planIntervalMs: 15_000,
  catchUpAfterMs: 15 * 60_000,
  unreachableRetryMs: 60 * 60_000,
  limits: TEAMS_RATE_LIMITS,
  concurrency: 8,
};

/** What a log line says about an error: its name and code (e.g. P2002, SQLITE_BUSY_SNAPSHOT), never its message. */
function errorFields(error: unknown): { errorName: string; errorCode?: string } {
  const e = error as { name?: unknown; code?: unknown } | null | undefined;
  return {
    errorName: typeof e?.name === 'string' ? e.name : typeof error,
    errorCode: typeof e?.code === 'string' || typeof e?.code === 'number' ? String(e.code) : undefined,
  };
}

export interface SchedulerDeps {
  db: Db;
  logger: Logger;
  now: () => Date;
  sender: ReminderSender;
  clock?: Clock;
  /** This process's name in leases (default: a random id). */
  owner?: string;
}

/**
 * @example
 *   const scheduler = createReminderScheduler({ db, logger, now, sender }, DEFAULT_SCHEDULER_OPTIONS);
 *   scheduler.start(); … await scheduler.stop();
 */
export function createReminderScheduler(deps: SchedulerDeps, options: SchedulerOptions = DEFAULT_SCHEDULER_OPTIONS) {
  const { db, logger, now, sender } = deps;
  const owner = deps.owner ?? `process-${randomUUID()}`;
  const limiter = createRateLimiter(options.limits, deps.clock ?? realClock);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  let plannedAt: number | undefined;

  async function groupOf(groupId: string): Promise<ReminderGroup | null> {
    return db.resourceGroup.findUnique({
      where: { id: groupId },
      select: { id: true, conversationId: true, tenantId: true, individualAlias: true, locale: true, ...WORKING_TIME_COLUMNS },
    });
  }

  async function audit(reminders: ReminderRow[], action: string, outcome: 'allowed' | 'failed', reason: string): Promise<void> {
    await appendAudit(
      db,
      reminders.map((r) => ({ action, outcome, groupId: r.groupId, actorMemberId: null, entityType: 'Reminder', entityId: r.id, reason })),
      now(),
    );
  }

  /** Sends what is due for one destination this process holds. */
  async function sendDestination(destination: string): Promise<number> {
    const at = now();
    if (!(await leaseDestination(db, destination, owner, at, new Date(at.getTime() + LEASE_MS)))) return 0;
    let sent = 0;
    try {
      const claimed = await claimDueReminders(db, destination, owner, at, new Date(at.getTime() + LEASE_MS), CLAIM_BATCH);
      if (claimed.length === 0) return 0;
      const group = await groupOf(claimed[0]!.groupId);
      if (!group) {
        await settleReminders(db, claimed.map((r) => r.id), owner, { status: 'cancelled', outcome: 'no_group', at });
        return 0;
      }
      const wt = workingTimeOf(group);
      if (!isWorkingTime(at, wt)) {
        // Never outside working time: wait for the next working time, never dropped.
        await deferReminders(db, claimed.map((r) => r.id), owner, nextWorkingTime(at, wt), at);
        return 0;
      }
      const late = claimed.filter((r) => at.getTime() - r.sendAfter.getTime() > options.catchUpAfterMs);
      const batches: Array<{ reminders: ReminderRow[]; catchUp: boolean }> =
        late.length > 1
          ? [{ reminders: claimed, catchUp: true }]
          : claimed.map((r) => ({ reminders: [r], catchUp: false }));
      const shared: SendBatch = { claimed, memo: new Map() };
      for (let i = 0; i < batches.length; i++) {
        const batch = batches[i]!;
        const posted = await limiter.take(destination, group.tenantId ?? '');
        const outcome = await sender.send(group, destination, batch.reminders, batch.catchUp, shared).finally(posted);
        const ids = batch.reminders.map((r) => r.id);
        const rest = batches.slice(i + 1).flatMap((b) => b.reminders.map((r) => r.id));
        if (outcome.kind === 'sent') {
          const dropped = new Set(outcome.droppedIds ?? []);
          const posted = batch.reminders.filter((r) => !dropped.has(r.id));
          await settleReminders(db, [...dropped], owner, { status: 'cancelled', outcome: 'obsolete', at: now() });
          await settleReminders(db, posted.map((r) => r.id), owner, { status: 'sent', outcome: batch.catchUp ? `catch_up:${outcome.how}` : outcome.how, at: now() });
          await audit(posted, 'reminder.sent', 'allowed', batch.catchUp ? `catch_up:${outcome.how}` : outcome.how);
          sent += posted.length;
        } else if (outcome.kind === 'dropped') {
          await settleReminders(db, ids, owner, { status: 'cancelled', outcome: outcome.reason, at: now() });
        } else if (outcome.kind === 'failed') {
          await settleReminders(db, ids, owner, { status: 'failed', outcome: outcome.reason, at: now() });
          await audit(batch.reminders, 'reminder.failed', 'failed', outcome.reason);
        } else {
          // Wait (429) or unreachable (403): this one and the rest of the destination wait; nothing is dropped.
          const waitMs = outcome.kind === 'later' ? outcome.retryAfterMs : options.unreachableRetryMs;
          await deferReminders(db, [...ids, ...rest], owner, new Date(now().getTime() + waitMs), now(), outcome.reason);
          await audit(batch.reminders, 'reminder.failed', 'failed', outcome.reason);
          break;
        }
      }
      return sent;
    } finally {
      await releaseDestination(db, destination, owner, new Date(now().getTime() + COOLDOWN_MS));
    }
  }

  /**
   * One round: plan, then send to every destination with something due (a few at a time). `more`: it
   * took as many destinations as one round takes and sent something, so others may be waiting (a
   * round that sent nothing, e.g. because other processes hold those destinations, waits the interval).
   * `continuing`: the round follows a full one at once, so planning is skipped unless it is planIntervalMs old.
   */
  async function tick(continuing = false): Promise<{ planned: number; sent: number; more: boolean }> {
    let planned = 0;
    if (!continuing || plannedAt === undefined || now().getTime() - plannedAt >= options.planIntervalMs) {
      planned = await planAll(db, { now: now(), horizonMs: options.horizonMs });
      plannedAt = now().getTime();
    }
    const destinations = await findDueDestinations(db, now(), DESTINATIONS_PER_TICK);
    let sent = 0;
    let next = 0;
    const worker = async () => {
      while (next < destinations.length && !stopped) {
        const destination = destinations[next++]!;
        try {
          // Not `sent += await …`: that reads `sent` before the await and loses the other workers' counts.
          const sentHere = await sendDestination(destination);
          sent += sentHere;
        } catch (error) {
          logger.error('reminders.destination_failed', errorFields(error));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
    if (planned > 0 || sent > 0) logger.info('reminders.tick', { planned, sent, destinations: destinations.length });
    return { planned, sent, more: destinations.length === DESTINATIONS_PER_TICK && sent > 0 };
  }

  let continuing = false;
  const loop = async () => {
    if (stopped) return;
    const round = tick(continuing).catch((error: unknown) => {
      logger.error('reminders.tick_failed', errorFields(error));
      return undefined;
    });
    running = round;
    const result = await round;
    continuing = result?.more ?? false;
    // A full round leaves work waiting: the next one starts at once rather than after the interval.
    if (!stopped) timer = setTimeout(loop, result?.more ? 0 : options.intervalMs);
  };

  return {
    owner,
    tick,
    /** Starts ticking (the first tick at once: what came due while the bot was down goes out now). */
    start(): void {
      stopped = false;
      timer = setTimeout(loop, 0);
    },
    /** Stops after the tick in progress (its claims are settled or left to expire). */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

export type ReminderScheduler = ReturnType<typeof createReminderScheduler>;
