/**
 * The one post in a group's conversation that stands for a goal, an agreement or the crisis plan, so
 * that later changes update it in place rather than adding posts that notify everyone again.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from './database';
import type { ChannelPost } from '../generated/sqlite/client';
import { CHANNEL_POST_ROW, columnsOf } from './rows';
import { rowOf, sqlOf } from './sql';

export type PostedEntityType = 'Goal' | 'Agreement' | 'CrisisPlan';

export interface ChannelPostInput {
  groupId: string;
  entityType: PostedEntityType;
  entityId: string;
  conversationId: string;
  activityId: string;
}

/** The entity's post, if the bot made one. */
export async function findChannelPost(db: Db, entityType: PostedEntityType, entityId: string): Promise<ChannelPost | null> {
  // Every announced change looks it up: plain SQL (sql.ts).
  const [row] = await sqlOf(db).all(`SELECT ${columnsOf(CHANNEL_POST_ROW)} FROM "ChannelPost" WHERE "entityType" = ? AND "entityId" = ?`, [entityType, entityId]);
  return row ? rowOf<ChannelPost>(row, CHANNEL_POST_ROW) : null;
}

/** Records (or replaces, after a fallback to a new post) the entity's post. */
export async function saveChannelPost(db: Db, post: ChannelPostInput): Promise<void> {
  // After every new announcement: one plain-SQL upsert (sql.ts), as Prisma's upsert wrote it.
  const at = new Date();
  await sqlOf(db).run(
    'INSERT INTO "ChannelPost" ("id", "groupId", "entityType", "entityId", "conversationId", "activityId", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?, ?, ?) ' +
      'ON CONFLICT ("entityType", "entityId") DO UPDATE SET "conversationId" = excluded."conversationId", "activityId" = excluded."activityId", "updatedAt" = excluded."updatedAt"',
    [randomUUID(), post.groupId, post.entityType, post.entityId, post.conversationId, post.activityId, at, at],
  );
}
