import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GROUP_SETUP_VERB } from '../src/teams/groups';
import { actionExecuteActivity, botAddedActivity, CHANNEL_ID, messageActivity, USERS } from './support/activities';
import { createTestGroup, startTestBot, type TestBot } from './support/bot';
import { adaptiveCardErrors } from './support/cards';
import { cardOf, cardText } from './support/fake-connector';
import { createTestDatabaseUrl, failNextStatement, testProviders } from './support/databases';
import { loadConfig } from '../src/config';
import { silentLogger } from '../src/logger';
import { startBot } from '../src/main';

const roster = [USERS.sara, USERS.anna];

for (const provider of testProviders()) {
  describe(`the bot over HTTP on ${provider}`, () => {
    let t: TestBot;
    beforeAll(async () => {
      t = await startTestBot(provider, roster);
    });
    afterAll(async () => t?.stop());
    beforeEach(() => t.connector.clear());

    const where = (extra: Partial<Parameters<typeof messageActivity>[1]> = {}) => ({ serviceUrl: t.connector.url, ...extra });

    async function say(text: string, extra: Partial<Parameters<typeof messageActivity>[1]> = {}) {
      const before = t.connector.activities.length;
      const response = await t.post(messageActivity(text, where(extra)));
      expect(response.status).toBe(200);
      const activities = await t.connector.waitForActivities(before + 1);
      return activities[before]!;
    }

    it('answers hjälp in a channel with the Swedish help card, in the post\'s thread', async () => {
      const reply = await say('hjälp');
      const card = cardOf(reply);
      expect(adaptiveCardErrors(card)).toEqual([]);
      expect(cardText(card)).toContain('Så här använder du Resursgrupp');
      expect(cardText(card)).toContain('**överenskommelse** · agreement');
      expect(cardText(card)).toContain('Den här konversationen är ännu inte en resursgrupp');
      expect(reply.conversationId).toMatch(new RegExp(`^${CHANNEL_ID}`));
    });

    it('matches commands case-insensitively and answers in English for an English client', async () => {
      const card = cardOf(await say('HELP', { locale: 'en-US' }));
      expect(cardText(card)).toContain('How to use Resursgrupp');
      const sv = cardOf(await say('  Hjälp  ', { locale: 'de-DE' }));
      expect(cardText(sv)).toContain('Så här använder du Resursgrupp');
    });

    it('answers an unknown command with a short localized hint, in both locales', async () => {
      expect(cardText(cardOf(await say('vad kan du?')))).toContain('Skriv **hjälp** för att se vad jag kan göra.');
      expect(cardText(cardOf(await say('what can you do?', { locale: 'en-GB' })))).toContain('Type **help** to see what I can do.');
    });

    it('answers the FACT board politely where there is no FACT team', async () => {
      expect(cardText(cardOf(await say('tavla', { scope: 'personal' })))).toContain('Jag hittar inget FACT-team för tavlan här.');
      expect(cardText(cardOf(await say('board', { scope: 'personal', locale: 'en-US' })))).toContain('I find no FACT team for the board here.');
    });

    it('answers in a personal chat too (no @mention there)', async () => {
      const card = cardOf(await say('help', { scope: 'personal', locale: 'en-US' }));
      expect(cardText(card)).toContain('How to use Resursgrupp');
    });

    it('sets up a resource group through the card form, refusing an identity number and an unknown case manager', async () => {
      const form = cardOf(await say('starta'));
      expect(adaptiveCardErrors(form)).toEqual([]);
      expect(cardText(form)).toContain('Starta resursgrupp');
      expect(cardText(form)).toContain('Anna Berg');
      const action = (form.actions as Array<{ verb: string }>)[0]!;
      expect(action.verb).toBe(GROUP_SETUP_VERB);

      // An identity number in the alias and a case manager from outside the roster: refused, nothing stored.
      const bad = await t.post(
        actionExecuteActivity(GROUP_SETUP_VERB, { alias: '19850101-1234', model: 'FACT', caseManager: '29:intruder', locale: 'sv' }, where()),
      );
      expect(bad.status).toBe(200);
      const badCard = (bad.body as { value: Record<string, unknown> }).value;
      expect(cardText(badCard)).toContain('Aliaset ser ut att innehålla ett personnummer');
      expect(cardText(badCard)).toContain('Välj en case manager bland konversationens medlemmar.');
      expect(adaptiveCardErrors(badCard)).toEqual([]);
      expect(await t.bot.database.db.resourceGroup.count()).toBe(0);

      const good = await t.post(
        actionExecuteActivity(GROUP_SETUP_VERB, { alias: 'K.L.', model: 'FACT', caseManager: USERS.anna.id, locale: 'sv' }, where()),
      );
      expect(good.status).toBe(200);
      const done = (good.body as { statusCode: number; type: string; value: Record<string, unknown> });
      expect(done.type).toBe('application/vnd.microsoft.card.adaptive');
      expect(cardText(done.value)).toContain('Resursgruppen är startad');
      expect(cardText(done.value)).toContain('Anna Berg');

      const group = await t.bot.database.db.resourceGroup.findUniqueOrThrow({ where: { conversationId: CHANNEL_ID }, include: { members: true } });
      expect(group).toMatchObject({ individualAlias: 'K.L.', caseManagementModel: 'FACT', conversationType: 'channel', timeZone: 'Europe/Stockholm' });
      expect(group.members.find((m) => m.isCaseManager)?.aadObjectId).toBe(USERS.anna.aadObjectId);
      const audit = await t.bot.database.db.auditEvent.findMany({ where: { groupId: group.id } });
      expect(audit.map((a) => a.action)).toContain('group.setup');
      expect(JSON.stringify(audit)).not.toContain('K.L.');

      // Help, read by everyone in the channel, never says whose group it is; a second set-up is refused,
      // with the group's details only in the private answer to a member's own press.
      const anna = USERS.anna;
      for (const from of [anna, USERS.sara]) {
        const help = cardText(cardOf(await say('hjälp', { from })));
        expect(help).toContain('Den här konversationen hör till en resursgrupp.');
        expect(help).not.toContain('K.L.');
      }
      const again = await t.post(actionExecuteActivity(GROUP_SETUP_VERB, { alias: 'X.Y.', model: 'ACT', caseManager: USERS.sara.id }, where({ from: anna })));
      expect(cardText((again.body as { value: unknown }).value)).toContain('Den här konversationen är redan en resursgrupp för');
      const outsiderPress = await t.post(actionExecuteActivity(GROUP_SETUP_VERB, { alias: 'X.Y.', model: 'ACT', caseManager: USERS.sara.id }, where()));
      expect(JSON.stringify(outsiderPress.body)).not.toMatch(/K\.L\.|Anna/);
      const inChannel = cardOf(await say('starta', { from: anna }));
      expect(cardText(inChannel)).toContain('Den här konversationen är redan en resursgrupp. Skriv **hjälp** för att se vad du kan göra här.');
      expect(JSON.stringify(inChannel)).not.toMatch(/K\.L\.|FACT|Anna/);
      expect(await t.bot.database.db.resourceGroup.count()).toBe(1);
    });

    it('refuses set-up from a caller without an Entra identity, and audits it', async () => {
      const response = await t.post(
        actionExecuteActivity(GROUP_SETUP_VERB, { alias: 'A.B.', model: 'ACT', caseManager: '29:x' }, where({ scope: 'groupChat', from: { id: '29:x', name: 'X' } })),
      );
      expect(cardText((response.body as { value: unknown }).value)).toContain('Du har inte behörighet att göra det här.');
      expect(await t.bot.database.db.resourceGroup.count({ where: { conversationType: 'groupChat' } })).toBe(0);
      expect(await t.bot.database.db.auditEvent.count({ where: { outcome: 'denied', reason: 'no_identity' } })).toBeGreaterThan(0);
    });

    it('explains that a personal chat cannot be a resource group', async () => {
      const card = cardOf(await say('setup', { scope: 'personal', locale: 'en-US' }));
      expect(cardText(card)).toContain('A resource group lives in a channel or group chat');
      const response = await t.post(actionExecuteActivity(GROUP_SETUP_VERB, { alias: 'A.B.', model: 'ACT', caseManager: USERS.sara.id }, where({ scope: 'personal' })));
      expect(cardText((response.body as { value: unknown }).value)).toContain('En resursgrupp hör hemma i en kanal eller gruppchatt');
      expect(await t.bot.database.db.resourceGroup.count({ where: { conversationType: 'personal' } })).toBe(0);
    });

    it('greets a channel when installed and records the conversation reference', async () => {
      const before = t.connector.activities.length;
      const response = await t.post(botAddedActivity(where({ scope: 'groupChat' })));
      expect(response.status).toBe(200);
      const [greeting] = (await t.connector.waitForActivities(before + 1)).slice(before);
      expect(cardText(cardOf(greeting))).toContain('Hej! Jag är Resursgrupp');
      const reference = await t.bot.database.db.conversationReference.findUnique({ where: { conversationId: '19:groupchat-kl@thread.v2' } });
      expect(reference?.serviceUrl).toBe(t.connector.url);
    });

    /** The bot is installed where `where` says; resolves with the text of its greeting. */
    async function greetingOnInstall(extra: Partial<Parameters<typeof messageActivity>[1]>): Promise<string> {
      const before = t.connector.activities.length;
      expect((await t.post(botAddedActivity(where(extra)))).status).toBe(200);
      const [greeting] = (await t.connector.waitForActivities(before + 1)).slice(before);
      return cardText(cardOf(greeting));
    }

    it('greets a group chat that is no resource group yet with the set-up hint, in Swedish and then English', async () => {
      expect(await t.bot.database.db.resourceGroup.count({ where: { conversationId: '19:groupchat-kl@thread.v2' } })).toBe(0);
      const text = await greetingOnInstall({ scope: 'groupChat', locale: 'en-US' });
      expect(text).toMatch(/^Hej! Jag är Resursgrupp\n[^]*skriv \*\*starta\*\*[^]*\nHello! I am Resursgrupp\n[^]*type \*\*setup\*\*/);
    });

    it('greets a personal chat in Swedish and then English with what the bot does there, without set-up', async () => {
      const text = await greetingOnInstall({ scope: 'personal' });
      expect(text).toMatch(/^Hej! Jag är Resursgrupp\n[^]*Skriv \*\*mina\*\*[^]*\nHello! I am Resursgrupp\n[^]*Type \*\*mine\*\*/);
      expect(text).not.toMatch(/starta|setup/);
    });

    it('greets a resource group\'s conversation in the group\'s language, without set-up hint or group details', async () => {
      const db = t.bot.database.db;
      const group = (await db.resourceGroup.findUnique({ where: { conversationId: CHANNEL_ID } })) ?? (await createTestGroup(t, USERS.sara));
      const sv = await greetingOnInstall({ locale: 'en-US' });
      expect(sv).toContain('Den här konversationen hör till resursgruppen. Nämn mig och skriv **hjälp** för att se vad jag kan göra.');
      expect(sv).not.toMatch(/Hello|starta|setup/);
      expect(sv).not.toContain(group.individualAlias);
      await db.resourceGroup.update({ where: { id: group.id }, data: { locale: 'en' } });
      try {
        const en = await greetingOnInstall({});
        expect(en).toContain('This conversation belongs to the resource group. Mention me and type **help** to see what I can do.');
        expect(en).not.toMatch(/Hej|starta|setup/);
      } finally {
        await db.resourceGroup.update({ where: { id: group.id }, data: { locale: group.locale } });
      }
    });

    it('records the conversation reference on every message, keyed by the channel without the thread suffix', async () => {
      await say('hjälp');
      const reference = await t.bot.database.db.conversationReference.findUnique({ where: { conversationId: CHANNEL_ID } });
      expect(reference).not.toBeNull();
      expect(JSON.parse(reference!.reference).conversation.id).toBe(CHANNEL_ID);
      expect(JSON.parse(reference!.reference).activityId).toBeUndefined();
    });

    it('logs structured lines with ids and codes, never message text, aliases or names', async () => {
      await say('vad kan du hemliga-ord?');
      await t.post(actionExecuteActivity(GROUP_SETUP_VERB, { alias: 'Q.Z. hemlig', model: 'FACT', caseManager: USERS.sara.id }, where({ scope: 'groupChat' })));
      expect(t.logs.length).toBeGreaterThan(5);
      for (const line of t.logs) {
        expect(() => JSON.parse(line)).not.toThrow();
        expect(line).not.toMatch(/hemlig|K\.L\.|Q\.Z\.|Sara Lind|Anna Berg|vad kan du/);
      }
      expect(t.logs.map((line) => JSON.parse(line).event)).toEqual(expect.arrayContaining(['command.unknown', 'action.handled']));
    });

    describe('bad input', () => {
      const cases: Array<[string, string | unknown, number, string]> = [
        ['malformed JSON', '{"type": "message", ', 400, 'invalid_json'],
        ['a non-object body', '[1,2,3]', 400, 'not_an_object'],
        ['a JSON string', '"hello"', 400, 'not_an_object'],
        ['a missing type', { text: 'hjälp', serviceUrl: 'http://127.0.0.1:1' }, 400, 'missing_type'],
        ['a missing serviceUrl (replies would go to the SDK\'s default host)', { type: 'message', text: 'hjälp' }, 400, 'missing_service_url'],
        ['a non-loopback serviceUrl in local mode', { type: 'message', text: 'hjälp', serviceUrl: 'https://smba.example.com/' }, 403, 'service_url_not_loopback'],
        ['a body over the size limit', JSON.stringify({ type: 'message', text: 'x'.repeat(300 * 1024) }), 413, 'body_too_large'],
      ];
      for (const [name, body, status, code] of cases) {
        it(`answers ${name} with ${status} and no internals, and keeps serving`, async () => {
          const response = await t.post(body);
          expect(response.status).toBe(status);
          expect(response.body).toEqual({ error: code });
          expect(t.connector.activities).toHaveLength(0);
          const health = await fetch(`${t.bot.url}/healthz`);
          expect(health.status).toBe(200);
        });
      }

      it('answers a handler failure with one localized apology and a 500 without internals, so Teams redelivers', async () => {
        // The group's read on the way to `hjälp` fails.
        failNextStatement(t.bot.database.sql, /FROM "ResourceGroup"/, new Error('secret internal detail'));
        const response = await t.post(messageActivity('hjälp', where({ locale: 'en-US' })));
        expect(response.status).toBe(500);
        expect(response.body).toEqual({ error: 'turn_failed' });
        const [reply] = await t.connector.waitForActivities(1);
        expect(cardText(cardOf(reply))).toContain('Sorry, something went wrong on my side.');
        expect(JSON.stringify(reply)).not.toContain('secret');
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(t.connector.activities).toHaveLength(1);
      });
    });
  });
}

describe('with Bot Framework credentials', () => {
  it('refuses an unauthenticated activity with 401 and no internals, and keeps serving', async () => {
    const database = await createTestDatabaseUrl('sqlite');
    const config = loadConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      DATABASE_URL: database.url,
      MicrosoftAppId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301',
      MicrosoftAppPassword: 'not-a-real-secret',
    });
    const bot = await startBot(config, silentLogger);
    try {
      const activity = messageActivity('hjälp', { serviceUrl: 'https://smba.trafficmanager.net/emea/' });
      for (const authorization of [undefined, 'Bearer not-a-jwt']) {
        const response = await fetch(`${bot.url}/api/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: JSON.stringify(activity),
        });
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({ error: 'unauthorized' });
      }
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
      expect(await bot.database.db.conversationReference.count()).toBe(0);
    } finally {
      await bot.stop();
      await database.drop();
    }
  });
});
