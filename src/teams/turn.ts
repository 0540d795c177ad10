/**
 * A turn's life: the tenant fence, the claim that makes a redelivered activity a no-op, and what happens
 * when a turn fails. A failed turn never loses the activity: its claim is released unless its change was
 * committed, the person is told what was stored, and the HTTP answer tells Teams to deliver it again.
 */
import { ActivityTypes, type TurnContext } from 'botbuilder';
import { errorCard } from '../cards/notice';
import type { TenantPolicy } from '../config';
import { translate } from '../locales';
import type { Logger } from '../logger';
import { claimActivity, claimKeyOf, releaseClaim } from '../storage/activities';
import { recordAudit } from '../storage/audit';
import { findConversationReference, type StoredConversationReference } from '../storage/conversations';
import type { Db } from '../storage/database';
import { findGroupByConversation } from '../storage/groups';
import { conversationKey, localeOf } from './context';
import { isSendFailure } from './outbound';
import { replyWithCard } from './send';

/**
 * What the HTTP layer answers after a turn: `done` 200 (with the invoke answer, if any); `redeliver`
 * 500, which makes the Bot Connector deliver the activity again; `refused` 403 (another tenant).
 */
export type TurnOutcome = 'done' | 'redeliver' | 'refused';

/** Activities handled at most once per conversation and id. */
const CLAIMED_ACTIVITY_TYPES = new Set<string>([ActivityTypes.Message, ActivityTypes.ConversationUpdate, ActivityTypes.Invoke]);

/** Activity types written to logs by name; anything else is logged as `other` (it is caller input). */
const LOGGED_ACTIVITY_TYPES = new Set<string>(Object.values(ActivityTypes));

/** The activity type for a log line: a known Bot Framework type, else `other`. */
export function activityTypeForLog(type: unknown): string {
  return typeof type === 'string' && LOGGED_ACTIVITY_TYPES.has(type) ? type : 'other';
}

type Group = Awaited<ReturnType<typeof findGroupByConversation>>;

interface TurnRecord {
  claimKey?: string;
  apologized: boolean;
  outcome: TurnOutcome;
  storedReference?: StoredConversationReference;
  /** The conversation's group as the tenant fence read it (null: none), so the turn reads it once. */
  group?: Group;
}

const TURN_RECORD = Symbol('resursgrupp.turn');

/** This turn's record (claim, apology sent, outcome), created on first use. */
export function turnRecord(context: TurnContext): TurnRecord {
  let record = context.turnState.get(TURN_RECORD) as TurnRecord | undefined;
  if (!record) {
    record = { apologized: false, outcome: 'done' };
    context.turnState.set(TURN_RECORD, record);
  }
  return record;
}

/** The claim key of this turn, for storage functions that commit it with their change. */
export function claimKeyOfTurn(context: TurnContext): string | undefined {
  return turnRecord(context).claimKey;
}

/** The tenant an activity comes from, as Teams names it. */
export function tenantOf(context: TurnContext): string | undefined {
  const channelData = (context.activity.channelData ?? {}) as { tenant?: { id?: string } };
  return channelData.tenant?.id ?? context.activity.conversation?.tenantId ?? undefined;
}

/**
 * The tenant fence, before anything is read for or stored from the activity: the tenant must be allowed,
 * and a conversation that holds a group, or whose reference is stored, keeps the tenant it has. A refusal
 * is audited (`access.denied`, reason `tenant`) and the turn ends with nothing shown or changed.
 */
export async function passesTenantFence(db: Db, context: TurnContext, tenants: TenantPolicy, logger: Logger): Promise<boolean> {
  const tenantId = tenantOf(context);
  const conversationId = conversationKey(context.activity.conversation?.id ?? '');
  const allowed = tenants.kind === 'any' || (tenantId !== undefined && tenants.tenantIds.includes(tenantId));
  const [group, stored] = conversationId ? await Promise.all([findGroupByConversation(db, conversationId), findConversationReference(db, conversationId)]) : [null, undefined];
  turnRecord(context).storedReference = stored;
  turnRecord(context).group = group;
  const foreign = (known: string | null | undefined) => Boolean(known) && known !== tenantId;
  if (allowed && !foreign(group?.tenantId) && !foreign(stored?.tenantId)) return true;
  logger.warn('access.denied', { reason: 'tenant', activityType: activityTypeForLog(context.activity.type), groupId: group?.id });
  await recordAudit(db, { action: 'access.denied', outcome: 'denied', reason: 'tenant', groupId: group?.id ?? null, actorAadObjectId: context.activity.from?.aadObjectId ?? null });
  turnRecord(context).outcome = 'refused';
  return false;
}

/**
 * The resource group of the turn's conversation (or null), read once per turn: the tenant fence has
 * usually read it already.
 */
export async function groupOfTurn(db: Db, context: TurnContext): Promise<Group> {
  const record = turnRecord(context);
  if (record.group === undefined) record.group = await findGroupByConversation(db, conversationKey(context.activity.conversation?.id ?? ''));
  return record.group;
}

/** Keys whose release failed (database down): a redelivery may take them over at once. */
const unreleasedClaims = new Set<string>();

/**
 * Claims the activity for this turn. False for a redelivery of an activity that is being handled or was
 * handled (committed); the invoke is then answered that nothing changed.
 */
export async function claimTurn(db: Db, context: TurnContext, now: Date, logger: Logger): Promise<boolean> {
  const activity = context.activity;
  if (!CLAIMED_ACTIVITY_TYPES.has(activity.type) || !activity.id) return true;
  const key = claimKeyOf(conversationKey(activity.conversation?.id ?? ''), activity.id);
  let result = await claimActivity(db, key, now);
  if (result === 'duplicate' && unreleasedClaims.delete(key)) {
    await releaseClaim(db, key);
    result = await claimActivity(db, key, now);
  }
  if (result === 'duplicate') {
    logger.info('activity.duplicate', { activityType: activityTypeForLog(activity.type) });
    if (activity.type === ActivityTypes.Invoke) await answerInvokeWithMessage(context, translate(localeOf(context), 'activity.duplicate'));
    return false;
  }
  turnRecord(context).claimKey = key;
  return true;
}

/** Answers an invoke with a short message (Teams shows it next to the card). */
export async function answerInvokeWithMessage(context: TurnContext, text: string): Promise<void> {
  await context.sendActivity({
    type: 'invokeResponse',
    value: { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: text } },
  });
}

/** Says sorry once per turn at most; a failure to say it is only logged. */
export async function apologizeOnce(context: TurnContext, logger: Logger): Promise<void> {
  const record = turnRecord(context);
  if (record.apologized) return;
  record.apologized = true;
  try {
    if (context.activity.type === ActivityTypes.Invoke) await answerInvokeWithMessage(context, translate(localeOf(context), 'error.internal'));
    else await replyWithCard(context, errorCard(localeOf(context), 'internal'));
  } catch {
    logger.warn('turn.apology_failed');
  }
}

function errorFields(error: unknown): Record<string, string | number | undefined> {
  const e = error as { name?: string; code?: unknown; kind?: string; status?: number };
  if (isSendFailure(error)) return { errorName: error.name, sendFailure: error.kind, status: error.status, connectorCode: error.connectorCode };
  return { errorName: typeof e?.name === 'string' ? e.name : typeof error, errorCode: typeof e?.code === 'string' || typeof e?.code === 'number' ? String(e.code) : undefined };
}

/**
 * Settles a turn that threw: releases its claim unless its change was committed, tells the person what
 * was stored, and decides the HTTP answer.
 *
 * - Change committed: the claim stays (a redelivery changes nothing); an invoke is told it was saved.
 * - Nothing committed, invoke: the claim is released and the person told nothing was changed.
 * - Nothing committed, message or update: the claim is released and Teams is asked to redeliver (500);
 *   after a database error the person gets one apology; after a connector failure, none (it would not
 *   arrive, or the answer may have).
 * - 403, a disallowed host, a 413: nothing a redelivery would fix; the turn ends (a 413 gets a notice).
 */
export async function settleFailedTurn(db: Db, context: TurnContext, error: unknown, logger: Logger): Promise<TurnOutcome> {
  const record = turnRecord(context);
  const isInvoke = context.activity.type === ActivityTypes.Invoke;
  logger.error('turn.failed', { activityType: activityTypeForLog(context.activity.type), ...errorFields(error) });
  let committed = false;
  if (record.claimKey) {
    try {
      committed = (await releaseClaim(db, record.claimKey)).committed;
    } catch {
      unreleasedClaims.add(record.claimKey);
      logger.error('claim.release_failed');
    }
  }
  const locale = localeOf(context);
  if (isSendFailure(error) && error.kind === 'too_large') {
    if (isInvoke) await answerInvokeWithMessage(context, translate(locale, 'error.too_large'));
    else await replyWithCard(context, errorCard(locale, 'too_large')).catch(() => logger.warn('turn.notice_failed'));
    return 'done';
  }
  if (isInvoke) {
    // Reset any half-made answer: the person is told exactly what was stored.
    await answerInvokeWithMessage(context, translate(locale, committed ? 'error.internal.saved' : 'error.internal'));
    record.apologized = true;
    return 'done';
  }
  if (committed) return 'done';
  if (isSendFailure(error)) return error.kind === 'unreachable' || error.kind === 'host_not_allowed' || error.kind === 'rejected' ? 'done' : 'redeliver';
  await apologizeOnce(context, logger);
  return 'redeliver';
}
