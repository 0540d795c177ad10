import { describe, expect, it } from 'vitest';
import { createRateLimiter, NO_RATE_LIMITS, TEAMS_RATE_LIMITS, type Clock } from '../../src/reminders/rate-limit';

/** A clock that only moves when told to, or when the limiter sleeps. */
function manualClock(start = 0): Clock & { advance(ms: number): void } {
  let now = start;
  return { now: () => now, sleep: async (ms) => void (now += ms), advance: (ms) => void (now += ms) };
}

describe('rate limiter', () => {
  it('lets 7 posts a second into a conversation; the 8th waits until a second after the first one was answered', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter(TEAMS_RATE_LIMITS, clock);
    const answeredAt: number[] = [];
    for (let i = 0; i < 8; i++) {
      const done = await limiter.take('group:g1', 'tenant');
      // Each post takes 40 ms to be answered: it reached Teams somewhere within those 40 ms.
      clock.advance(40);
      done();
      answeredAt.push(clock.now());
    }
    // The first was answered at 40; the 8th may only be taken at 1040, not at 1000 (a second after the
    // first was taken), or the two could reach Teams less than a second apart.
    expect(answeredAt[7]! - 40).toBe(answeredAt[0]! + 1000);
  });

  it('keeps 60 posts per 30 s in a conversation and the tenant ceiling across conversations', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter(TEAMS_RATE_LIMITS, clock);
    const takenAt: number[] = [];
    for (let i = 0; i < 61; i++) {
      (await limiter.take('group:g1', 'tenant'))();
      takenAt.push(clock.now());
    }
    expect(takenAt[60]! - takenAt[0]!).toBeGreaterThanOrEqual(30_000);
    const tenantClock = manualClock();
    const tenant = createRateLimiter(TEAMS_RATE_LIMITS, tenantClock);
    for (let i = 0; i < 31; i++) (await tenant.take(`group:g${i}`, 'tenant'))();
    expect(tenantClock.now()).toBe(1000);
  });

  it('never waits without limits', async () => {
    const clock = manualClock();
    const limiter = createRateLimiter(NO_RATE_LIMITS, clock);
    for (let i = 0; i < 1000; i++) (await limiter.take('group:g1', 'tenant'))();
    expect(clock.now()).toBe(0);
  });
});
