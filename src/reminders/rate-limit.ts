/**
 * Teams' limits for a bot's posts, kept before Teams has to answer 429: per conversation at most 7 per
 * second and 60 per 30 seconds, and per tenant a configurable ceiling per second. Sliding windows of
 * the moments of the latest sends; `take` waits until a send fits every window, then records it.
 *
 * Per conversation the limit holds across instances because one process at a time sends to a
 * destination (storage/reminders.ts SendLease). The tenant ceiling is per process: with N instances,
 * set REMINDER_TENANT_RATE to the tenant's ceiling divided by N.
 *
 * Teams counts a post when it arrives, at some moment between `take` and the connector's answer (after
 * the sender's own lookups, and the send path's retries). So a post counts from `take` while it is on
 * its way and from its answer once `done` is called: measured from the answers, the windows hold at
 * Teams whatever the latency. (Counted from `take` alone, a slow first post and a fast eighth one
 * arrived within one second: 8 posts in a second at the connector, seen in bench:reminders.)
 */

export interface RateWindow {
  /** At most this many sends … */
  max: number;
  /** … in any window of this many milliseconds. */
  ms: number;
}

export interface RateLimits {
  perConversation: readonly RateWindow[];
  perTenant: readonly RateWindow[];
}

/** Teams' documented limits per bot and conversation, and 30 per second per tenant. */
export const TEAMS_RATE_LIMITS: RateLimits = {
  perConversation: [
    { max: 7, ms: 1_000 },
    { max: 60, ms: 30_000 },
  ],
  perTenant: [{ max: 30, ms: 1_000 }],
};

/** No limits at all (benchmarks measure the scheduler's own cost with them lifted). */
export const NO_RATE_LIMITS: RateLimits = { perConversation: [], perTenant: [] };

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

/** How many posts between two passes that forget conversations no longer in any window. */
const PRUNE_EVERY = 500;

export const realClock: Clock = { now: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/**
 * A limiter for one process.
 *
 * @example
 *   const limiter = createRateLimiter(TEAMS_RATE_LIMITS);
 *   const done = await limiter.take('group:g1', 'tenant-1');
 *   await post().finally(done);
 */
export function createRateLimiter(limits: RateLimits, clock: Clock = realClock) {
  /** The moments posts count from, per key; one post's entry is shared by its conversation and tenant. */
  const history = new Map<string, Array<{ at: number }>>();
  const longest = (windows: readonly RateWindow[]) => windows.reduce((max, w) => Math.max(max, w.ms), 0);

  /** How long until one more send fits every window of `key`; 0 when it fits now. */
  function waitFor(key: string, windows: readonly RateWindow[], at: number): number {
    const sent = (history.get(key) ?? []).map((entry) => entry.at).sort((a, b) => a - b);
    let wait = 0;
    for (const window of windows) {
      const inWindow = sent.filter((t) => t > at - window.ms);
      if (inWindow.length >= window.max) wait = Math.max(wait, inWindow[inWindow.length - window.max]! + window.ms - at);
    }
    return wait;
  }

  const keepAll = Math.max(longest(limits.perConversation), longest(limits.perTenant));
  let recordsSincePrune = 0;

  function record(key: string, windows: readonly RateWindow[], entry: { at: number }): void {
    const keep = longest(windows);
    const sent = (history.get(key) ?? []).filter((e) => e.at > entry.at - keep);
    sent.push(entry);
    history.set(key, sent);
    // Keys whose posts all left every window are forgotten, so the map holds only the conversations
    // posted to in the last window, not every one ever (bounded by the rate itself).
    if (++recordsSincePrune >= PRUNE_EVERY) {
      recordsSincePrune = 0;
      for (const [other, entries] of history) if (entries.every((e) => e.at <= entry.at - keepAll)) history.delete(other);
    }
  }

  return {
    /** How many conversations and tenants it remembers posts of (bounded: those posted to within the longest window, and at most PRUNE_EVERY more). */
    trackedKeys: () => history.size,
    /**
     * Waits until a post to `conversation` in `tenant` fits the limits, and counts it. Returns `done`:
     * call it when the post was answered (or failed), so that it counts from then on.
     */
    async take(conversation: string, tenant: string): Promise<() => void> {
      const conversationKey = `c:${conversation}`;
      const tenantKey = `t:${tenant}`;
      for (;;) {
        const at = clock.now();
        const wait = Math.max(waitFor(conversationKey, limits.perConversation, at), waitFor(tenantKey, limits.perTenant, at));
        if (wait <= 0) {
          const entry = { at };
          if (limits.perConversation.length > 0) record(conversationKey, limits.perConversation, entry);
          if (limits.perTenant.length > 0) record(tenantKey, limits.perTenant, entry);
          return () => {
            entry.at = Math.max(entry.at, clock.now());
          };
        }
        await clock.sleep(wait);
      }
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
