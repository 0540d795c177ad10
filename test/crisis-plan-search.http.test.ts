/**
 * The compose-box search "Krisplan" over HTTP against the real server and database: results only for
 * groups whose crisis plan the caller may read, nothing of the plan in what a result inserts, and the
 * inserted card opening the plan only for those allowed, whoever inserted it and wherever.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeQueryActivity, USERS, type TestUser } from './support/activities';
import { createTestGroup, startTestBot, talkTo, type TestBot } from './support/bot';
import { adaptiveCardErrors } from './support/cards';
import { testProviders } from './support/databases';
import { cardText } from './support/fake-connector';

interface ComposeAnswer {
  composeExtension: {
    type: string;
    text?: string;
    attachments?: Array<{ contentType: string; content: Record<string, unknown>; preview: { content: { title: string; text: string } } }>;
  };
}

const RED_SIGN = 'Slutar svara i telefon';

for (const provider of testProviders()) {
  describe(`the crisis-plan search message extension on ${provider}`, () => {
    let t: TestBot;
    const groups: Record<string, string> = {};
    const db = () => t.bot.database.db;
    const { execute, where } = talkTo(() => t);

    async function search(from: TestUser, alias = '', extra: { locale?: string; skip?: number; count?: number } = {}) {
      const response = await t.post(composeQueryActivity('crisisPlanSearch', { alias }, { ...where(from), scope: 'personal', ...extra }));
      expect(response.status).toBe(200);
      return (response.body as ComposeAnswer).composeExtension;
    }

    beforeAll(async () => {
      t = await startTestBot(provider, [USERS.sara, USERS.anna, USERS.omar, USERS.lars]);
      // Sara coordinates two groups; Anna is a member of the first with consent, Lars a relative in it,
      // Omar a member without consent. The third group has no crisis plan yet.
      groups.kl = (await createTestGroup(t, USERS.sara)).id;
      groups.ab = (await createTestGroup(t, USERS.sara, { conversationId: '19:channel-ab@thread.tacv2', alias: 'A.B.' })).id;
      groups.cd = (await createTestGroup(t, USERS.sara, { conversationId: '19:channel-cd@thread.tacv2', alias: 'C.D.' })).id;
      const consent = new Date();
      const add = (user: TestUser, role: string, principal: string, consented: boolean) =>
        db().member.create({ data: { groupId: groups.kl!, teamsUserId: user.id, aadObjectId: user.aadObjectId, displayName: user.name, role, principal, consentRecordedAt: consented ? consent : null } });
      await add(USERS.anna, 'nurse', 'region', true);
      await add(USERS.lars, 'relative', 'private', true);
      await add(USERS.omar, 'social_worker', 'kommun', false);
      for (const groupId of [groups.kl!, groups.ab!]) {
        await db().crisisPlan.create({
          data: { groupId, currentVersion: 1, versions: { create: [{ version: 1, content: JSON.stringify({ phases: { red: { signs: [RED_SIGN], selfHelp: [], othersDo: [] } } }) }] } },
        });
      }
    });
    afterAll(async () => t?.stop());

    it('finds the plans of the caller\'s own groups by alias, for the case manager and a member with consent', async () => {
      const all = await search(USERS.sara);
      expect(all.type).toBe('result');
      expect(all.attachments!.map((a) => a.preview.content.title)).toEqual(['A.B.', 'K.L.']);
      expect((await search(USERS.sara, 'k.l')).attachments!.map((a) => a.preview.content.title)).toEqual(['K.L.']);
      expect((await search(USERS.anna)).attachments!.map((a) => a.preview.content.title)).toEqual(['K.L.']);
      expect((await search(USERS.sara, 'zz')).attachments).toEqual([]);
      // A page counts plans only: C.D. (no plan yet) sorts between them and takes no place.
      expect((await search(USERS.sara, '', { count: 2 })).attachments!.map((a) => a.preview.content.title)).toEqual(['A.B.', 'K.L.']);
      expect((await search(USERS.sara, '', { skip: 1, count: 1 })).attachments!.map((a) => a.preview.content.title)).toEqual(['K.L.']);
    });

    it('finds nothing for a relative without crisis-plan access, a member without consent, or an outsider', async () => {
      const outsider: TestUser = { id: '29:eve', name: 'Eve Outsider', aadObjectId: '00000000-0000-4000-8000-0000000000ee' };
      for (const who of [USERS.lars, USERS.omar, outsider]) expect((await search(who)).attachments, who.name).toEqual([]);
      const anonymous = await search({ id: '29:anon', name: 'Anonymous' });
      expect(anonymous).toMatchObject({ type: 'message', text: 'Jag kan inte se vem du är, så jag kan inte söka bland krisplanerna.' });
    });

    it('a removed member finds nothing; a member of another group finds that group only and cannot open this one', async () => {
      const former: TestUser = { id: '29:former', name: 'Fredrik Former', aadObjectId: '00000000-0000-4000-8000-0000000000f1' };
      const other: TestUser = { id: '29:eva', name: 'Eva Annan', aadObjectId: '00000000-0000-4000-8000-0000000000f2' };
      await db().member.create({ data: { groupId: groups.kl!, teamsUserId: former.id, aadObjectId: former.aadObjectId, displayName: former.name, role: 'nurse', principal: 'region', consentRecordedAt: new Date(), removedAt: new Date() } });
      await db().member.create({ data: { groupId: groups.ab!, teamsUserId: other.id, aadObjectId: other.aadObjectId, displayName: other.name, role: 'nurse', principal: 'region', consentRecordedAt: new Date() } });
      expect((await search(former)).attachments).toEqual([]);
      expect((await search(other)).attachments!.map((a) => a.preview.content.title)).toEqual(['A.B.']);
      const [inserted] = (await search(USERS.sara, 'K.L.')).attachments!;
      const open = (inserted!.content.actions as Array<{ verb: string; data: Record<string, unknown> }>)[0]!;
      for (const who of [former, other]) {
        const refused = await execute(open.verb, open.data, who, { scope: 'groupChat' });
        expect(refused.message, who.name).toBeTruthy();
        expect(JSON.stringify(refused)).not.toContain(RED_SIGN);
      }
    });

    it('inserts a card with nothing of the plan or the group in it, valid in both languages', async () => {
      for (const locale of ['sv-SE', 'en-US']) {
        const [result] = (await search(USERS.sara, 'K.L.', { locale })).attachments!;
        expect(result!.contentType).toBe('application/vnd.microsoft.card.adaptive');
        expect(adaptiveCardErrors(result!.content)).toEqual([]);
        const inserted = JSON.stringify(result!.content);
        for (const secret of [RED_SIGN, 'K.L.', 'Sara Lind', 'Anna Berg', ...Object.values(USERS).map((u) => u.aadObjectId)]) expect(inserted).not.toContain(secret);
        expect(result!.content.refresh).toBeUndefined();
      }
      // One row per result shown, whose and from where; Anna's earlier search has rows of her own.
      const audit = await db().auditEvent.findMany({ where: { action: 'crisisplan.search', groupId: groups.kl, actorAadObjectId: USERS.sara.aadObjectId } });
      expect(audit.length).toBeGreaterThan(0);
      expect(audit.map((a) => [a.outcome, a.conversationId])).toEqual(audit.map(() => ['allowed', `a:personal-${USERS.sara.id}`]));
      expect(await db().auditEvent.count({ where: { action: 'crisisplan.search', actorAadObjectId: USERS.lars.aadObjectId } })).toBe(0);
    });

    it('the inserted card opens the plan for those allowed and refuses everyone else, wherever it was inserted', async () => {
      const [result] = (await search(USERS.sara, 'K.L.')).attachments!;
      const open = (result!.content.actions as Array<{ verb: string; data: Record<string, unknown> }>)[0]!;
      // Inserted into a group chat the group knows nothing of: each presser is checked for themselves.
      const elsewhere = { scope: 'groupChat' as const };
      expect(cardText((await execute(open.verb, open.data, USERS.anna, elsewhere)).card)).toContain(RED_SIGN);
      for (const who of [USERS.lars, USERS.omar]) {
        const refused = await execute(open.verb, open.data, who, elsewhere);
        expect(JSON.stringify(refused)).not.toContain(RED_SIGN);
      }
      expect(await db().auditEvent.count({ where: { groupId: groups.kl, action: { startsWith: 'crisisplan.' }, outcome: 'denied', actorAadObjectId: USERS.lars.aadObjectId } })).toBeGreaterThan(0);
    });
  });
}
