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
 *
 * Bounded: each planning job runs at most `planBatchesPerTick` batches a tick (a batch is one short
 * transaction of PLAN_BATCH rows), each on its own (one job's failure leaves the others and the
 * sending), with a pause after each batch in proportion to its own time, so turns keep the event loop
 * while the scheduler catches up on any backlog; a tick sends to at most DESTINATIONS_PER_TICK
 * destinations, claiming at most CLAIM_BATCH reminders each.
 */
import { randomUUID } from 'node:crypto';
import { workingTimeOf } from '../domain/reminders';
import { isWorkingTime, nextWorkingTime } from '../domain/working-time';
import { errorFields, type Logger } from '../logger';
import type { Db } from '../storage/database';
import {
  claimDueReminders,
  deferReminders,
  findDueDestinations,
  findReminderGroup,
  leaseDestination,
  releaseDestination,
  settleReminders,
  type ReminderGroupRow,
  type ReminderRow,
} from '../storage/reminders';
import {
  moveOnPassedOccurrences,
  planAgreementBatch,
  planBoardDailyBatch,
  planBoardEntryBatch,
  planCrisisPlanBatch,
  planFollowUpBatch,
  planPersonalDigestBatch,
  planWeeklyDigestBatch,
  type BatchResult,
  type FollowUpCursor,
  type PlanOptions,
} from './planner';
import { createRateLimiter, realClock, TEAMS_RATE_LIMITS, type Clock, type RateLimits } from './rate-limit';

/** How long a claim or a destination lease lasts without renewal. */
export const LEASE_MS = 60_000;
/** After its last send, a destination stays with its process this long (the longest rate window). */
const COOLDOWN_MS = 30_000;
const CLAIM_BATCH = 50;
const DESTINATIONS_PER_TICK = 200;

/** A group as the scheduler and sender need it (storage/reminders.ts reads it). */
export type ReminderGroup = ReminderGroupRow;

/** What the Teams layer answers when asked to post reminders to a destination. */
export type SendOutcome =
  /** Posted; `droppedIds` were in the batch but no longer apply (not in the card); `laterIds` wait for another post. */
  | { kind: 'sent'; how: string; droppedIds?: string[]; laterIds?: string[] }
  /** Nothing to send any more: the reminders are obsolete or the recipient may no longer see them. */
  | { kind: 'dropped'; reason: string }
  /** Teams says wait (429 beyond the turn's retries, 412, 503): try again after `retryAfterMs`. */
  | { kind: 'later'; retryAfterMs: number; reason: string }
  /** The conversation cannot be reached (403) or is not known: kept until the bot hears from it. */
  | { kind: 'unreachable'; reason: string }
  /** Refused for good (e.g. a service host that is not allowed). */
  | { kind: 'failed'; reason: string };

/** What one destination's posts share: all its claimed reminders, their groups, and what the sender read once for them. */
/** Why several reminders are one card: late (catch-up), or many at once; false for one reminder. */
export type Gathered = false | 'late' | 'many';

/** At most this many reminders due at once for one person are posted one by one; more are one card. */
export const MAX_SEPARATE_POSTS = 3;

export interface SendBatch {
  claimed: ReminderRow[];
  /** The groups of the claimed reminders (a person's reminders may come from several). */
  groups: ReadonlyMap<string, ReminderGroup>;
  memo: Map<string, unknown>;
}

export interface ReminderSender {
  /**
   * Posts one reminder, or one card for several (`gathered`: 'late', they came due while they could not
   * be sent; 'many', more came due at once than one posts separately). Validates first that they still
   * apply and that the recipient may still see them (once per destination's `batch`).
   */
  send(group: ReminderGroup, destination: string, reminders: ReminderRow[], gathered: Gathered, batch?: SendBatch): Promise<SendOutcome>;
}

export interface SchedulerOptions {
  /** Between ticks. */
  intervalMs: number;
  /** Plan follow-ups, digests and board cards this far ahead. */
  horizonMs: number;
  /** Reminders later than this are folded into one catch-up card per destination. */
  catchUpAfterMs: number;
  /** How long an unreachable destination waits before it is tried again (it is also tried when the conversation speaks). */
  unreachableRetryMs: number;
  limits: RateLimits;
  /** How many destinations are sent to at once. */
  concurrency: number;
  /** How many batches each planning job may run in one tick (the rest waits for the next tick, which then comes at once). */
  planBatchesPerTick: number;
  /** After each planning batch, a pause of this many times the batch's own time, so turns get the event loop. */
  planPace: number;
}

export const DEFAULT_SCHEDULER_OPTIONS: SchedulerOptions = {
  intervalMs: 15_000,
  horizonMs: 2 * 86_400_000,
  catchUpAfterMs: 15 * 60_000,
  unreachableRetryMs: 60 * 60_000,
  limits: TEAMS_RATE_LIMITS,
  concurrency: 8,
  planBatchesPerTick: 20,
  planPace: 2,
};

/** The planning jobs a tick runs, each on its own; the follow-up queue keeps its cursor within a tick. */
const PLANNING_JOBS: ReadonlyArray<[string, (db: Db, options: PlanOptions) => Promise<BatchResult>]> = [
  ['agreements', planAgreementBatch],
  ['crisis_plans', planCrisisPlanBatch],
  ['board_entries', planBoardEntryBatch],
  ['weekly_digests', planWeeklyDigestBatch],
  ['personal_digests', planPersonalDigestBatch],
  ['board_daily', planBoardDailyBatch],
];

/** What the last tick did, for the process's log line (main.ts). */
export interface TickStats {
  at: Date;
  durationMs: number;
  planMs: number;
  planned: number;
  sent: number;
  destinations: number;
  /** Whether a planning job or the sending left work for the next tick. */
  more: boolean;
}

/** What the scheduler did since it was last asked (for the process's stats line): bounded counters. */
export interface SchedulerWindow {
  ticks: number;
  failedTicks: number;
  planned: number;
  sent: number;
  maxTickMs: number;
  maxPlanMs: number;
}

const emptyWindow = (): SchedulerWindow => ({ ticks: 0, failedTicks: 0, planned: 0, sent: 0, maxTickMs: 0, maxPlanMs: 0 });

/** How many rows a process remembers having logged as skipped (so a bad row is logged once, not every tick). */
const SKIPPED_REMEMBERED = 10_000;

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
  let last: TickStats | undefined;
  let window = emptyWindow();
  const skipped = new Set<string>();

  /** A row planning skipped: logged by id once per process (it stays where it is; fixing it plans it). */
  const onSkip = (entity: string, id: string, error: unknown) => {
    const key = `${entity}:${id}`;
    if (skipped.has(key)) return;
    if (skipped.size >= SKIPPED_REMEMBERED) skipped.clear();
    skipped.add(key);
    logger.warn('reminders.row_skipped', { entity, id, ...errorFields(error) });
  };

  /** The pause after a batch: in proportion to its time, and at least one turn of the event loop's timers. */
  const pace = (batchMs: number) => new Promise<void>((wake) => setTimeout(wake, Math.min(100, Math.ceil(batchMs * options.planPace))));

  /**
   * Runs one planning job for at most planBatchesPerTick batches. A failure is logged and ends this job
   * for this tick only. Returns what it planned and whether it left rows.
   */
  async function runJob(name: string, batch: () => Promise<{ planned: number; more: boolean }>): Promise<{ planned: number; more: boolean }> {
    let planned = 0;
    for (let n = 0; n < options.planBatchesPerTick && !stopped; n++) {
      const started = performance.now();
      try {
        const result = await batch();
        planned += result.planned;
        await pace(performance.now() - started);
        if (!result.more) return { planned, more: false };
      } catch (error) {
        logger.error('reminders.plan_failed', { job: name, ...errorFields(error) });
        return { planned, more: false };
      }
    }
    return { planned, more: !stopped };
  }

  /** Every planning job, one after another, each bounded and on its own. */
  async function plan(): Promise<{ planned: number; more: boolean }> {
    const planOptions = (): PlanOptions => ({ now: now(), horizonMs: options.horizonMs, onSkip });
    let planned = 0;
    let more = false;
    const add = (result: { planned: number; more: boolean }) => {
      planned += result.planned;
      more ||= result.more;
    };
    for (const [name, job] of PLANNING_JOBS) add(await runJob(name, () => job(db, planOptions())));
    // The follow-up queue and the passed occurrences: a keyset cursor within this tick.
    let followUps: FollowUpCursor | undefined;
    add(await runJob('follow_ups', async () => {
      const result = await planFollowUpBatch(db, planOptions(), followUps);
      followUps = result.cursor;
      return { planned: result.planned, more: result.cursor !== undefined };
    }));
    let passed: FollowUpCursor | undefined;
    add(await runJob('follow_ups_passed', async () => {
      const result = await moveOnPassedOccurrences(db, now(), passed);
      passed = result.cursor;
      return { planned: 0, more: result.cursor !== undefined };
    }));
    return { planned, more };
  }

  /** The groups of claimed reminders (a person's may come from several), read once for the destination's round. */
  async function groupsOf(claimed: readonly ReminderRow[]): Promise<Map<string, ReminderGroup>> {
    const groups = new Map<string, ReminderGroup>();
    for (const groupId of new Set(claimed.map((r) => r.groupId))) {
      const group = await findReminderGroup(db, groupId);
      if (group) groups.set(groupId, group);
    }
    return groups;
  }

  /** Sends what is due for one destination this process holds. */
  async function sendDestination(destination: string): Promise<number> {
    const at = now();
    if (!(await leaseDestination(db, destination, owner, at, new Date(at.getTime() + LEASE_MS)))) return 0;
    let sent = 0;
    try {
      const claimed = await claimDueReminders(db, destination, owner, at, new Date(at.getTime() + LEASE_MS), CLAIM_BATCH);
      if (claimed.length === 0) return 0;
      const groups = await groupsOf(claimed);
      await settleReminders(db, claimed.filter((r) => !groups.has(r.groupId)), owner, { status: 'cancelled', outcome: 'no_group', at });
      // Never outside a group's working time: those wait for its next working time, never dropped.
      const ready: ReminderRow[] = [];
      for (const [groupId, group] of groups) {
        const ofGroup = claimed.filter((r) => r.groupId === groupId);
        const wt = workingTimeOf(group);
        if (isWorkingTime(at, wt)) ready.push(...ofGroup);
        else await deferReminders(db, ofGroup, owner, nextWorkingTime(at, wt), at);
      }
      if (ready.length === 0) return 0;
      ready.sort((a, b) => a.sendAfter.getTime() - b.sendAfter.getTime() || a.id.localeCompare(b.id));
      const group = groups.get(ready[0]!.groupId)!;
      const late = ready.filter((r) => at.getTime() - r.sendAfter.getTime() > options.catchUpAfterMs);
      // A person's chat gathers what is due at once; a group's channel gets each post (its members act on each).
      const gathered: Gathered = late.length > 1 ? 'late' : ready.length > MAX_SEPARATE_POSTS && !destination.startsWith('group:') ? 'many' : false;
      const batches: Array<{ reminders: ReminderRow[]; gathered: Gathered }> = gathered ? [{ reminders: ready, gathered }] : ready.map((r) => ({ reminders: [r], gathered: false }));
      const shared: SendBatch = { claimed: ready, groups, memo: new Map() };
      for (let i = 0; i < batches.length; i++) {
        const batch = batches[i]!;
        const posted = await limiter.take(destination, group.tenantId ?? '');
        const outcome = await sender.send(group, destination, batch.reminders, batch.gathered, shared).finally(posted);
        const rest = batches.slice(i + 1).flatMap((b) => b.reminders);
        if (outcome.kind === 'sent') {
          const dropped = new Set(outcome.droppedIds ?? []);
          const later = new Set(outcome.laterIds ?? []);
          const how = batch.gathered === 'late' ? `catch_up:${outcome.how}` : batch.gathered === 'many' ? `gathered:${outcome.how}` : outcome.how;
          const postedHere = batch.reminders.filter((r) => !dropped.has(r.id) && !later.has(r.id));
          await settleReminders(db, batch.reminders.filter((r) => dropped.has(r.id)), owner, { status: 'cancelled', outcome: 'obsolete', at: now() });
          // Marked sent and audited in one transaction.
          sent += await settleReminders(db, postedHere, owner, { status: 'sent', outcome: how, at: now() }, { action: 'reminder.sent', outcome: 'allowed', reason: how });
          await deferReminders(db, batch.reminders.filter((r) => later.has(r.id)), owner, now(), now());
        } else if (outcome.kind === 'dropped') {
          await settleReminders(db, batch.reminders, owner, { status: 'cancelled', outcome: outcome.reason, at: now() });
        } else if (outcome.kind === 'failed') {
          await settleReminders(db, batch.reminders, owner, { status: 'failed', outcome: outcome.reason, at: now() }, { action: 'reminder.failed', outcome: 'failed', reason: outcome.reason });
        } else {
          // Wait (429) or unreachable (403): this one and the rest of the destination wait; nothing is dropped.
          const waitMs = outcome.kind === 'later' ? outcome.retryAfterMs : options.unreachableRetryMs;
          const until = new Date(now().getTime() + waitMs);
          await deferReminders(db, batch.reminders, owner, until, now(), outcome.reason, { action: 'reminder.failed', outcome: 'failed', reason: outcome.reason });
          await deferReminders(db, rest, owner, until, now(), outcome.reason);
          break;
        }
      }
      return sent;
    } finally {
      await releaseDestination(db, destination, owner, new Date(now().getTime() + COOLDOWN_MS));
    }
  }

  /**
   * One round: plan (each job a bounded number of batches), then send to every destination with
   * something due (a few at a time). `more`: planning left rows, or the round took as many
   * destinations as one round takes and sent something, so others may be waiting (a round that sent
   * nothing, e.g. because other processes hold those destinations, waits the interval).
   */
  async function tick(): Promise<{ planned: number; sent: number; more: boolean }> {
    const started = performance.now();
    const planning = await plan();
    const planMs = performance.now() - started;
    const destinations = stopped ? [] : await findDueDestinations(db, now(), DESTINATIONS_PER_TICK);
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
    const more = planning.more || (destinations.length === DESTINATIONS_PER_TICK && sent > 0);
    last = { at: now(), durationMs: performance.now() - started, planMs, planned: planning.planned, sent, destinations: destinations.length, more };
    window.ticks++;
    window.planned += planning.planned;
    window.sent += sent;
    window.maxTickMs = Math.max(window.maxTickMs, last.durationMs);
    window.maxPlanMs = Math.max(window.maxPlanMs, planMs);
    if (planning.planned > 0 || sent > 0) logger.info('reminders.tick', { planned: planning.planned, sent, destinations: destinations.length, durationMs: Math.round(last.durationMs), planMs: Math.round(planMs) });
    return { planned: planning.planned, sent, more };
  }

  const loop = async () => {
    if (stopped) return;
    const round = tick().catch((error: unknown) => {
      window.failedTicks++;
      logger.error('reminders.tick_failed', errorFields(error));
      return undefined;
    });
    running = round;
    const result = await round;
    // A round that left work waiting: the next one starts at once rather than after the interval.
    if (!stopped) timer = setTimeout(loop, result?.more ? 0 : options.intervalMs);
  };

  return {
    owner,
    tick,
    /** What the last tick did (undefined before the first). */
    lastTick: (): TickStats | undefined => last,
    /** What it did since the last call (ticks, reminders planned and sent, the longest tick), and starts anew. */
    takeWindow(): SchedulerWindow {
      const taken = window;
      window = emptyWindow();
      return taken;
    },
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
