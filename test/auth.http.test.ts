/**
 * Authentication never fails open or loud: with credentials, a token that cannot be validated gets 401
 * whatever the reason (bad token, signing keys unreachable, a key server that hangs), within a bounded
 * time, and a failing key fetch is not repeated for every forged request.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { createLogger } from '../src/logger';
import { startBot, type RunningBot } from '../src/main';
import { messageActivity } from './support/activities';
import { createTestDatabaseUrl, type TestDatabase } from './support/databases';

const APP_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

/** An unsigned JWT that claims to come from Bot Framework for this bot. */
function forgedToken(): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return [
    part({ alg: 'RS256', typ: 'JWT', kid: 'forged-key' }),
    part({ iss: 'https://api.botframework.com', aud: APP_ID, serviceurl: 'https://smba.trafficmanager.net/emea/', nbf: now - 60, exp: now + 3600 }),
    Buffer.from('not-a-signature').toString('base64url'),
  ].join('.');
}

/** A loopback "OpenID metadata" server that never answers, counting the requests it got. */
async function startHangingServer(): Promise<{ url: string; requests: () => number; close(): Promise<void> }> {
  let count = 0;
  const server: Server = createServer(() => {
    count++; // never answers
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1/.well-known/openidconfiguration`,
    requests: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('authentication with Bot Framework credentials', () => {
  let bot: RunningBot | undefined;
  let database: TestDatabase | undefined;
  const logs: string[] = [];
  afterEach(async () => {
    await bot?.stop();
    await database?.drop();
    bot = undefined;
    logs.length = 0;
  });

  async function start(env: Record<string, string>) {
    database = await createTestDatabaseUrl('sqlite');
    bot = await startBot(
      loadConfig({ PORT: '0', HOST: '127.0.0.1', DATABASE_URL: database.url, MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'not-a-real-secret', ...env }),
      createLogger('debug', (line) => logs.push(line)),
    );
    return bot;
  }

  async function post(url: string, authorization: string, body: unknown = messageActivity('hjälp', { serviceUrl: 'https://smba.trafficmanager.net/emea/' })) {
    const response = await fetch(`${url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json().catch(() => undefined) };
  }

  it('gives 401, not 500, when the signing keys cannot be fetched (connection refused)', async () => {
    const running = await start({ BOT_OPENID_METADATA_URL: 'http://127.0.0.1:9/v1/.well-known/openidconfiguration' });
    const response = await post(running.url, `Bearer ${forgedToken()}`);
    expect(response).toEqual({ status: 401, body: { error: 'unauthorized' } });
    expect(await running.database.db.conversationReference.count()).toBe(0);
  });

  it('gives 401 after the timeout when the key server hangs, and refuses further tokens without a new fetch', async () => {
    const keys = await startHangingServer();
    try {
      const running = await start({ BOT_OPENID_METADATA_URL: keys.url, AUTH_TIMEOUT_MS: '300' });
      expect(await post(running.url, `Bearer ${forgedToken()}`)).toEqual({ status: 401, body: { error: 'unauthorized' } });
      for (let i = 0; i < 5; i++) expect((await post(running.url, `Bearer ${forgedToken()}`)).status).toBe(401);
      expect(keys.requests()).toBe(1);
      expect((await fetch(`${running.url}/healthz`)).status).toBe(200);
    } finally {
      await keys.close();
    }
  });

  it('logs a planted activity type as `other` before authentication', async () => {
    const running = await start({ BOT_OPENID_METADATA_URL: 'http://127.0.0.1:9/x' });
    const planted = { ...messageActivity('hjälp', { serviceUrl: 'https://smba.trafficmanager.net/emea/' }), type: 'planted-' + 'y'.repeat(20_000) };
    expect((await post(running.url, 'Bearer x.y.z', planted)).status).toBe(401);
    expect(logs.join('\n')).not.toContain('planted-');
    expect(logs.some((line) => line.includes('"activityType":"other"'))).toBe(true);
  });

  it('refuses an activity whose serviceUrl is not a Teams host before looking at the token', async () => {
    const running = await start({});
    const response = await post(running.url, `Bearer ${forgedToken()}`, messageActivity('hjälp', { serviceUrl: 'https://smba.attacker.example/' }));
    expect(response).toEqual({ status: 403, body: { error: 'service_url_not_allowed' } });
  });
});
