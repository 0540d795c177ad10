/**
 * Activities already handled. Teams sends an activity again when the bot answered slowly; the same
 * activity (same conversation, same id) is then handled once.
 */
import type { Db } from './database';

/**
 * Claims an activity for handling. Returns false when it was claimed before (a redelivery).
 *
 * @example
 *   if (!(await claimActivity(db, conversationId, activity.id, now))) return; // already handled
 */
export async function claimActivity(db: Db, conversationId: string, activityId: string, now: Date): Promise<boolean> {
  try {
    await db.processedActivity.create({ data: { activityId: `${conversationId}|${activityId}`, processedAt: now } });
    return true;
  } catch (error) {
    if ((error as { code?: unknown })?.code === 'P2002') return false;
    throw error;
  }
}

/** Forgets claims older than `before` (redeliveries come within minutes). Returns how many. */
export async function pruneProcessedActivities(db: Db, before: Date): Promise<number> {
  return (await db.processedActivity.deleteMany({ where: { processedAt: { lt: before } } })).count;
}
