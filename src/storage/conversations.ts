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

/** A group whose roster is due to be checked, with its conversation's stored reference. */
export interface RosterCheck {
  groupId: string;
  teamId: string | null;
  reference: StoredConversationReference;
}

/**
 * Claims up to `take` resource groups in channels and group chats whose roster was last checked before
 * `dueBefore` (or never), those never checked first, then the longest unchecked: each claim is a guarded
 * update of the group's `rosterCheckedAt` to `now`, so of several processes only one checks a group,
 * and a group whose check fails waits its interval like the others. Groups whose conversation is
 * unreachable (or has no stored reference) are claimed and passed over. Bounded by `take`, by index.
 *
 * @example
 *   const { claimed, checks } = await claimRosterChecks(db, new Date(Date.now() - 3_600_000), new Date(), 20);
 */
export async function claimRosterChecks(db: Db, dueBefore: Date, now: Date, take: number): Promise<{ claimed: number; checks: RosterCheck[] }> {
  const sql = sqlOf(db);
  const columns = 'SELECT "id", "conversationId", "teamId", "rosterCheckedAt" FROM "ResourceGroup" ';
  const never = await sql.all<{ id: string; conversationId: string; teamId: string | null; rosterCheckedAt: unknown }>(
    `${columns}WHERE "rosterCheckedAt" IS NULL AND "conversationType" <> 'personal' ORDER BY "id" LIMIT ?`,
    [take],
  );
  const stale =
    never.length < take
      ? await sql.all<{ id: string; conversationId: string; teamId: string | null; rosterCheckedAt: unknown }>(
          `${columns}WHERE "rosterCheckedAt" < ? AND "conversationType" <> 'personal' ORDER BY "rosterCheckedAt", "id" LIMIT ?`,
          [dueBefore, take - never.length],
        )
      : [];
  const claimed: Array<{ id: string; conversationId: string; teamId: string | null }> = [];
  for (const group of [...never, ...stale]) {
    const changed =
      group.rosterCheckedAt === null
        ? await sql.run('UPDATE "ResourceGroup" SET "rosterCheckedAt" = ? WHERE "id" = ? AND "rosterCheckedAt" IS NULL', [now, group.id])
        : await sql.run('UPDATE "ResourceGroup" SET "rosterCheckedAt" = ? WHERE "id" = ? AND "rosterCheckedAt" = ?', [now, group.id, group.rosterCheckedAt as string | Date]);
    if (changed === 1) claimed.push(group);
  }
  if (claimed.length === 0) return { claimed: 0, checks: [] };
  const rows = await db.conversationReference.findMany({ where: { conversationId: { in: claimed.map((g) => g.conversationId) }, unreachableAt: null } });
  const referenceOf = new Map(rows.map((row) => [row.conversationId, fromRow(row)]));
  return {
    claimed: claimed.length,
    checks: claimed.flatMap((g) => (referenceOf.has(g.conversationId) ? [{ groupId: g.id, teamId: g.teamId, reference: referenceOf.get(g.conversationId)! }] : [])),
  };
}

