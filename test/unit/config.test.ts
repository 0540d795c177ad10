import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DATABASE_URL, loadConfig } from '../../src/config';

const APP_ID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('runs locally with no settings: loopback, port 3978, embedded SQLite, Stockholm time', () => {
    expect(loadConfig({})).toMatchObject({
      port: 3978,
      host: '127.0.0.1',
      databaseUrl: DEFAULT_DATABASE_URL,
      databaseProvider: 'sqlite',
      localMode: true,
      credentials: undefined,
      defaultTimeZone: 'Europe/Stockholm',
    });
  });

  it('takes the port from PORT, as on Azure App Service, and PostgreSQL from DATABASE_URL', () => {
    expect(loadConfig({ PORT: '8080', DATABASE_URL: 'postgresql://u@db:5432/rg' })).toMatchObject({ port: 8080, databaseProvider: 'postgresql' });
  });

  it('with credentials, listens on all interfaces and leaves local mode', () => {
    const config = loadConfig({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's3cret', NODE_ENV: 'production' });
    expect(config).toMatchObject({ host: '0.0.0.0', localMode: false, production: true, credentials: { appId: APP_ID, appType: 'MultiTenant' } });
  });

  it('refuses production without credentials', () => {
    expect(problemsOf({ NODE_ENV: 'production' })).toEqual([expect.stringContaining('NODE_ENV=production but no Bot Framework credentials')]);
  });

  it('names every wrong setting at once, with what to set', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      MicrosoftAppId: 'not-a-guid',
      MicrosoftAppType: 'SingleTenant',
      LOG_LEVEL: 'loud',
      DEFAULT_TIME_ZONE: 'Mars/Olympus',
      MAX_BODY_BYTES: '10',
    });
    expect(problems).toHaveLength(8);
    expect(problems.join('\n')).toMatch(/PORT is "eighty"/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL must start with "file:"/);
    expect(problems.join('\n')).toMatch(/MicrosoftAppId must be/);
    expect(problems.join('\n')).toMatch(/MicrosoftAppPassword is missing/);
    expect(problems.join('\n')).toMatch(/MicrosoftAppTenantId is missing/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL is "loud"/);
    expect(problems.join('\n')).toMatch(/DEFAULT_TIME_ZONE is "Mars\/Olympus"/);
    expect(problems.join('\n')).toMatch(/MAX_BODY_BYTES is "10"/);
  });

  it('refuses to serve other interfaces without credentials', () => {
    expect(problemsOf({ HOST: '0.0.0.0' })).toEqual([expect.stringContaining('local mode')]);
  });

  it('refuses a password without an app id', () => {
    expect(problemsOf({ MicrosoftAppPassword: 'x' })).toEqual([expect.stringContaining('MicrosoftAppPassword is set but MicrosoftAppId is not')]);
  });
});
