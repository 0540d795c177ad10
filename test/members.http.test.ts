import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BOT, messageActivity, TEAM_ID, TENANT_ID, USERS, type TestUser } from './support/activities';
import { createTestGroup, startTestBot, talkTo, type TestBot } from './support/bot';
import { adaptiveCardErrors } from './support/cards';
import { testProviders } from './support/databases';
import { cardOf, cardText } from './support/fake-connector';

for (const provider of testProviders()) {
  describe(`members over HTTP on ${provider}`, () => {
    let t: TestBot;
    let groupId: string;
    const db = () => t.bot.database.db;

    beforeAll(async () => {
      t = await startTestBot(provider, [USERS.sara, USERS.anna, USERS.omar]);
      const group = await createTestGroup(t, USERS.sara);
      groupId = group.id;
    });
    afterAll(async () => t?.stop());
    beforeEach(() => t.connector.clear());

    const { where, execute } = talkTo(() => t);
    const memberOf = (user: TestUser) => db().member.findFirst({ where: { groupId, teamsUserId: user.id } });

    it('`medlemmar` posts a shell; the member list shows name, role, principal, Teams account and consent, case manager marked', async () => {
      const before = t.connector.activities.length;
      await t.post(messageActivity('medlemmar', where()));
      const [reply] = (await t.connector.waitForActivities(before + 1)).slice(before);
      expect(cardText(cardOf(reply))).toContain('Resursgruppens medlemmar');
      expect(JSON.stringify(cardOf(reply))).not.toContain('Sara Lind');

      const answer = await execute('membersShow', {});
      expect(adaptiveCardErrors(answer.card)).toEqual([]);
      const text = cardText(answer.card);
      expect(text).toContain('Medlemmar i resursgruppen');
      expect(text).toContain('Sara Lind');
      expect(text).toContain(' · case manager');
      expect(text).toContain('Sara Lind\n · case manager\nAnnan');
      expect(text).toMatch(/Teams: ja · Samtycke registrerat \d{1,2} \S+ \d{4}/);
      expect(await db().auditEvent.count({ where: { groupId, action: 'members.read', outcome: 'allowed' } })).toBeGreaterThan(0);
    });

    it('refuses member management to anyone but the case manager, audited', async () => {
      const answer = await execute('memberAddForm', { mode: 'roster' }, USERS.omar, { locale: 'en-US' });
      expect(answer.message).toContain('You are not a registered member of this resource group');
      expect(await db().auditEvent.count({ where: { groupId, actorAadObjectId: USERS.omar.aadObjectId, action: 'member.add', outcome: 'denied' } })).toBe(1);
    });

    it('adds a member from the roster, offering only people who are not members yet', async () => {
      const form = await execute('memberAddForm', { mode: 'roster' });
      expect(adaptiveCardErrors(form.card)).toEqual([]);
      const text = cardText(form.card);
      expect(text).toContain('Anna Berg');
      expect(text).toContain('Omar Said');
      expect(text).not.toContain('Sara Lind');

      const answer = await execute('memberAdd', { mode: 'roster', person: USERS.anna.id, role: 'housing_support', principal: 'kommun', organisation: 'Stöd & Service', consentNow: 'false' });
      expect(cardText(answer.card)).toContain('Medlemmen är tillagd.');
      expect(cardText(answer.card)).toContain('Boendestödjare · Kommun');
      expect(cardText(answer.card)).toContain('Samtycke saknas');
      expect(await memberOf(USERS.anna)).toMatchObject({ aadObjectId: USERS.anna.aadObjectId, role: 'housing_support', principal: 'kommun', organisation: 'Stöd & Service', consentRecordedAt: null });
    });

    it('adds a relative as a contact without a Teams account, with consent', async () => {
      const form = await execute('memberAddForm', { mode: 'contact' });
      expect(cardText(form.card)).toContain('Namn');
      const answer = await execute('memberAdd', { mode: 'contact', contactName: 'Lars (bror)', role: 'relative', principal: 'private', consentNow: 'true' });
      expect(cardText(answer.card)).toContain('Teams: nej (kontakt)');
      const lars = await db().member.findFirstOrThrow({ where: { groupId, displayName: 'Lars (bror)' } });
      expect(lars).toMatchObject({ teamsUserId: null, aadObjectId: null, role: 'relative', principal: 'private' });
      expect(lars.consentRecordedAt).not.toBeNull();
      const audit = await db().auditEvent.findMany({ where: { groupId, entityId: lars.id } });
      expect(audit.map((a) => a.action).sort()).toEqual(['member.add', 'member.consent.record']);
    });

    it('refuses bad member input with a message next to the field, storing nothing', async () => {
      const before = await db().member.count();
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ mode: 'roster', person: '29:forged', role: 'nurse', principal: 'region' }, 'Välj en person i konversationen.'],
        [{ mode: 'roster', person: USERS.anna.id, role: 'nurse', principal: 'region' }, 'Personen är redan medlem.'],
        [{ mode: 'roster', person: USERS.omar.id, role: 'wizard', principal: ['region'] }, 'Välj en roll.'],
        [{ mode: 'contact', contactName: 'x'.repeat(10_000), role: 'relative', principal: 'private' }, 'Namnet får vara högst 80 tecken.'],
        [{ mode: 'contact', contactName: '', role: 'relative', principal: 'private' }, 'Skriv ett namn.'],
      ];
      for (const [data, message] of cases) {
        const answer = await execute('memberAdd', data);
        expect(cardText(answer.card), JSON.stringify(data).slice(0, 80)).toContain(message);
        expect(adaptiveCardErrors(answer.card)).toEqual([]);
      }
      expect(await db().member.count()).toBe(before);
    });

    it('records and withdraws consent: access to the plan follows at once', async () => {
      const anna = (await memberOf(USERS.anna))!;
      expect((await execute('planShow', {}, USERS.anna)).message).toContain('samtycke');
      const recorded = await execute('memberChange', { memberId: anna.id, change: 'consentRecord' });
      expect(cardText(recorded.card)).toContain('Ändringen är sparad.');
      expect(cardText((await execute('planShow', {}, USERS.anna)).card)).toContain('Planen för');
      await execute('memberChange', { memberId: anna.id, change: 'consentWithdraw' });
      expect((await execute('planShow', {}, USERS.anna)).message).toContain('samtycke');
      expect(cardText((await execute('membersShow', {})).card)).toMatch(/Samtycke återkallat/);
      await execute('memberChange', { memberId: anna.id, change: 'consentRecord' });
    });

    it('changes a role, and validates the change form', async () => {
      const anna = (await memberOf(USERS.anna))!;
      const form = await execute('memberChangeForm', {});
      expect(adaptiveCardErrors(form.card)).toEqual([]);
      const missing = await execute('memberChange', { memberId: anna.id, change: 'role' });
      expect(cardText(missing.card)).toContain('Välj en roll.');
      const foreign = await execute('memberChange', { memberId: 'not-in-group', change: 'remove' });
      expect(cardText(foreign.card)).toContain('Välj en medlem.');
      await execute('memberChange', { memberId: anna.id, change: 'role', role: 'social_worker', principal: 'kommun' });
      expect(await memberOf(USERS.anna)).toMatchObject({ role: 'social_worker', principal: 'kommun' });
    });

    it('the case manager cannot remove themselves, but can hand the role over', async () => {
      const sara = (await memberOf(USERS.sara))!;
      const refused = await execute('memberChange', { memberId: sara.id, change: 'remove' });
      expect(cardText(refused.card)).toContain('Case manager kan inte tas bort.');
      expect((await memberOf(USERS.sara))!.removedAt).toBeNull();
      const anna = (await memberOf(USERS.anna))!;
      await execute('memberChange', { memberId: anna.id, change: 'makeCaseManager' });
      expect((await db().member.findMany({ where: { groupId, isCaseManager: true } })).map((m) => m.id)).toEqual([anna.id]);
      expect((await execute('memberAddForm', { mode: 'contact' }, USERS.sara)).message).toContain('Du har inte behörighet');
      await execute('memberChange', { memberId: sara.id, change: 'makeCaseManager' }, USERS.anna);
      expect((await memberOf(USERS.sara))!.isCaseManager).toBe(true);
    });

    it('removes a member: access ends at once', async () => {
      await execute('memberAdd', { mode: 'roster', person: USERS.omar.id, role: 'nurse', principal: 'region', consentNow: 'true' });
      expect(cardText((await execute('planShow', {}, USERS.omar)).card)).toContain('Planen för');
      const omar = (await memberOf(USERS.omar))!;
      await execute('memberChange', { memberId: omar.id, change: 'remove' });
      expect((await execute('planShow', {}, USERS.omar)).message).toContain('Du är inte registrerad medlem');
      expect(cardText((await execute('membersShow', {})).card)).not.toContain('Omar Said');
    });

    it('ends the membership of someone who leaves the team (membersRemoved) at once', async () => {
      await execute('memberAdd', { mode: 'roster', person: USERS.omar.id, role: 'nurse', principal: 'region', consentNow: 'true' });
      expect(cardText((await execute('planShow', {}, USERS.omar)).card)).toContain('Planen för');
      const response = await t.post({
        type: 'conversationUpdate',
        id: 'removed-1',
        channelId: 'msteams',
        serviceUrl: t.connector.url,
        from: { id: USERS.sara.id, aadObjectId: USERS.sara.aadObjectId },
        recipient: BOT,
        conversation: { id: TEAM_ID, conversationType: 'channel', tenantId: TENANT_ID },
        channelData: { team: { id: TEAM_ID }, eventType: 'teamMemberRemoved', tenant: { id: TENANT_ID } },
        membersRemoved: [{ id: USERS.omar.id, aadObjectId: USERS.omar.aadObjectId }],
      });
      expect(response.status).toBe(200);
      expect((await memberOf(USERS.omar))!.removedAt).not.toBeNull();
      expect((await execute('planShow', {}, USERS.omar)).message).toContain('Du är inte registrerad medlem');
      expect(await db().auditEvent.count({ where: { groupId, action: 'member.left_conversation' } })).toBe(1);
    });

    it('shows the member list in English for an English client', async () => {
      const text = cardText((await execute('membersShow', {}, USERS.sara, { locale: 'en-GB' })).card);
      expect(text).toContain('Members of the resource group');
      expect(text).toContain('Teams: no (contact)');
      expect(text).toContain('Relative · Private / relative');
    });
  });
}
