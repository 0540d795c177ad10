/**
 * Stored Bot Framework conversation references, for proactive posts (reminders, goal updates). Saved on
 * install and refreshed when an activity shows a changed serviceUrl or tenant; marked unreachable when
 * Teams answers 403 (bot removed, blocked, disabled) until the bot hears from the conversation again.
 */
import type { Db } from './database';
import { dateOrNull, sqlOf } from './sql';

export interface StoredConversationReference {
  conversationId: string;
  serviceUrl: string;
  tenantId?: string;
  /** botbuilder's ConversationReference as plain JSON. */
  reference: Record<string, unknown>;
  /** Set while Teams refuses posts to this conversation (403). */
  unreachableAt?: Date;
  /** For a personal chat: the user's Teams id, to find their chat for reminders. */
  userId?: string;
}

function fromRow(row: { conversationId: string; serviceUrl: string; tenantId: string | null; reference: string; unreachableAt: Date | null; userId?: string | null }): StoredConversationReference {
  return {
    userId: row.userId ?? undefined,
    conversationId: row.conversationId,
    serviceUrl: row.serviceUrl,
    tenantId: row.tenantId ?? undefined,
    reference: JSON.parse(row.reference) as Record<string, unknown>,
    unreachableAt: row.unreachableAt ?? undefined,
  };
}

/**
 * Inserts or refreshes the reference of a conversation and clears its unreachable mark. Writes only
 * when something changed, so an ordinary message costs one read here, not a write.
 *
 * @example
 *   await saveConversationReference(db, { conversationId, serviceUrl, tenantId, reference }, stored);
 */
export async function saveConversationReference(db: Db, ref: StoredConversationReference, stored?: StoredConversationReference): Promise<void> {
  if (stored && stored.serviceUrl === ref.serviceUrl && stored.tenantId === ref.tenantId && !stored.unreachableAt) return;
  const data = { serviceUrl: ref.serviceUrl, tenantId: ref.tenantId ?? null, reference: JSON.stringify(ref.reference), unreachableAt: null, unreachableReason: null, userId: ref.userId ?? null };
  await db.conversationReference.upsert({
    where: { conversationId: ref.conversationId },
    create: { conversationId: ref.conversationId, ...data },
    update: data,
  });
}

/** The stored reference of a conversation, or undefined. Read on every turn: plain SQL (sql.ts). */
export async function findConversationReference(db: Db, conversationId: string): Promise<StoredConversationReference | undefined> {
  const [row] = await sqlOf(db).all<{ conversationId: string; serviceUrl: string; tenantId: string | null; reference: string; unreachableAt: unknown; userId: string | null }>(
    'SELECT "conversationId", "serviceUrl", "tenantId", "reference", "unreachableAt", "userId" FROM "ConversationReference" WHERE "conversationId" = ?',
    [conversationId],
  );
  return row ? fromRow({ ...row, unreachableAt: dateOrNull(row.unreachableAt) }) : undefined;
}

/** A member's personal chat with the bot, if the bot has one (they wrote to it, or it opened one). */
export async function findPersonalChatOf(db: Db, teamsUserId: string): Promise<StoredConversationReference | undefined> {
  const row = await db.conversationReference.findFirst({ where: { userId: teamsUserId }, orderBy: { updatedAt: 'desc' } });
  return row ? fromRow(row) : undefined;
}

/** Teams answered 403 for this conversation: post nothing more there until it speaks to the bot again. */
export async function markConversationUnreachable(db: Db, conversationId: string, reason: string, now: Date): Promise<void> {
  await db.conversationReference.updateMany({ where: { conversationId, unreachableAt: null }, data: { unreachableAt: now, unreachableReason: reason.slice(0, 80) } });
}

/**
 * One page of resource groups in channels and group chats (ordered by id, after `afterGroupId`) with
 * their conversation's stored reference, skipping unreachable conversations. Bounded by `take`.
 *
 * @example
 *   const page = await findGroupConversations(db, undefined, 100);
 */
export async function findGroupConversations(
  db: Db,
  afterGroupId: string | undefined,
  take: number,
): Promise<{ items: Array<{ groupId: string; teamId: string | null; reference: StoredConversationReference }>; lastGroupId?: string }> {
  const groups = await db.resourceGroup.findMany({
    where: { conversationType: { not: 'personal' }, ...(afterGroupId ? { id: { gt: afterGroupId } } : {}) },
    orderBy: { id: 'asc' },
    select: { id: true, conversationId: true, teamId: true },
    take,
  });
  if (groups.length === 0) return { items: [] };
  const rows = await db.conversationReference.findMany({ where: { conversationId: { in: groups.map((g) => g.conversationId) }, unreachableAt: null } });
  const referenceOf = new Map(rows.map((row) => [row.conversationId, fromRow(row)]));
  return {
    items: groups.flatMap((g) => (referenceOf.has(g.conversationId) ? [{ groupId: g.id, teamId: g.teamId, reference: referenceOf.get(g.conversationId)! }] : [])),
    lastGroupId: groups.at(-1)!.id,
  };
}

/** Records that a conversation's roster was reconciled (or tried). */
export async function markRosterChecked(db: Db, conversationId: string, now: Date): Promise<void> {
  await db.conversationReference.updateMany({ where: { conversationId }, data: { rosterCheckedAt: now } });
}
