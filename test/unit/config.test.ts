import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_DATABASE_URL, loadConfig } from '../../src/config';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
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

  it('with credentials, listens on all interfaces, leaves local mode and sends only to Teams hosts', () => {
    const config = loadConfig({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's3cret', NODE_ENV: 'production', ALLOWED_TENANT_IDS: TENANT });
    expect(config).toMatchObject({ host: '0.0.0.0', localMode: false, production: true, credentials: { appId: APP_ID, appType: 'MultiTenant' } });
    expect(config.tenants).toEqual({ kind: 'list', tenantIds: [TENANT] });
    expect(config.serviceHosts).toEqual({ kind: 'hosts', hosts: expect.arrayContaining(['smba.trafficmanager.net', 'smba.infra.gcc.teams.microsoft.com']) });
  });

  describe('the tenant fence (ALLOWED_TENANT_IDS)', () => {
    it('refuses a MultiTenant bot in production that names no tenants, unless set to * explicitly', () => {
      expect(problemsOf({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's', NODE_ENV: 'production' })).toEqual([
        expect.stringContaining('ALLOWED_TENANT_IDS is missing'),
      ]);
      expect(loadConfig({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's', NODE_ENV: 'production', ALLOWED_TENANT_IDS: '*' }).tenants).toEqual({ kind: 'any' });
    });

    it('defaults to its own tenant for a SingleTenant bot, and to any tenant in local mode', () => {
      const single = loadConfig({ MicrosoftAppId: APP_ID, MicrosoftAppPassword: 's', MicrosoftAppType: 'SingleTenant', MicrosoftAppTenantId: TENANT });
      expect(single.tenants).toEqual({ kind: 'list', tenantIds: [TENANT] });
      expect(loadConfig({}).tenants).toEqual({ kind: 'any' });
      expect(loadConfig({}).serviceHosts).toEqual({ kind: 'loopback' });
    });

    it('takes a comma-separated list and refuses garbage', () => {
      expect(loadConfig({ ALLOWED_TENANT_IDS: ` ${TENANT}, other-tenant ` }).tenants).toEqual({ kind: 'list', tenantIds: [TENANT, 'other-tenant'] });
      expect(problemsOf({ ALLOWED_TENANT_IDS: 'a b;c' })).toEqual([expect.stringContaining('ALLOWED_TENANT_IDS is "a b;c"')]);
    });
  });

  it('bounds the roster reconciliation to at most an hour and the token check to at most 10 s', () => {
    expect(loadConfig({}).rosterReconcileMinutes).toBe(60);
    expect(loadConfig({ ROSTER_RECONCILE_MINUTES: '15' }).rosterReconcileMinutes).toBe(15);
    expect(problemsOf({ ROSTER_RECONCILE_MINUTES: '61', AUTH_TIMEOUT_MS: '60000' })).toEqual([
      expect.stringContaining('ROSTER_RECONCILE_MINUTES is "61": set a whole number from 1 to 60'),
      expect.stringContaining('AUTH_TIMEOUT_MS is "60000"'),
    ]);
  });

  it('keeps Teams\' rate limits for reminders unless a benchmark lifts them, never in production', () => {
    expect(loadConfig({}).reminders.rateLimits).toBe('teams');
    expect(loadConfig({ REMINDER_RATE_LIMITS: 'off' }).reminders.rateLimits).toBe('off');
    expect(problemsOf({ REMINDER_RATE_LIMITS: 'none' })).toEqual([expect.stringContaining('REMINDER_RATE_LIMITS is "none": set teams (default) or off')]);
    const production = { NODE_ENV: 'production', MicrosoftAppId: '00000000-0000-4000-8000-000000000001', MicrosoftAppPassword: 'x', ALLOWED_TENANT_IDS: '*' };
    expect(loadConfig(production).reminders.rateLimits).toBe('teams');
    expect(problemsOf({ ...production, REMINDER_RATE_LIMITS: 'off' })).toEqual([expect.stringContaining('REMINDER_RATE_LIMITS=off lifts Teams\' rate limits')]);
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
