/**
 * Nothing lost, nothing leaked (issue 7): failed turns and their redelivery, the send path against a
 * connector that answers 429/502/504/403/413, the tenant fence, the card budget at the send path, roster
 * reconciliation and the small ones (415, invisible text, unknown invokes). Real bot, real database,
 * real HTTP; the fake connector is the edge we do not own.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionExecuteActivity, BOT, CHANNEL_ID, messageActivity, TEAM_ID, TENANT_ID, USERS, type TestUser } from './support/activities';
import { createTestGroup, startTestBot, talkTo, type TestBot } from './support/bot';
import { failNextStatement, testProviders } from './support/databases';
import { cardOf, cardText } from './support/fake-connector';
import { CARD_BUDGET_BYTES, jsonBytes } from '../src/cards/budget';

const roster = [USERS.sara, USERS.anna, USERS.omar];
const tomorrow = () => new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);

/** Patches a function once: the next call rejects, later calls run the original. */
function failOnce<T extends object>(target: T, method: keyof T, error = new Error('database is down (secret detail)')) {
  const original = target[method] as unknown as (...args: unknown[]) => unknown;
  (target as Record<keyof T, unknown>)[method] = () => {
    (target as Record<keyof T, unknown>)[method] = original;
    return Promise.reject(error);
  };
}

function membersRemovedActivity(serviceUrl: string, removed: TestUser) {
  return {
    id: randomUUID(),
    type: 'conversationUpdate',
    channelId: 'msteams',
    serviceUrl,
    timestamp: new Date().toISOString(),
    from: { id: USERS.sara.id, name: USERS.sara.name, aadObjectId: USERS.sara.aadObjectId },
    recipient: { ...BOT },
    conversation: { id: CHANNEL_ID, conversationType: 'channel', tenantId: TENANT_ID, isGroup: true },
    membersRemoved: [{ id: removed.id }],
    channelData: { eventType: 'teamMemberRemoved', team: { id: TEAM_ID }, tenant: { id: TENANT_ID } },
  };
}

function withTenant<T extends { conversation: object; channelData?: object }>(activity: T, tenantId: string): T {
  return {
    ...activity,
    conversation: { ...activity.conversation, tenantId },
    channelData: { ...(activity.channelData ?? {}), tenant: { id: tenantId } },
  };
}

for (const provider of testProviders()) {
  describe(`reliability on ${provider}`, () => {
    let t: TestBot;
    let groupId: string;
    const db = () => t.bot.database.db;
    const { execute, where } = talkTo(() => t);
    const settle = () => new Promise((resolve) => setTimeout(resolve, 150));

    beforeAll(async () => {
      t = await startTestBot(provider, roster);
      groupId = (await createTestGroup(t, USERS.sara)).id;
      await db().resourceGroup.update({ where: { id: groupId }, data: { tenantId: TENANT_ID } });
      await db().member.create({
        data: { groupId, teamsUserId: USERS.anna.id, aadObjectId: USERS.anna.aadObjectId, displayName: USERS.anna.name, role: 'nurse', principal: 'region', consentRecordedAt: new Date() },
      });
    });
    afterAll(async () => t?.stop());
    beforeEach(() => t.connector.clear());

    async function createGoal(text: string) {
      const answer = await execute('goalCreate', { lifeArea: 'housing', text, responsible: '', targetDate: '', individualAgreed: 'true' });
      expect(cardText(answer.card)).toContain('Målet är sparat.');
      return db().goal.findFirstOrThrow({ where: { groupId, text } });
    }

    describe('a failed turn is never lost', () => {
      it('a membersRemoved whose database update failed answers 500; its redelivery ends the membership once', async () => {
        await db().member.create({ data: { groupId, teamsUserId: USERS.omar.id, aadObjectId: USERS.omar.aadObjectId, displayName: USERS.omar.name, role: 'other', principal: 'other', consentRecordedAt: new Date() } });
        const activity = membersRemovedActivity(t.connector.url, USERS.omar);
        failOnce(db(), '$transaction');
        const first = await t.post(activity);
        expect(first.status).toBe(500);
        expect(first.body).toEqual({ error: 'turn_failed' });
        expect(JSON.stringify(first.body)).not.toContain('secret');
        expect(await db().member.count({ where: { groupId, teamsUserId: USERS.omar.id, removedAt: null } })).toBe(1);

        const redelivered = await t.post(activity);
        expect(redelivered.status).toBe(200);
        expect(await db().member.count({ where: { groupId, teamsUserId: USERS.omar.id, removedAt: null } })).toBe(0);
        expect(await db().auditEvent.count({ where: { groupId, action: 'member.left_conversation' } })).toBe(1);
        // The departed member no longer opens the plan.
        expect((await execute('planShow', {}, USERS.omar)).message).toContain('inte registrerad medlem');

        const third = await t.post(activity);
        expect(third.status).toBe(200);
        expect(await db().auditEvent.count({ where: { groupId, action: 'member.left_conversation' } })).toBe(1);
      });

      it('a message whose reply got a 502 is not repeated blindly: 500 for Teams, and the redelivery answers once', async () => {
        const activity = messageActivity('plan', where());
        t.connector.failNext({ status: 502, method: 'POST' });
        const first = await t.post(activity);
        expect(first.status).toBe(500);
        await settle();
        // One POST: a 502 after the body was sent may have been accepted; no apology either.
        expect(t.connector.requests.filter((r) => r.method === 'POST')).toEqual([expect.objectContaining({ status: 502 })]);
        expect(t.connector.activities).toHaveLength(0);

        const redelivered = await t.post(activity);
        expect(redelivered.status).toBe(200);
        const [reply] = await t.connector.waitForActivities(1);
        expect(cardText(cardOf(reply))).toContain('Planen för resursgruppen');
        await settle();
        expect(t.connector.activities).toHaveLength(1);
      });

      it('a goal update that failed in the database says nothing was changed; its redelivery saves it once', async () => {
        const goal = await createGoal('Mål som uppdateras efter ett databasfel');
        const activity = actionExecuteActivity('goalUpdate', { goalId: goal.id, versions: { [goal.id]: goal.version }, status: 'in_progress', progress: '4' }, where());
        failOnce(db(), '$transaction');
        const first = await t.post(activity);
        expect(first.status).toBe(200);
        expect((first.body as { value: string }).value).toBe('Förlåt, något gick fel hos mig. Försök igen om en stund. Inget har ändrats.');
        expect(await db().goalUpdate.count({ where: { goalId: goal.id, progress: 4 } })).toBe(0);

        const redelivered = await t.post(activity);
        expect(cardText((redelivered.body as { value: unknown }).value)).toContain('Uppdateringen är sparad.');
        expect(await db().goalUpdate.count({ where: { goalId: goal.id, progress: 4 } })).toBe(1);
      });

      it('a goal update whose post update got a 502 tells the person it was saved, posts nothing new, and the redelivery changes nothing', async () => {
        const goal = await createGoal('Mål vars kanalinlägg misslyckas');
        t.connector.clear();
        const activity = actionExecuteActivity('goalUpdate', { goalId: goal.id, versions: { [goal.id]: goal.version }, status: 'in_progress', progress: '6' }, where());
        // The connector keeps failing. An update may be repeated (a PUT), within the turn's two attempts;
        // it may have been applied, so no new post is made in its place.
        t.connector.failNext(...Array.from({ length: 4 }, () => ({ status: 502 })));
        const first = await t.post(activity);
        expect(cardText((first.body as { value: unknown }).value)).toContain('Uppdateringen är sparad.');
        expect(t.connector.requests.map((r) => `${r.method} ${r.status}`)).toEqual(['PUT 502', 'PUT 502']);
        expect(await db().goalUpdate.count({ where: { goalId: goal.id, progress: 6 } })).toBe(1);

        const redelivered = await t.post(activity);
        expect((redelivered.body as { value: string }).value).toBe('Det här har redan tagits emot. Inget har ändrats.');
        expect(await db().goalUpdate.count({ where: { goalId: goal.id, progress: 6 } })).toBe(1);
        t.connector.clear();
      });


      it('an agreement saved before a later step failed is reported as saved, and its redelivery creates nothing', async () => {
        const what = `Ringa hyresvärden ${randomUUID().slice(0, 8)}`;
        const activity = actionExecuteActivity('agreementCreate', { what, responsible: (await db().member.findFirstOrThrow({ where: { groupId, teamsUserId: USERS.anna.id } })).id, dueDate: tomorrow() }, where());
        // The agreement's transaction writes its audit rows in the transaction; the read audited
        // afterwards for the view is a statement of its own, and fails once.
        failNextStatement(t.bot.database.sql, /^INSERT INTO "AuditEvent"/, undefined, 'alone');
        const first = await t.post(activity);
        expect((first.body as { value: string }).value).toBe('Din ändring sparades, men jag kunde inte visa resultatet. Tryck på Uppdatera för att se det.');
        expect(await db().agreement.count({ where: { groupId, what } })).toBe(1);

        const redelivered = await t.post(activity);
        expect((redelivered.body as { value: string }).value).toBe('Det här har redan tagits emot. Inget har ändrats.');
        expect(await db().agreement.count({ where: { groupId, what } })).toBe(1);
      });

      it('two deliveries of one card action at once create one goal', async () => {
        const text = `Samtidigt mål ${randomUUID().slice(0, 8)}`;
        const activity = actionExecuteActivity('goalCreate', { lifeArea: 'work', text, responsible: '', targetDate: '', individualAgreed: 'true' }, where());
        await Promise.all([t.post(activity), t.post(activity)]);
        expect(await db().goal.count({ where: { groupId, text } })).toBe(1);
      });
    });

    describe('one send path, bounded and honest', () => {
      const postCount = () => t.connector.requests.filter((r) => r.method === 'POST').length;

      it('retries a 429 once after its Retry-After when the wait fits', async () => {
        t.connector.failNext({ status: 429, method: 'POST', headers: { 'retry-after': '1' } });
        const response = await t.post(messageActivity('hjälp', where()));
        expect(response.status).toBe(200);
        expect(t.connector.requests.map((r) => r.status)).toEqual([429, 200]);
        expect(cardText(cardOf(t.connector.activities[0]))).toContain('Så här använder du Resursgrupp');
      });

      it('retries a 429 without Retry-After once after a short pause', async () => {
        t.connector.failNext({ status: 429, method: 'POST' });
        expect((await t.post(messageActivity('hjälp', where()))).status).toBe(200);
        expect(t.connector.requests.map((r) => r.status)).toEqual([429, 200]);
        expect(cardText(cardOf(t.connector.activities[0]))).toContain('Så här använder du Resursgrupp');
      });

      it('does not wait for a Retry-After that does not fit the turn, and asks Teams to redeliver', async () => {
        t.connector.failNext({ status: 429, method: 'POST', headers: { 'retry-after': '120' } });
        const response = await t.post(messageActivity('hjälp', where()));
        expect(response.status).toBe(500);
        await settle();
        expect(postCount()).toBe(1);
      });

      it('tries a reply at most twice and apologises at most once', async () => {
        t.connector.failNext({ status: 429, method: 'POST' }, { status: 429, method: 'POST' }, { status: 429, method: 'POST' });
        const response = await t.post(messageActivity('hjälp', where()));
        expect(response.status).toBe(500);
        await settle();
        expect(postCount()).toBe(2);
        expect(t.connector.activities).toHaveLength(0);
      });

      for (const status of [502, 504]) {
        it(`does not repeat a post that got ${status} (it may have been accepted)`, async () => {
          t.connector.failNext({ status, method: 'POST' });
          expect((await t.post(messageActivity('hjälp', where()))).status).toBe(500);
          await settle();
          expect(postCount()).toBe(1);
        });
      }

      it('marks a conversation unreachable on 403, posts nothing proactively there, and clears it when the conversation speaks again', async () => {
        t.connector.failNext({ status: 403, method: 'POST', body: { error: { code: 'BotNotInConversationRoster', message: 'x' } } });
        const response = await t.post(messageActivity('hjälp', where()));
        expect(response.status).toBe(200);
        const reference = await db().conversationReference.findUniqueOrThrow({ where: { conversationId: CHANNEL_ID } });
        expect(reference.unreachableAt).not.toBeNull();
        expect(reference.unreachableReason).toBe('BotNotInConversationRoster');

        t.connector.clear();
        expect(await t.bot.bot.postToConversation(CHANNEL_ID, { type: 'message', text: 'x' })).toBeUndefined();
        expect(t.connector.requests).toHaveLength(0);

        expect((await t.post(messageActivity('hjälp', where()))).status).toBe(200);
        expect((await db().conversationReference.findUniqueOrThrow({ where: { conversationId: CHANNEL_ID } })).unreachableAt).toBeNull();
        expect(await t.bot.bot.postToConversation(CHANNEL_ID, { type: 'message', text: 'x' })).toEqual({ conversationId: CHANNEL_ID, activityId: expect.any(String) });
      });

      it('answers a 413 with a short notice instead of the card, once', async () => {
        t.connector.failNext({ status: 413, method: 'POST', body: { error: { code: 'MessageSizeTooBig' } } });
        expect((await t.post(messageActivity('hjälp', where()))).status).toBe(200);
        const [notice] = await t.connector.waitForActivities(1);
        expect(cardText(cardOf(notice))).toContain('Det här är för mycket för ett meddelande.');
        expect(t.connector.requests.map((r) => r.status)).toEqual([413, 200]);
      });

      it('never sends an activity over the card budget: it is replaced by a notice', async () => {
        const huge = { type: 'AdaptiveCard', version: '1.5', body: Array.from({ length: 400 }, () => ({ type: 'TextBlock', text: 'x'.repeat(400) })) };
        expect(jsonBytes(huge)).toBeGreaterThan(CARD_BUDGET_BYTES);
        const sent = await t.bot.bot.postToConversation(CHANNEL_ID, {
          type: 'message',
          attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', content: huge }],
        });
        expect(sent?.activityId).toBeTruthy();
        const [posted] = await t.connector.waitForActivities(1);
        expect(jsonBytes(posted!.activity)).toBeLessThan(CARD_BUDGET_BYTES);
        expect(cardText(cardOf(posted))).toContain('Det här är för mycket för ett meddelande.');
      });

      it('sends nothing to a stored reference whose serviceUrl is not an allowed host', async () => {
        const conversationId = '19:elsewhere@thread.v2';
        await db().conversationReference.create({
          data: { conversationId, serviceUrl: 'https://attacker.example.com/', reference: JSON.stringify({ serviceUrl: 'https://attacker.example.com/', conversation: { id: conversationId }, channelId: 'msteams', bot: BOT }) },
        });
        expect(await t.bot.bot.postToConversation(conversationId, { type: 'message', text: 'x' })).toBeUndefined();
      });
    });

    describe('the tenant fence', () => {
      it('refuses an activity from another tenant in a group\'s channel: no content, audited, the stored reference untouched', async () => {
        const before = await db().conversationReference.findUniqueOrThrow({ where: { conversationId: CHANNEL_ID } });
        const foreign = withTenant(actionExecuteActivity('planShow', {}, where()), 'tenant-evil');
        const response = await t.post(foreign);
        expect(response.status).toBe(403);
        expect(JSON.stringify(response.body)).not.toContain('K.L.');
        const message = await t.post(withTenant(messageActivity('plan', where(USERS.sara, { serviceUrl: 'http://127.0.0.1:9/' })), 'tenant-evil'));
        expect(message.status).toBe(403);
        await settle();
        expect(t.connector.activities).toHaveLength(0);
        const after = await db().conversationReference.findUniqueOrThrow({ where: { conversationId: CHANNEL_ID } });
        expect(after).toEqual(before);
        expect(await db().auditEvent.count({ where: { groupId, action: 'access.denied', reason: 'tenant' } })).toBe(2);
      });

      it('refuses to set up a group in a conversation that belongs to another tenant', async () => {
        const conversationId = '19:groupchat-kl@thread.v2';
        await t.post(messageActivity('hjälp', where(USERS.sara, { scope: 'groupChat' })));
        const setup = withTenant(actionExecuteActivity('groupSetup', { alias: 'X.Y.', model: 'ACT', caseManager: USERS.sara.id }, where(USERS.sara, { scope: 'groupChat' })), 'tenant-evil');
        expect((await t.post(setup)).status).toBe(403);
        expect(await db().resourceGroup.count({ where: { conversationId } })).toBe(0);
        expect((await db().conversationReference.findUniqueOrThrow({ where: { conversationId } })).tenantId).toBe(TENANT_ID);
      });
    });

    describe('small ones', () => {
      it('answers a non-JSON content type with 415', async () => {
        const response = await fetch(`${t.bot.url}/api/messages`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(messageActivity('hjälp', where())) });
        expect(response.status).toBe(415);
        expect(await response.json()).toEqual({ error: 'unsupported_media_type' });
        expect(t.connector.activities).toHaveLength(0);
      });

      it('treats text of only invisible characters as empty', async () => {
        const before = await db().goal.count({ where: { groupId } });
        const answer = await execute('goalCreate', { lifeArea: 'housing', text: '\u200b\u202e\u2066 \u200d\ufeff', responsible: '', targetDate: '', individualAgreed: 'true' });
        expect(cardText(answer.card)).toContain('Skriv målet');
        expect(await db().goal.count({ where: { groupId } })).toBe(before);
      });

      it('answers an unknown verb and an unknown invoke politely instead of an empty 501', async () => {
        const unknownVerb = await execute('noSuchVerb', {});
        expect(unknownVerb).toEqual({ status: 200, message: 'Den här knappen eller åtgärden känner jag inte igen. Skriv **hjälp** för att se vad jag kan göra.' });
        const unknownInvoke = await t.post({ ...actionExecuteActivity('x', {}, where(USERS.sara, { locale: 'en-US' })), name: 'composeExtension/unknownThing' });
        expect(unknownInvoke.status).toBe(200);
        expect((unknownInvoke.body as { value: string }).value).toBe('I do not recognise this button or action. Type **help** to see what I can do.');
      });

      it('logs an activity type it does not know as `other`, never the caller\'s text', async () => {
        const planted = 'planted-log-line-' + 'x'.repeat(5000);
        const response = await t.post({ ...messageActivity('hjälp', where()), type: planted });
        expect(response.status).toBeLessThan(500);
        expect(t.logs.join('\n')).not.toContain('planted-log-line');
      });
    });

    describe('memberships reconciled against the roster', () => {
      it('ends the membership of a Teams member missing from the roster, keeps contacts, and skips a roster it cannot read', async () => {
        const gone = { id: '29:gone', name: 'Gone Person', aadObjectId: '00000000-0000-4000-8000-0000000000ff' };
        await db().member.create({ data: { groupId, teamsUserId: gone.id, aadObjectId: gone.aadObjectId, displayName: gone.name, role: 'other', principal: 'other', consentRecordedAt: new Date() } });
        await db().member.create({ data: { groupId, displayName: 'Kontakt utan Teams', role: 'relative', principal: 'private' } });

        // The channel has spoken, so the bot has its conversation reference to read the roster through.
        expect((await t.post(messageActivity('hjälp', where()))).status).toBe(200);
        t.connector.rosterStatus = 403;
        // Every group is due (last checked before an hour from now).
        const all = () => ({ dueBefore: new Date(Date.now() + 3_600_000), budgetMs: 60_000 });
        const skipped = await t.bot.bot.reconcileMemberships(all());
        expect(skipped.groupsSkipped).toBeGreaterThanOrEqual(1);
        expect(await db().member.count({ where: { groupId, teamsUserId: gone.id, removedAt: null } })).toBe(1);

        t.connector.rosterStatus = undefined;
        // Due again (as after its interval).
        await db().resourceGroup.updateMany({ data: { rosterCheckedAt: null } });
        const result = await t.bot.bot.reconcileMemberships(all());
        expect(result.membershipsEnded).toBeGreaterThanOrEqual(1);
        expect(await db().member.count({ where: { groupId, teamsUserId: gone.id, removedAt: null } })).toBe(0);
        expect(await db().member.count({ where: { groupId, displayName: 'Kontakt utan Teams', removedAt: null } })).toBe(1);
        expect(await db().member.count({ where: { groupId, teamsUserId: USERS.anna.id, removedAt: null } })).toBe(1);
        expect(await db().auditEvent.count({ where: { groupId, action: 'member.left_conversation', reason: 'roster' } })).toBeGreaterThanOrEqual(1);
        expect((await execute('planShow', {}, gone)).message).toContain('inte registrerad medlem');
        // Checked a moment ago: not due again until its interval has passed.
        const { rosterCheckedAt } = await db().resourceGroup.findUniqueOrThrow({ where: { id: groupId } });
        expect(await t.bot.bot.reconcileMemberships({ dueBefore: rosterCheckedAt!, budgetMs: 60_000 })).toMatchObject({ groupsChecked: 0, groupsSkipped: 0, more: false });
      });
    });
  });
}
