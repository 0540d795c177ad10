/**
 * Authentication never fails open or loud. botbuilder validates each request's JWT against Bot
 * Framework's OpenID signing keys, which it fetches without a timeout and, when the fetch fails, answers
 * with an error that became a 500. Here every request whose token cannot be validated, for whatever
 * reason, is refused (401) within a bounded time, and a failing key fetch opens a short circuit during
 * which tokens are refused at once, so forged requests cannot each start a new outbound fetch.
 */
import type { Activity } from 'botbuilder';
import type { Logger } from '../logger';

/** How long tokens are refused without trying after the signing keys could not be fetched. */
export const KEY_FETCH_COOLDOWN_MS = 30_000;

/** Thrown for every request that is not authenticated; the HTTP layer answers 401. */
export class NotAuthenticated extends Error {
  readonly statusCode = 401;
  constructor(readonly reason: 'invalid_token' | 'timeout' | 'keys_unavailable') {
    super('not authenticated');
    this.name = 'NotAuthenticated';
  }
}

interface Authenticator {
  authenticateRequest(activity: Activity, authHeader: string): Promise<unknown>;
}

/** A token that was checked and is wrong (as opposed to one that could not be checked). */
function isTokenRejection(error: unknown): boolean {
  const e = error as { statusCode?: number; message?: unknown };
  if (typeof e?.statusCode === 'number' && e.statusCode >= 500) return false;
  if (e?.statusCode === 401 || e?.statusCode === 403) return true;
  const message = typeof e?.message === 'string' ? e.message : '';
  return !/fetch|request to|load openID|load keys|ENOTFOUND|ECONNREFUSED|EAI_AGAIN|ETIMEDOUT|socket|network/i.test(message);
}

/**
 * Wraps an adapter's authenticator in a timeout and a circuit breaker.
 *
 * @example
 *   guardAuthentication(adapter as { botFrameworkAuthentication: … }, 5000, logger);
 */
export function guardAuthentication(holder: { botFrameworkAuthentication: Authenticator }, timeoutMs: number, logger: Logger, clock: () => number = Date.now): void {
  const inner = holder.botFrameworkAuthentication;
  const authenticateRequest = inner.authenticateRequest.bind(inner);
  let refuseUntil = 0;
  inner.authenticateRequest = async (activity, authHeader) => {
    if (clock() < refuseUntil) throw new NotAuthenticated('keys_unavailable');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new NotAuthenticated('timeout')), timeoutMs);
    });
    const attempt = authenticateRequest(activity, authHeader);
    attempt.catch(() => undefined); // settles after a timeout too; nobody waits for it then
    try {
      return await Promise.race([attempt, timeout]);
    } catch (error) {
      if (error instanceof NotAuthenticated || !isTokenRejection(error)) {
        refuseUntil = clock() + KEY_FETCH_COOLDOWN_MS;
        logger.error('auth.keys_unavailable', { cooldownMs: KEY_FETCH_COOLDOWN_MS });
        throw new NotAuthenticated(error instanceof NotAuthenticated ? error.reason : 'keys_unavailable');
      }
      throw new NotAuthenticated('invalid_token');
    } finally {
      clearTimeout(timer);
    }
  };
}
