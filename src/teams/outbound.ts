/**
 * The one send path. Every call the bot makes to the Bot Connector (replies, proactive posts, updates,
 * roster reads) goes through the connector client of a turn, and this module takes that client over for
 * the turn, replacing botbuilder's own retry policy (up to 4 attempts, any Retry-After honoured without
 * a cap, back-off up to 64 s) with one that is bounded and honest:
 *
 * - the bot's token only goes to allowed service hosts (checked before every call);
 * - a call is tried at most twice in a turn that answers a person (three times for proactive posts),
 *   within a deadline, honouring Retry-After only when the wait fits;
 * - only failures that prove the connector did not accept the activity are repeated for posts (429, 412,
 *   503, connection refused); a 5xx or timeout after the body was sent may have been accepted and is not
 *   repeated (idempotent reads and updates are);
 * - 403 marks the conversation unreachable until it speaks to the bot again;
 * - every activity is checked against the card budget before it leaves.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Activity, Middleware, TurnContext } from 'botbuilder';
import { CARD_BUDGET_BYTES, jsonBytes } from '../cards/budget';
import { errorCard } from '../cards/notice';
import { isAllowedServiceUrl, type ServiceHostPolicy } from '../domain/service-hosts';
import { translate } from '../locales';
import type { Logger } from '../logger';
import { markConversationUnreachable } from '../storage/conversations';
import type { Db } from '../storage/database';
import { conversationKey, localeOf } from './context';
import { cardActivity } from './send';

/** How hard one turn tries: attempts per call, a deadline for all its calls, and a timeout per call. */
export interface SendLimits {
  maxAttempts: number;
  deadlineMs: number;
  requestTimeoutMs: number;
}

/** A turn that answers a person: Teams redelivers after about 15 s, so all sending ends well before. */
export const INTERACTIVE_LIMITS: SendLimits = { maxAttempts: 2, deadlineMs: 10_000, requestTimeoutMs: 5_000 };
/** A proactive post (announcements, later reminders): nobody waits on an HTTP answer. */
export const PROACTIVE_LIMITS: SendLimits = { maxAttempts: 3, deadlineMs: 30_000, requestTimeoutMs: 10_000 };

/** Wait before a retry when the connector gives no Retry-After. */
const DEFAULT_RETRY_MS = 1_000;
/** A retry is only worth starting with at least this much of the deadline left after the wait. */
const MIN_CALL_MS = 1_000;

export type SendFailureKind =
  | 'host_not_allowed' // the serviceUrl is not an allowed host: nothing was sent
  | 'unreachable' // 403: bot removed from the conversation, blocked or disabled
  | 'not_found' // 404: conversation or message gone
  | 'too_large' // 413: over Teams' message size
  | 'throttled' // 429 and no retry fitted
  | 'unavailable' // 412/503 or connection refused: not accepted, no retry fitted
  | 'ambiguous' // 5xx, 408 or a timeout after sending: may have been accepted
  | 'rejected'; // any other 4xx

/** A call to the Bot Connector that failed, classified; carries status and connector code, never bodies. */
export class SendFailure extends Error {
  constructor(
    readonly kind: SendFailureKind,
    readonly status?: number,
    readonly connectorCode?: string,
  ) {
    super(`send failed: ${kind}${status ? ` (${status})` : ''}`);
    this.name = 'SendFailure';
  }
}

export function isSendFailure(error: unknown): error is SendFailure {
  return error instanceof SendFailure;
}

// The few shapes of @azure/core-rest-pipeline this module relies on (a transitive dependency of
// botframework-connector; described here rather than imported).
interface PipelineRequest {
  url: string;
  method: string;
  timeout: number;
}
interface PipelineResponse {
  status: number;
  headers: { get(name: string): string | undefined };
  bodyAsText?: string | null;
}
type SendRequest = (request: PipelineRequest) => Promise<PipelineResponse>;
interface PipelinePolicy {
  name: string;
  sendRequest(request: PipelineRequest, next: SendRequest): Promise<PipelineResponse>;
}
interface Pipeline {
  removePolicy(options: { name: string }): unknown;
  addPolicy(policy: PipelinePolicy, options?: { phase?: 'Retry' }): void;
}

const POLICY_NAME = 'resursgruppSendPath';

/** Milliseconds from a Retry-After header (seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+(\.\d+)?$/.test(header.trim())) return Math.ceil(Number(header) * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function connectorCodeOf(response: PipelineResponse): string | undefined {
  try {
    const body = JSON.parse(response.bodyAsText ?? '') as { error?: { code?: unknown } };
    return typeof body.error?.code === 'string' ? body.error.code.slice(0, 80) : undefined;
  } catch {
    return undefined;
  }
}

function conversationIdOfUrl(url: string): string | undefined {
  const match = /\/v3\/conversations\/([^/?]+)/.exec(new URL(url).pathname);
  return match ? conversationKey(decodeURIComponent(match[1]!)) : undefined;
}

function failureKindOf(status: number): SendFailureKind {
  if (status === 403) return 'unreachable';
  if (status === 404) return 'not_found';
  if (status === 413) return 'too_large';
  if (status === 429) return 'throttled';
  if (status === 412 || status === 503) return 'unavailable';
  if (status >= 500 || status === 408) return 'ambiguous';
  return 'rejected';
}

export interface SendPathDeps {
  db: Db;
  logger: Logger;
  hosts: ServiceHostPolicy;
  sleep?: (ms: number) => Promise<void>;
  clock?: () => number;
}

/**
 * The pipeline policy that replaces botbuilder's retries for one turn.
 *
 * @example
 *   pipeline.addPolicy(sendPathPolicy(deps, INTERACTIVE_LIMITS, Date.now()), { phase: 'Retry' });
 */
export function sendPathPolicy(deps: SendPathDeps, limits: SendLimits, startedAt: number): PipelinePolicy {
  const clock = deps.clock ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = startedAt + limits.deadlineMs;
  return {
    name: POLICY_NAME,
    async sendRequest(request, next) {
      const origin = new URL(request.url).origin + '/';
      if (!isAllowedServiceUrl(origin, deps.hosts)) {
        deps.logger.error('send.host_not_allowed', { method: request.method });
        throw new SendFailure('host_not_allowed');
      }
      // Reads and PUT updates can be repeated safely; a POST creates a message and must not be doubled.
      const idempotent = request.method !== 'POST';
      const mayRetry = (attempt: number, waitMs: number) => attempt < limits.maxAttempts && clock() + waitMs + MIN_CALL_MS <= deadline;
      for (let attempt = 1; ; attempt++) {
        request.timeout = Math.max(1, Math.min(limits.requestTimeoutMs, deadline - clock()));
        let response: PipelineResponse;
        try {
          response = await next(request);
        } catch (error) {
          const notSent = (error as { code?: string })?.code === 'ECONNREFUSED' || (error as { cause?: { code?: string } })?.cause?.code === 'ECONNREFUSED';
          if ((notSent || idempotent) && mayRetry(attempt, DEFAULT_RETRY_MS)) {
            await sleep(DEFAULT_RETRY_MS);
            continue;
          }
          deps.logger.warn('send.failed', { method: request.method, kind: notSent ? 'unavailable' : 'ambiguous', attempts: attempt });
          throw new SendFailure(notSent ? 'unavailable' : 'ambiguous');
        }
        if (response.status < 400) return response;
        const kind = failureKindOf(response.status);
        const notAccepted = kind === 'throttled' || kind === 'unavailable';
        const wait = retryAfterMs(response.headers.get('retry-after'), clock()) ?? DEFAULT_RETRY_MS;
        if ((notAccepted || (idempotent && kind === 'ambiguous')) && mayRetry(attempt, wait)) {
          await sleep(wait);
          continue;
        }
        const connectorCode = connectorCodeOf(response);
        deps.logger.warn('send.failed', { method: request.method, status: response.status, kind, connectorCode, attempts: attempt });
        // A refused update says nothing about the conversation (the post may be too old to edit); the
        // new post that replaces it does.
        if (kind === 'unreachable' && request.method !== 'PUT') {
          const conversationId = conversationIdOfUrl(request.url);
          if (conversationId) await markConversationUnreachable(deps.db, conversationId, connectorCode ?? 'Forbidden', new Date(clock()));
        }
        throw new SendFailure(kind, response.status, connectorCode);
      }
    },
  };
}

/** Set while an incoming turn (someone waiting for the answer) runs, for the proactive turns it starts. */
const insideIncomingTurn = new AsyncLocalStorage<boolean>();

/** True for the continuation turn of a proactive post (continueConversationAsync). */
export function isProactiveTurn(context: TurnContext): boolean {
  return context.activity.type === 'event' && context.activity.name === 'ContinueConversation';
}

function pipelineOf(context: TurnContext): Pipeline | undefined {
  const key = (context.adapter as unknown as { ConnectorClientKey?: symbol }).ConnectorClientKey;
  const client = key ? (context.turnState.get(key) as { client?: { pipeline?: Pipeline } } | undefined) : undefined;
  return client?.client?.pipeline;
}

/**
 * Keeps every activity under the card budget: an over-budget message is replaced by a short notice and
 * an over-budget invoke answer by a message, so Teams never answers 413 for a view that grew.
 */
function enforceCardBudget(context: TurnContext, activities: Array<Partial<Activity>>, logger: Logger): void {
  for (let i = 0; i < activities.length; i++) {
    const activity = activities[i]!;
    if (activity.type !== 'message' && activity.type !== 'invokeResponse') continue;
    const bytes = jsonBytes(activity);
    if (bytes <= CARD_BUDGET_BYTES) continue;
    logger.error('card.over_budget', { activityType: activity.type, bytes });
    const locale = localeOf(context);
    if (activity.type === 'invokeResponse') {
      const value = { status: 200, body: { statusCode: 200, type: 'application/vnd.microsoft.activity.message', value: translate(locale, 'error.too_large') } };
      activities[i] = { ...activity, value };
    } else {
      const { attachments: _large, text: _text, ...rest } = activity;
      activities[i] = { ...rest, ...cardActivity(errorCard(locale, 'too_large')) };
    }
  }
}

/**
 * The middleware that puts every turn (incoming or proactive) on the send path.
 *
 * @example
 *   adapter.use(sendPathMiddleware({ db, logger, hosts: config.serviceHosts }));
 */
export function sendPathMiddleware(deps: SendPathDeps): Middleware {
  const clock = deps.clock ?? Date.now;
  return {
    async onTurn(context, next) {
      const pipeline = pipelineOf(context);
      // A proactive turn started from within an incoming turn (updating a post while someone waits for
      // the answer to their press) keeps the interactive limits: the person is still waiting.
      const someoneWaits = !isProactiveTurn(context) || insideIncomingTurn.getStore() === true;
      if (pipeline) {
        pipeline.removePolicy({ name: 'defaultRetryPolicy' });
        pipeline.removePolicy({ name: POLICY_NAME });
        pipeline.addPolicy(sendPathPolicy(deps, someoneWaits ? INTERACTIVE_LIMITS : PROACTIVE_LIMITS, clock()), { phase: 'Retry' });
      }
      context.onSendActivities(async (ctx, activities, sendNext) => {
        enforceCardBudget(ctx, activities, deps.logger);
        return sendNext();
      });
      await insideIncomingTurn.run(someoneWaits, next);
    },
  };
}
