import { describe, expect, it } from 'vitest';
import { isAllowedServiceUrl, TEAMS_SERVICE_HOSTS } from '../../src/domain/service-hosts';
import { silentLogger } from '../../src/logger';
import { INTERACTIVE_LIMITS, PROACTIVE_LIMITS, retryAfterMs, SendFailure, sendPathPolicy, type SendLimits } from '../../src/teams/outbound';
import type { Db } from '../../src/storage/database';

const TEAMS = { kind: 'hosts', hosts: TEAMS_SERVICE_HOSTS } as const;

describe('allowed service hosts', () => {
  it.each([
    ['https://smba.trafficmanager.net/emea/', true],
    ['https://smba.trafficmanager.net/amer/v3/conversations', true],
    ['https://smba.infra.gcc.teams.microsoft.com/', true],
    ['https://smba.infra.gov.teams.microsoft.us/', true],
    ['https://smba.infra.dod.teams.microsoft.us/', true],
    ['http://smba.trafficmanager.net/emea/', false],
    ['https://smba.trafficmanager.net.attacker.example/', false],
    ['https://attacker.example/smba.trafficmanager.net/', false],
    ['https://user:pw@smba.trafficmanager.net/emea/', false],
    ['https://smba.trafficmanager.net:8443/emea/', false],
    ['http://127.0.0.1:3978/', false],
    ['not a url', false],
  ])('with credentials, %s → %s', (url, allowed) => {
    expect(isAllowedServiceUrl(url, TEAMS)).toBe(allowed);
  });

  it('in local mode, loopback only', () => {
    expect(isAllowedServiceUrl('http://127.0.0.1:56150/', { kind: 'loopback' })).toBe(true);
    expect(isAllowedServiceUrl('http://localhost:56150/', { kind: 'loopback' })).toBe(true);
    expect(isAllowedServiceUrl('https://smba.trafficmanager.net/emea/', { kind: 'loopback' })).toBe(false);
    expect(isAllowedServiceUrl(undefined, { kind: 'loopback' })).toBe(false);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('0.5')).toBe(500);
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

/** The policy against a scripted connector, with a fake clock that the sleeps advance. */
function harness(script: Array<number | Error | { status: number; retryAfter?: string }>, limits: SendLimits = INTERACTIVE_LIMITS) {
  let now = 1_000_000;
  const calls: Array<{ timeout: number }> = [];
  const waits: number[] = [];
  const policy = sendPathPolicy(
    { db: {} as Db, logger: silentLogger, hosts: { kind: 'loopback' }, clock: () => now, sleep: async (ms) => void (waits.push(ms), (now += ms)) },
    limits,
    now,
  );
  const next = async (request: { timeout: number }) => {
    calls.push({ timeout: request.timeout });
    const step = script.shift() ?? 200;
    if (step instanceof Error) throw step;
    const { status, retryAfter } = typeof step === 'number' ? { status: step, retryAfter: undefined } : step;
    return { status, headers: { get: (name: string) => (name === 'retry-after' ? retryAfter : undefined) }, bodyAsText: '{}' };
  };
  const send = (method: string, url = 'http://127.0.0.1:9/v3/conversations/c1/activities') => policy.sendRequest({ url, method, timeout: 0 }, next);
  return { send, calls, waits };
}

describe('the send-path policy', () => {
  it('refuses a host that is not allowed without calling it', async () => {
    const { send, calls } = harness([200]);
    await expect(send('POST', 'https://attacker.example/v3/conversations/c1/activities')).rejects.toMatchObject({ kind: 'host_not_allowed' });
    expect(calls).toHaveLength(0);
  });

  it('retries a POST that was not accepted (429, 412, 503), at most twice in a turn', async () => {
    for (const status of [429, 412, 503]) {
      const { send, calls } = harness([status, 200]);
      expect((await send('POST')).status).toBe(200);
      expect(calls).toHaveLength(2);
    }
    const { send, calls } = harness([429, 429, 429]);
    await expect(send('POST')).rejects.toMatchObject({ kind: 'throttled', status: 429 });
    expect(calls).toHaveLength(2);
  });

  it('tries a proactive post up to three times', async () => {
    const { send, calls } = harness([503, 503, 200], PROACTIVE_LIMITS);
    expect((await send('POST')).status).toBe(200);
    expect(calls).toHaveLength(3);
  });

  it('honours Retry-After only when the wait fits the deadline', async () => {
    const fits = harness([{ status: 429, retryAfter: '2' }, 200]);
    expect((await fits.send('POST')).status).toBe(200);
    expect(fits.waits).toEqual([2000]);
    const tooLong = harness([{ status: 429, retryAfter: '10' }, 200]);
    await expect(tooLong.send('POST')).rejects.toMatchObject({ kind: 'throttled' });
    expect(tooLong.waits).toEqual([]);
  });

  it('never repeats a POST that may have been accepted (5xx, 408, a timeout), but does repeat idempotent calls', async () => {
    for (const step of [500, 502, 504, 408, Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })]) {
      const post = harness([step, 200]);
      await expect(post.send('POST')).rejects.toMatchObject({ kind: 'ambiguous' });
      expect(post.calls).toHaveLength(1);
      const put = harness([step, 200]);
      expect((await put.send('PUT')).status).toBe(200);
      expect(put.calls).toHaveLength(2);
    }
  });

  it('repeats a POST whose connection was refused (nothing was sent)', async () => {
    const { send, calls } = harness([Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }), 200]);
    expect((await send('POST')).status).toBe(200);
    expect(calls).toHaveLength(2);
  });

  it('gives up at once on 404, 413 and other client errors, and bounds each call by the time left', async () => {
    for (const [status, kind] of [[404, 'not_found'], [413, 'too_large'], [400, 'rejected']] as const) {
      const { send, calls } = harness([status]);
      const failure = await send('POST').catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SendFailure);
      expect(failure).toMatchObject({ kind, status });
      expect(calls).toHaveLength(1);
      expect(calls[0]!.timeout).toBeLessThanOrEqual(INTERACTIVE_LIMITS.requestTimeoutMs);
    }
  });
});
