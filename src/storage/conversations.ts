/**
 * Stored Bot Framework conversation references, for proactive posts (reminders, goal updates). Saved on
 * install and on every message, so the reference follows a changed serviceUrl.
 */
import type { Db } from './database';

export interface StoredConversationReference {
  conversationId: string;
  serviceUrl: string;
  tenantId?: string;
  /** botbuilder's ConversationReference as plain JSON. */
  reference: Record<string, unknown>;
}

/**
 * Inserts or refreshes the reference of a conversation.
 *
 * @example
 *   await saveConversationReference(db, { conversationId, serviceUrl, reference });
 */
export async function saveConversationReference(db: Db, ref: StoredConversationReference): Promise<void> {
  const data = { serviceUrl: ref.serviceUrl, tenantId: ref.tenantId ?? null, reference: JSON.stringify(ref.reference) };
  await db.conversationReference.upsert({
    where: { conversationId: ref.conversationId },
    create: { conversationId: ref.conversationId, ...data },
    update: data,
  });
}

/** The stored reference of a conversation, or undefined. */
export async function findConversationReference(db: Db, conversationId: string): Promise<StoredConversationReference | undefined> {
  const row = await db.conversationReference.findUnique({ where: { conversationId } });
  if (!row) return undefined;
  return {
    conversationId: row.conversationId,
    serviceUrl: row.serviceUrl,
    tenantId: row.tenantId ?? undefined,
    reference: JSON.parse(row.reference) as Record<string, unknown>,
  };
}
