/**
 * The caseload over HTTP on both databases: the private warning when someone takes on a Styrkemodellen
 * group as case manager past 20 (set-up and hand-over), and `mina grupper` in personal chat and in a
 * channel, with counts and paging for a member of 300 groups.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CARD_BUDGET_BYTES, jsonBytes } from '../src/cards/budget';
import { CHANNEL_ID, USERS, type TestUser } from './support/activities';
import { createTestGroup, startTestBot, talkTo, type TestBot } from './support/bot';
import { adaptiveCardErrors } from './support/cards';
import { testProviders } from './support/databases';
import { cardOf, cardText } from './support/fake-connector';

const person = (name: string, n: number): TestUser => ({ id: `29:${name.split(' ')[0]!.toLowerCase()}`, name, aadObjectId: `00000000-0000-4000-8000-0000000001${String(n).padStart(2, '0')}` });
const MAJA = person('Maja Ek', 1);
const PER = person('Per Holm', 2);
const day = (offsetDays: number) => new Date(`${new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10)}T00:00:00.000Z`);

for (const provider of testProviders()) {
  describe(`the caseload on ${provider}`, () => {
    let t: TestBot;
    const db = () => t.bot.database.db;
    const { execute, say } = talkTo(() => t);

    beforeAll(async () => {
      t = await startTestBot(provider, [USERS.sara, USERS.anna, USERS.omar, USERS.lars, MAJA]);
    });
    afterAll(async () => t?.stop());
    beforeEach(() => t.connector.clear());

    /** `count` groups elsewhere, written directly, with `user` in each (case manager unless told otherwise). */
    async function seedGroups(user: TestUser, count: number, options: { model?: string; isCaseManager?: boolean; prefix?: string } = {}) {
      const groups = Array.from({ length: count }, (_, i) => ({
        id: randomUUID(),
        conversationId: `19:${options.prefix ?? user.id}-${i}@thread.tacv2`,
        conversationType: 'channel',
        individualAlias: `${options.prefix ?? 'X'}.${String(i).padStart(3, '0')}`,
        caseManagementModel: options.model ?? (i % 2 === 0 ? 'IP' : 'STRENGTHS'),
      }));
      await db().resourceGroup.createMany({ data: groups });
      await db().member.createMany({
        data: groups.map((group) => ({
          groupId: group.id, teamsUserId: user.id, aadObjectId: user.aadObjectId, displayName: user.name,
          role: options.isCaseManager === false ? 'nurse' : 'case_manager', principal: 'region', isCaseManager: options.isCaseManager !== false, consentRecordedAt: new Date(),
        })),
      });
      return groups;
    }
    const warnings = (since: Date) => db().auditEvent.findMany({ where: { action: 'caseload.warning', at: { gte: since } } });
    /** No post in the channel names anyone, any group, or a caseload. */
    function expectNothingPostedAbout(...secrets: string[]) {
      for (const posted of [...t.connector.activities, ...t.connector.updates]) {
        // What the post shows and carries (the envelope's recipient addresses the reply; refresh.userIds only ids).
        const { text, summary, attachments } = posted.activity;
        const json = JSON.stringify({ text, summary, attachments }, (key, value: unknown) => (key === 'userIds' ? undefined : value));
        for (const secret of [...secrets, 'samordnar', 'coordinate']) expect(json, secret).not.toContain(secret);
      }
    }

    describe('set-up naming a case manager', () => {
      const setup = (caseManager: TestUser, model: string, from: TestUser = USERS.sara, locale = 'sv-SE') =>
        execute('groupSetup', { alias: 'M.N.', model, caseManager: caseManager.id, locale: 'sv' }, from, { locale });
      // Each set-up binds the test channel; the next test sets it up anew.
      beforeEach(async () => {
        await db().resourceGroup.deleteMany({ where: { conversationId: CHANNEL_ID } });
      });

      it('warns the person setting up, privately and audited without names, when a Styrkemodellen case manager goes from 20 to 21 groups', async () => {
        await seedGroups(USERS.anna, 20, { prefix: 'anna' });
        const since = new Date();
        const answer = await setup(USERS.anna, 'STRENGTHS');
        expect(adaptiveCardErrors(answer.card)).toEqual([]);
        const text = cardText(answer.card);
        expect(text).toContain('Resursgruppen är startad');
        expect(text).toContain('Observera: Anna Berg samordnar nu 21 resursgrupper som case manager. I Styrkemodellen bör en case manager samordna högst 20 individer.');
        const group = await db().resourceGroup.findUniqueOrThrow({ where: { conversationId: CHANNEL_ID } });
        const anna = await db().member.findFirstOrThrow({ where: { groupId: group.id, isCaseManager: true } });
        expect(anna.aadObjectId).toBe(USERS.anna.aadObjectId);
        const sara = await db().member.findFirstOrThrow({ where: { groupId: group.id, aadObjectId: USERS.sara.aadObjectId } });
        const rows = await warnings(since);
        expect(rows.map((r) => [r.groupId, r.outcome, r.actorAadObjectId, r.actorMemberId, r.entityType, r.entityId, r.reason])).toEqual([
          [group.id, 'allowed', USERS.sara.aadObjectId, sara.id, 'Member', anna.id, 'coordinates_21_limit_20'],
        ]);
        expect(JSON.stringify(rows)).not.toMatch(/Anna|Sara|M\.N\./);
        // The group is set up all the same: a warning, not a refusal.
        expect(group.caseManagementModel).toBe('STRENGTHS');
        expectNothingPostedAbout('Anna Berg', 'M.N.');
      });

      it('says nothing at 19 to 20', async () => {
        await seedGroups(USERS.omar, 19, { prefix: 'omar' });
        const since = new Date();
        const text = cardText((await setup(USERS.omar, 'STRENGTHS')).card);
        expect(text).toContain('Resursgruppen är startad');
        expect(text).not.toContain('Observera');
        expect(await warnings(since)).toEqual([]);
      });

      it('says nothing for a group of another model, however many groups', async () => {
        const since = new Date();
        for (const model of ['FACT', 'IP', 'ACT']) {
          await db().resourceGroup.deleteMany({ where: { conversationId: CHANNEL_ID } });
          const text = cardText((await setup(USERS.anna, model)).card);
          expect(text).toContain('Resursgruppen är startad');
          expect(text).not.toContain('Observera');
        }
        expect(await warnings(since)).toEqual([]);
      });

      it('tells a case manager who sets up their own 21st group so, in English', async () => {
        await seedGroups(USERS.lars, 20, { prefix: 'lars', model: 'FACT' });
        const since = new Date();
        const answer = await setup(USERS.lars, 'STRENGTHS', USERS.lars, 'en-US');
        expect(adaptiveCardErrors(answer.card)).toEqual([]);
        expect(cardText(answer.card)).toContain('Please note: you now coordinate 21 resource groups as case manager. In the strengths model (Styrkemodellen) a case manager should coordinate at most 20 individuals.');
        expect((await warnings(since)).map((r) => r.actorAadObjectId)).toEqual([USERS.lars.aadObjectId]);
      });
    });

    describe('handing over the case-manager role', () => {
      let groupId: string;
      const handOver = (to: TestUser, from: TestUser, locale = 'sv-SE') =>
        db().member.findFirstOrThrow({ where: { groupId, teamsUserId: to.id } }).then((member) =>
          execute('memberChange', { memberId: member.id, change: 'makeCaseManager' }, from, { locale }));

      beforeAll(async () => {
        await db().resourceGroup.deleteMany({ where: { conversationId: CHANNEL_ID } });
        groupId = (await createTestGroup(t, USERS.sara, { alias: 'H.O.' })).id;
        await db().resourceGroup.update({ where: { id: groupId }, data: { caseManagementModel: 'STRENGTHS' } });
        for (const user of [USERS.anna, USERS.omar]) {
          await db().member.create({ data: { groupId, teamsUserId: user.id, aadObjectId: user.aadObjectId, displayName: user.name, role: 'nurse', principal: 'region', consentRecordedAt: new Date() } });
        }
      });

      it('warns the case manager handing over, privately, when the new one goes from 20 to 21, in both languages; the hand-over is made', async () => {
        // Anna coordinates the 20 groups seeded above (the set-up tests remove the channel's group).
        expect(await db().member.count({ where: { aadObjectId: USERS.anna.aadObjectId, isCaseManager: true, removedAt: null } })).toBe(20);
        const since = new Date();
        const answer = await handOver(USERS.anna, USERS.sara);
        expect(adaptiveCardErrors(answer.card)).toEqual([]);
        const text = cardText(answer.card);
        expect(text).toContain('Ändringen är sparad');
        expect(text).toContain('Observera: Anna Berg samordnar nu 21 resursgrupper som case manager.');
        expect((await db().member.findFirstOrThrow({ where: { groupId, isCaseManager: true } })).aadObjectId).toBe(USERS.anna.aadObjectId);
        const sara = await db().member.findFirstOrThrow({ where: { groupId, aadObjectId: USERS.sara.aadObjectId } });
        expect((await warnings(since)).map((r) => [r.groupId, r.actorMemberId, r.reason])).toEqual([[groupId, sara.id, 'coordinates_21_limit_20']]);
        // Anna hands it back, and over again in English: Sara has one group, Anna 21 again.
        expect(cardText((await handOver(USERS.sara, USERS.anna)).card)).not.toContain('Observera');
        expect(cardText((await handOver(USERS.anna, USERS.sara, 'en-US')).card)).toContain('Please note: Anna Berg now coordinates 21 resource groups as case manager.');
        expectNothingPostedAbout('Anna Berg', 'H.O.');
        await handOver(USERS.sara, USERS.anna);
      });

      it('says nothing at 19 to 20', async () => {
        expect(await db().member.count({ where: { aadObjectId: USERS.omar.aadObjectId, isCaseManager: true, removedAt: null } })).toBe(19);
        const since = new Date();
        const text = cardText((await handOver(USERS.omar, USERS.sara)).card);
        expect(text).toContain('Ändringen är sparad');
        expect(text).not.toContain('Observera');
        expect(await warnings(since)).toEqual([]);
        await handOver(USERS.sara, USERS.omar);
      });

      it('says nothing when the group is of another model', async () => {
        await db().resourceGroup.update({ where: { id: groupId }, data: { caseManagementModel: 'FACT' } });
        const since = new Date();
        expect(cardText((await handOver(USERS.anna, USERS.sara)).card)).not.toContain('Observera');
        expect(await warnings(since)).toEqual([]);
        await handOver(USERS.sara, USERS.anna);
        await db().resourceGroup.update({ where: { id: groupId }, data: { caseManagementModel: 'STRENGTHS' } });
      });
    });

    describe('`mina grupper` / `my groups`', () => {
      let groups: { coordinated: string; nurse: string; noConsent: string; left: string };

      beforeAll(async () => {
        const [coordinated] = await seedGroups(MAJA, 1, { prefix: 'A', model: 'STRENGTHS' });
        const [nurse] = await seedGroups(MAJA, 1, { prefix: 'B', model: 'FACT', isCaseManager: false });
        const [noConsent] = await seedGroups(MAJA, 1, { prefix: 'C', model: 'IP', isCaseManager: false });
        const [left] = await seedGroups(MAJA, 1, { prefix: 'D', model: 'IP', isCaseManager: false });
        groups = { coordinated: coordinated!.id, nurse: nurse!.id, noConsent: noConsent!.id, left: left!.id };
        await db().member.updateMany({ where: { groupId: noConsent!.id }, data: { consentRecordedAt: null } });
        await db().member.updateMany({ where: { groupId: left!.id }, data: { removedAt: new Date() } });
        const majaIn = async (groupId: string) => (await db().member.findFirstOrThrow({ where: { groupId, aadObjectId: MAJA.aadObjectId } })).id;
        const agreement = async (groupId: string, dueDate: Date, status = 'accepted') =>
          db().agreement.create({ data: { groupId, responsibleMemberId: await majaIn(groupId), what: 'Ringa hyresvärden', dueDate, status } });
        await agreement(groups.nurse, day(-3));
        await agreement(groups.nurse, day(5));
        await agreement(groups.nurse, day(-10), 'done');
        await agreement(groups.coordinated, day(2), 'proposed');
        // Not counted: no consent to share with her there (as `mina`).
        await agreement(groups.noConsent, day(-1));
      });

      it('in personal chat: how many she coordinates and belongs to, and each group with her role and counts; audited per group', async () => {
        const since = new Date();
        const card = cardOf(await say('mina grupper', MAJA, { scope: 'personal' }));
        expect(adaptiveCardErrors(card)).toEqual([]);
        const text = cardText(card);
        expect(text).toContain('Mina grupper\nDu samordnar 1 och är med i 3 resursgrupper.');
        expect(text).toContain('A.000\nStyrkemodellen · Du är case manager\nDina öppna överenskommelser: 1 · försenade: 0');
        expect(text).toContain('B.000\nFACT (Flexible ACT) · Sjuksköterska\nDina öppna överenskommelser: 2 · försenade: 1');
        // Where the individual has not consented: that she is in a group, nothing about whose.
        expect(text).toContain('En resursgrupp (individens samtycke är inte registrerat)\nSjuksköterska');
        expect(text).not.toContain('C.000');
        expect(text).not.toContain('D.000');
        const overdue = JSON.stringify(card).includes('"color":"Attention"');
        expect(overdue).toBe(true);
        const rows = await db().auditEvent.findMany({ where: { action: 'groups.mine.read', actorAadObjectId: MAJA.aadObjectId, at: { gte: since } } });
        expect(rows.map((r) => r.groupId).sort()).toEqual([groups.coordinated, groups.nurse, groups.noConsent].sort());
        expect(rows.every((r) => r.outcome === 'allowed' && r.conversationId === `a:personal-${MAJA.id}`)).toBe(true);
      });

      it('in English, `my groups`', async () => {
        const text = cardText(cardOf(await say('my groups', MAJA, { scope: 'personal', locale: 'en-US' })));
        expect(text).toContain('My groups\nYou coordinate 1 and belong to 3 resource groups.');
        expect(text).toContain('B.000\nFACT (Flexible ACT) · Nurse\nYour open agreements: 2 · overdue: 1');
      });

      it('in a channel: a neutral post that refreshes only for her; the view is her own, for whoever presses', async () => {
        const posted = await say('mina grupper', MAJA);
        const shell = cardOf(posted);
        expect(posted.conversationId.startsWith(CHANNEL_ID)).toBe(true);
        expect(cardText(shell)).toContain('Dina grupper');
        expect((shell.refresh as { userIds: string[] }).userIds).toEqual([MAJA.id]);
        expect((shell.refresh as { action: { verb: string } }).action.verb).toBe('myGroupsShow');
        expectNothingPostedAbout('A.000', 'B.000', 'Maja', 'Styrkemodellen', 'K.L.');
        // `mina` stays `mina`: the longer spelling is its own command.
        expect(cardText(cardOf(await say('mina', MAJA)))).not.toContain('Dina grupper');

        const mine = await execute('myGroupsShow', {}, MAJA);
        expect(adaptiveCardErrors(mine.card)).toEqual([]);
        expect(cardText(mine.card)).toContain('Du samordnar 1 och är med i 3 resursgrupper.');
        expect(cardText(mine.card)).toContain('A.000');
        // Someone else pressing sees their own groups, not hers.
        const other = cardText((await execute('myGroupsShow', {}, USERS.omar, { locale: 'en-US' })).card);
        expect(other).toContain('You coordinate 19 and belong to 20 resource groups.');
        expect(other).not.toMatch(/A\.000|B\.000/);
        const nobody = cardText((await execute('myGroupsShow', {}, { id: '29:eve', name: 'Eve', aadObjectId: '00000000-0000-4000-8000-0000000000ee' })).card);
        expect(nobody).toContain('Du är inte med i någon resursgrupp ännu.');
      });

      it('pages a member of 300 groups within the card budget, in both languages, and warns her about her caseload', async () => {
        await seedGroups(PER, 30, { prefix: 'P', model: 'STRENGTHS' });
        await seedGroups(PER, 270, { prefix: 'Q', model: 'FACT', isCaseManager: false });
        for (const locale of ['sv-SE', 'en-US']) {
          let answer = await execute('myGroupsShow', {}, PER, { locale, scope: 'personal' });
          const first = cardText(answer.card);
          expect(first).toContain(locale === 'sv-SE' ? 'Du samordnar 30 och är med i 300 resursgrupper.' : 'You coordinate 30 and belong to 300 resource groups.');
          expect(first).toContain(locale === 'sv-SE' ? 'Du samordnar 30 resursgrupper. I Styrkemodellen bör en case manager samordna högst 20 individer.' : 'You coordinate 30 resource groups.');
          expect(first).toContain(locale === 'sv-SE' ? 'Visar 1–25 av 300' : 'Showing 1–25 of 300');
          // The groups she coordinates come first.
          expect(first).toContain('P.000');
          const seen = new Set<string>();
          for (let pages = 0; pages < 20; pages++) {
            expect(adaptiveCardErrors(answer.card)).toEqual([]);
            expect(jsonBytes(answer.card)).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
            for (const alias of cardText(answer.card).match(/[PQ]\.\d{3}/g) ?? []) seen.add(alias);
            const actions = ((answer.card!.body as Array<{ type: string; actions?: Array<{ verb: string; title: string; data: Record<string, unknown> }> }>).find((e) => e.type === 'ActionSet')?.actions ?? []);
            const next = actions.find((a) => a.title === (locale === 'sv-SE' ? 'Visa fler' : 'Show more'));
            if (!next) break;
            expect(next.verb).toBe('myGroupsShow');
            answer = await execute(next.verb, next.data, PER, { locale, scope: 'personal' });
          }
          expect(cardText(answer.card)).toContain(locale === 'sv-SE' ? 'Visar 276–300 av 300' : 'Showing 276–300 of 300');
          expect(seen.size).toBe(300);
        }
      });
    });
  });
}
