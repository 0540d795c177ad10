/**
 * Turn claims. Teams sends an activity again when the bot answered slowly or with a 5xx; each activity
 * (same conversation, same id) is claimed when its turn starts, its claim is committed inside the
 * transaction of the turn's change, and a turn that fails before committing releases its claim so that
 * the redelivery is handled anew. A committed claim is never taken twice: a redelivery changes nothing.
 */
import { DomainError } from '../domain/errors';
import type { Db } from './database';
import { all, run, sqlOf, type SqlWork } from './sql';

/** A pending claim older than this is taken over by a redelivery (its turn died without releasing it). */
export const STALE_CLAIM_MS = 60_000;

export type ClaimResult = 'claimed' | 'duplicate';

/** The claim key of an activity: conversation (without a thread suffix) and activity id. */
export function claimKeyOf(conversationId: string, activityId: string): string {
  return `${conversationId}|${activityId}`;
}

/**
 * Claims an activity for handling. 'duplicate' when another delivery holds it: committed, or pending and
 * younger than STALE_CLAIM_MS. A stale pending claim is taken over.
 *
 * @example
 *   if ((await claimActivity(db, claimKeyOf(conversationId, activity.id), now)) === 'duplicate') return;
 */
export async function claimActivity(db: Db, key: string, now: Date): Promise<ClaimResult> {
  // Every turn's first write: plain SQL (sql.ts), one statement when the activity is new.
  const sql = sqlOf(db);
  const inserted = await sql.run('INSERT INTO "ProcessedActivity" ("activityId", "processedAt") VALUES (?, ?) ON CONFLICT ("activityId") DO NOTHING', [key, now]);
  if (inserted === 1) return 'claimed';
  const takenOver = await sql.run('UPDATE "ProcessedActivity" SET "processedAt" = ? WHERE "activityId" = ? AND "committedAt" IS NULL AND "processedAt" < ?', [
    now,
    key,
    new Date(now.getTime() - STALE_CLAIM_MS),
  ]);
  return takenOver === 1 ? 'claimed' : 'duplicate';
}

/** A Prisma client or an interactive transaction client. */
export type ClaimsClient = Pick<Db, 'processedActivity'>;

const committedInTransaction = new WeakMap<object, Set<string>>();

/**
 * Commits a claim inside the transaction of the turn's change. Throws DomainError('duplicate') when the
 * claim was committed by another delivery meanwhile, which rolls the whole change back: of two
 * deliveries of one activity, exactly one changes anything.
 */
export async function commitClaim(tx: ClaimsClient, key: string, now: Date): Promise<void> {
  // One transaction may record several changes; the claim is committed by the first of them.
  const committedHere = committedInTransaction.get(tx) ?? new Set<string>();
  if (committedHere.has(key)) return;
  committedInTransaction.set(tx, committedHere.add(key));
  const committed = await tx.processedActivity.updateMany({ where: { activityId: key, committedAt: null }, data: { committedAt: now } });
  if (committed.count === 1) return;
  const existing = await tx.processedActivity.findUnique({ where: { activityId: key } });
  if (existing?.committedAt) throw new DomainError('duplicate');
  // The claim was released or pruned meanwhile: record it as committed now.
  await tx.processedActivity.create({ data: { activityId: key, processedAt: now, committedAt: now } });
}

/** commitClaim inside a plain-SQL transaction (Sql.transaction), with the same rules. */
export function* commitClaimSteps(key: string, now: Date): SqlWork<void> {
  const committed = yield* run('UPDATE "ProcessedActivity" SET "committedAt" = ? WHERE "activityId" = ? AND "committedAt" IS NULL', [now, key]);
  if (committed === 1) return;
  const [existing] = yield* all<{ committedAt: unknown }>('SELECT "committedAt" FROM "ProcessedActivity" WHERE "activityId" = ?', [key]);
  if (existing?.committedAt) throw new DomainError('duplicate');
  // The claim was released or pruned meanwhile: record it as committed now.
  yield* run('INSERT INTO "ProcessedActivity" ("activityId", "processedAt", "committedAt") VALUES (?, ?, ?)', [key, now, now]);
}

/** Releases the claim of a failed turn, unless its change was committed. Returns whether it was committed. */
export async function releaseClaim(db: Db, key: string): Promise<{ committed: boolean }> {
  await db.processedActivity.deleteMany({ where: { activityId: key, committedAt: null } });
  const row = await db.processedActivity.findUnique({ where: { activityId: key } });
  return { committed: Boolean(row?.committedAt) };
}

/** Claims deleted per statement when pruning. */
const PRUNE_BATCH = 500;

/**
 * Forgets claims older than `before` (redeliveries come within minutes), PRUNE_BATCH at a time by the
 * processedAt index, with a pause between batches for the turns; at most `maxBatches`. Returns how many.
 */
export async function pruneProcessedActivities(db: Db, before: Date, maxBatches = 200): Promise<number> {
  let pruned = 0;
  for (let n = 0; n < maxBatches; n++) {
    const deleted = await sqlOf(db).run(
      'DELETE FROM "ProcessedActivity" WHERE "activityId" IN (SELECT "activityId" FROM "ProcessedActivity" WHERE "processedAt" < ? ORDER BY "processedAt" LIMIT ?)',
      [before, PRUNE_BATCH],
    );
    pruned += deleted;
    if (deleted < PRUNE_BATCH) break;
    await new Promise((wake) => setTimeout(wake, 10));
  }
  return pruned;
}
