/**
 * Reminders from three bot processes sharing one PostgreSQL database, one of which is killed mid-send
 * (SIGKILL: no cleanup at all). 100 channels with 10 due follow-ups each; the real scheduler of each
 * process (startBot, Teams' limits on, a tick a second) plans and sends them to a fake connector that
 * logs every post with its arrival time.
 *
 * What must hold: every reminder arrives; none twice, except where a post reached the connector and the
 * process died before it recorded that (the one duplicate the delivery guarantee allows per lost
 * acknowledgement, scheduler.ts); no conversation ever gets more than 7 posts in a second or 60 in 30 s,
 * however the work moves between processes; and the database says every reminder was sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCHEDULER_OPTIONS, LEASE_MS } from '../src/reminders/scheduler';
import { openDatabase, type Database } from '../src/storage/database';
import { createTestDatabaseUrl, PG_ADMIN_URL, testProviders, type TestDatabase } from './support/databases';
import { peakPostsPerWindow, startPostLogConnector, type LoggedPost, type PostLogConnector } from './support/post-log-connector';
import { seedChannelGroups, seedDueFollowUps, type SeededGroup } from './support/reminder-seed';
import { startWorker, type WorkerProcess } from './support/worker-processes';

const CONVERSATIONS = 100;
const PER_CONVERSATION = 10;
const TOTAL = CONVERSATIONS * PER_CONVERSATION;
/** Kill one process once this many posts arrived: well into the run, long before its end. */
const KILL_AFTER_POSTS = 300;

const postgres = testProviders().includes('postgresql');
if (!postgres) {
  console.warn(`PostgreSQL is not reachable at ${PG_ADMIN_URL}: skipping the multi-process reminder test (it always runs in CI).`);
}

describe.skipIf(!postgres)('reminders from three processes on PostgreSQL, one killed mid-send', () => {
  let database: TestDatabase;
  let db: Database;
  let connector: PostLogConnector;
  let workers: WorkerProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabaseUrl('postgresql');
    connector = await startPostLogConnector();
    // Migrated before the workers start (they would serialise on the migration lock anyway).
    db = await openDatabase(database.url);
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await db?.close();
    await connector?.close();
    await database?.drop();
  });

  it('sends every reminder, none twice beyond a lost acknowledgement, within Teams\' limits per conversation', async () => {
    const started = Date.now();
    workers = Array.from({ length: 3 }, () =>
      startWorker({ DATABASE_URL: database.url, REMINDERS: 'on', REMINDER_INTERVAL_SECONDS: '1', REMINDER_RATE_LIMITS: 'teams' }),
    );
    await Promise.all(workers.map((w) => w.ready));

    // Seeded while the processes run (and skip the roster reads their start-up makes); the follow-ups'
    // minute is already past, so the schedulers plan and send them as they appear.
    const groups: SeededGroup[] = await seedChannelGroups(db.db, { count: CONVERSATIONS, serviceUrl: connector.url, name: 'multiprocess' });
    const followUpIds = await seedDueFollowUps(db.db, groups, PER_CONVERSATION, new Date(Date.now() - 5_000));
    expect(followUpIds).toHaveLength(TOTAL);

    await connector.waitFor((posts) => posts.length >= KILL_AFTER_POSTS, 60_000);
    const victim = workers[0]!;
    victim.child.kill('SIGKILL');
    const killedAt = Date.now();
    await victim.exited;
    const postsAtKill = connector.posts.length;

    // Done when the database says every reminder was sent: each post arrived before its row was
    // settled, so nothing is still on its way. The dead process's claims wait for their lease to expire.
    const deadline = Date.now() + LEASE_MS + 45_000;
    for (;;) {
      const sent = await db.db.reminder.count({ where: { status: 'sent' } });
      if (sent === TOTAL) break;
      if (Date.now() > deadline) {
        const unsent = await db.db.reminder.groupBy({ by: ['status', 'outcome'], where: { status: { not: 'sent' } }, _count: true });
        const unplanned = await db.db.followUp.count({ where: { status: 'active' } });
        throw new Error(`only ${sent} of ${TOTAL} reminders sent; ${connector.posts.length} posts arrived; not sent: ${JSON.stringify(unsent)}; follow-ups still active: ${unplanned}`);
      }
      await new Promise((wake) => setTimeout(wake, 500));
    }
    const survivors = workers.slice(1);
    await Promise.all(survivors.map((w) => w.stop()));
    const wallSeconds = (Date.now() - started) / 1000;
    const posts: LoggedPost[] = [...connector.posts];

    const reminders = await db.db.reminder.findMany({ select: { id: true, status: true, attempts: true, destination: true, group: { select: { conversationId: true } } } });
    const byId = new Map(reminders.map((r) => [r.id, r]));
    expect(reminders).toHaveLength(TOTAL);
    expect(reminders.filter((r) => r.status !== 'sent')).toEqual([]);

    // Every post is one reminder's card, in that reminder's group's conversation.
    expect(posts.filter((p) => p.reminderIds.length !== 1)).toEqual([]);
    expect(posts.filter((p) => byId.get(p.reminderIds[0]!)?.group.conversationId !== p.conversationId)).toEqual([]);
    const arrivals = new Map<string, number[]>();
    for (const post of posts) arrivals.set(post.reminderIds[0]!, [...(arrivals.get(post.reminderIds[0]!) ?? []), post.at]);
    expect(arrivals.size).toBe(TOTAL);

    // Duplicates: only reminders the killed process had claimed (claimed again after its lease ran out:
    // attempts 2) whose post arrived before the kill. At most one per destination it was sending to when
    // it died (each destination sends one post at a time), so at most `concurrency` in all.
    const duplicates = [...arrivals].filter(([, times]) => times.length > 1);
    const reclaimed = reminders.filter((r) => r.attempts > 1);
    const reclaimedDestinations = new Set(reclaimed.map((r) => r.destination));
    for (const [id, times] of duplicates) {
      expect(times).toHaveLength(2);
      // (A post already on its way when the signal went may be read here a moment later.)
      expect(times[0]!).toBeLessThanOrEqual(killedAt + 1_000);
      expect(times[1]!).toBeGreaterThan(killedAt);
      expect(byId.get(id)!.attempts).toBe(2);
    }
    const duplicateDestinations = new Set(duplicates.map(([id]) => byId.get(id)!.destination));
    expect(duplicateDestinations.size).toBe(duplicates.length);
    expect(duplicates.length).toBeLessThanOrEqual(Math.min(reclaimedDestinations.size, DEFAULT_SCHEDULER_OPTIONS.concurrency));
    expect(posts.length).toBe(TOTAL + duplicates.length);

    // Teams' limits per conversation, over arrival times at the connector.
    const perSecond = peakPostsPerWindow(posts, 1_000);
    const perHalfMinute = peakPostsPerWindow(posts, 30_000);
    expect(perSecond.peak).toBeLessThanOrEqual(7);
    expect(perHalfMinute.peak).toBeLessThanOrEqual(60);
    for (const survivor of survivors) expect(survivor.errorLines).toEqual([]);

    console.info(
      `multi-process reminders: ${posts.length} posts, ${arrivals.size} distinct reminders, ${duplicates.length} duplicate(s) ` +
        `(${reclaimed.length} reminders on ${reclaimedDestinations.size} destinations reclaimed from the killed process, killed after ${postsAtKill} posts), ` +
        `peak per conversation ${perSecond.peak} in 1 s and ${perHalfMinute.peak} in 30 s, wall time ${wallSeconds.toFixed(1)} s`,
    );
  }, 180_000);
});
