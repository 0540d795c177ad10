import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { USERS } from './support/activities';
import { createTestGroup, startTestBot, talkTo, type TestBot } from './support/bot';
import { adaptiveCardErrors } from './support/cards';
import { testProviders } from './support/databases';
import { cardOf, cardText } from './support/fake-connector';

const GOAL_TEXT = 'Jag vill ha en egen lägenhet';
const tomorrow = () => new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);

for (const provider of testProviders()) {
  describe(`the plan over HTTP on ${provider}`, () => {
    let t: TestBot;
    let groupId: string;
    const db = () => t.bot.database.db;

    beforeAll(async () => {
      t = await startTestBot(provider, [USERS.sara, USERS.anna, USERS.omar]);
      const group = await createTestGroup(t, USERS.sara);
      groupId = group.id;
      // Anna: member without consent (yet). Omar: not a member at all.
      await db().member.create({ data: { groupId, teamsUserId: USERS.anna.id, aadObjectId: USERS.anna.aadObjectId, displayName: USERS.anna.name, role: 'housing_support', principal: 'kommun' } });
    });
    afterAll(async () => t?.stop());
    beforeEach(() => t.connector.clear());

    const { execute, say } = talkTo(() => t);
    async function createGoal(text = GOAL_TEXT) {
      const answer = await execute('goalCreate', { lifeArea: 'housing', text, responsible: '', targetDate: '', individualAgreed: 'true' });
      expect(cardText(answer.card)).toContain('Målet är sparat.');
      return db().goal.findFirstOrThrow({ where: { groupId, text } });
    }

    it('answers `plan` with a neutral shell that holds no plan details, refreshing for consented members', async () => {
      await createGoal('Hemlig text om hälsan');
      t.connector.clear();
      const reply = await say('plan');
      const card = cardOf(reply);
      expect(adaptiveCardErrors(card)).toEqual([]);
      expect(cardText(card)).toContain('Planen för resursgruppen');
      expect(JSON.stringify(reply)).not.toContain('Hemlig');
      expect(JSON.stringify(reply)).not.toContain('K.L.');
      expect(card.refresh).toEqual({ action: expect.objectContaining({ verb: 'planShow' }), userIds: [USERS.sara.id] });
      expect(reply.activity.summary).toBe('Resursgrupp: ny uppdatering i gruppen');
    });

    it('shows the plan to a member with consent, grouped by life area, and audits the read', async () => {
      const before = await db().auditEvent.count({ where: { groupId, action: 'plan.read', outcome: 'allowed' } });
      const answer = await execute('planShow', {});
      expect(adaptiveCardErrors(answer.card, { literalUserText: GOAL_TEXT })).toEqual([]);
      const text = cardText(answer.card);
      expect(text).toContain('Planen för');
      expect(text).toContain('K.L.');
      expect(text).toContain('Boende');
      expect(text).toContain('Hemlig text om hälsan');
      expect(text).toContain('Inte påbörjat · framsteg –');
      expect(await db().auditEvent.count({ where: { groupId, action: 'plan.read', outcome: 'allowed' } })).toBe(before + 1);
    });

    it('answers in English for an English client', async () => {
      const answer = await execute('planShow', {}, USERS.sara, { locale: 'en-US' });
      expect(cardText(answer.card)).toContain('The plan for');
      expect(cardText(answer.card)).toContain('Housing');
      expect(cardText(cardOf(await say('plan', USERS.sara, { locale: 'en-US' })))).toContain("The resource group's plan");
    });

    it('refuses the plan to a member without consent, politely and audited, showing nothing', async () => {
      // In the channel everyone reads the reply: it says nothing about why.
      const reply = await say('plan', USERS.anna);
      expect(cardText(cardOf(reply))).toBe('Det här kan jag inte visa här. Skriv till mig direkt för att se varför.\nVarför?');
      expect(JSON.stringify(cardOf(reply))).not.toMatch(/samtycke|K\.L\./);
      const answer = await execute('planShow', {}, USERS.anna);
      expect(answer.message).toBe('Individens samtycke till att dela med dig är inte registrerat ännu. Be gruppens case manager om hjälp.');
      expect(answer.card).toBeUndefined();
      const denied = await db().auditEvent.findMany({ where: { groupId, actorAadObjectId: USERS.anna.aadObjectId, outcome: 'denied' } });
      expect(denied.map((d) => d.reason)).toEqual(expect.arrayContaining(['no_consent']));
    });

    it('refuses a non-member who tries to update a goal, leaving the goal untouched', async () => {
      const goal = await db().goal.findFirstOrThrow({ where: { groupId } });
      const answer = await execute('goalUpdate', { goalId: goal.id, versions: { [goal.id]: goal.version }, status: 'achieved', progress: '10' }, USERS.omar, { locale: 'en-US' });
      expect(answer.message).toBe("You are not a registered member of this resource group, so I can't show or change anything for you. Ask the group's case manager to add you.");
      expect(await db().goal.findUniqueOrThrow({ where: { id: goal.id } })).toMatchObject({ status: 'not_started', version: goal.version });
      expect(await db().auditEvent.count({ where: { groupId, actorAadObjectId: USERS.omar.aadObjectId, action: 'goal.update', outcome: 'denied', reason: 'not_a_member' } })).toBe(1);
    });

    it('checks identity from the activity, never from ids in card data', async () => {
      const goal = await db().goal.findFirstOrThrow({ where: { groupId } });
      const forged = { goalId: goal.id, versions: { [goal.id]: goal.version }, status: 'achieved', aadObjectId: USERS.sara.aadObjectId, memberId: 'anything', from: USERS.sara };
      const answer = await execute('goalUpdate', forged, USERS.omar);
      expect(answer.message).toContain('Du är inte registrerad medlem');
      expect((await db().goal.findUniqueOrThrow({ where: { id: goal.id } })).status).toBe('not_started');
    });

    it('creates a goal in the individual\'s own words, audited without its text, and announces it neutrally', async () => {
      const form = await execute('goalNewForm', {});
      expect(cardText(form.card)).toContain('Skriv målet med individens egna ord.');
      t.connector.clear();
      const answer = await execute('goalCreate', { lifeArea: 'work', text: 'Prova praktik **två** dagar ${$root}', responsible: (await db().member.findFirstOrThrow({ where: { groupId, isCaseManager: true } })).id, targetDate: tomorrow(), individualAgreed: 'true' });
      expect(JSON.stringify(answer.card)).toContain(JSON.stringify({ type: 'TextRun', text: 'Prova praktik **två** dagar ${$root}', size: 'Large', weight: 'Bolder' }));
      expect(cardText(answer.card)).toContain('Individen har godkänt målet');
      const goal = await db().goal.findFirstOrThrow({ where: { groupId, lifeArea: 'work' } });
      expect(goal).toMatchObject({ text: 'Prova praktik **två** dagar ${$root}', status: 'not_started', version: 1 });
      expect(goal.individualAgreedAt).not.toBeNull();
      const audit = await db().auditEvent.findMany({ where: { groupId, entityId: goal.id } });
      expect(audit.map((a) => a.action).sort()).toEqual(['goal.create', 'goal.read']);
      expect(JSON.stringify(audit)).not.toContain('praktik');
      const [announcement] = await t.connector.waitForActivities(1);
      expect(cardText(cardOf(announcement))).toContain('Ett nytt mål har lagts till i planen');
      expect(JSON.stringify(announcement)).not.toContain('praktik');
      // The member's view went back to them only: no message in the conversation was replaced with it.
      expect(t.connector.updates).toEqual([]);
    });

    describe('bad input leaves the data untouched and answers next to the field', () => {
      const cases: Array<[string, Record<string, unknown>, string]> = [
        ['missing fields', {}, 'Välj ett livsområde.'],
        ['wrong types', { lifeArea: ['housing'], text: { evil: true }, targetDate: 12 }, 'Skriv texten.'],
        ['10,000-character text', { lifeArea: 'housing', text: 'x'.repeat(10_000) }, 'Texten får vara högst 500 tecken.'],
        ['a date in the past', { lifeArea: 'housing', text: 'Mål', targetDate: '2020-01-01' }, 'Datumet har redan passerat.'],
        ['an impossible date', { lifeArea: 'housing', text: 'Mål', targetDate: '2026-02-30' }, 'Datumet kunde inte läsas.'],
        ['a responsible person from outside the group', { lifeArea: 'housing', text: 'Mål', responsible: 'someone-else' }, 'Välj en ansvarig bland gruppens medlemmar.'],
      ];
      for (const [name, data, message] of cases) {
        it(`new goal with ${name}`, async () => {
          const before = await db().goal.count();
          const answer = await execute('goalCreate', data);
          expect(adaptiveCardErrors(answer.card)).toEqual([]);
          expect(cardText(answer.card)).toContain(message);
          expect(cardText(answer.card)).toContain('Något i formuläret behöver rättas.');
          expect(await db().goal.count()).toBe(before);
        });
      }

      it('update with an unknown goal id, a goal id from another group, or progress out of range', async () => {
        const other = await createTestGroup(t, USERS.omar, { conversationId: '19:other@thread.v2', conversationType: 'groupChat', alias: 'Z.Z.' });
        const foreign = await db().goal.create({ data: { groupId: other.id, lifeArea: 'health', text: 'Annan grupps mål' } });
        for (const goalId of ['no-such-goal', foreign.id]) {
          const answer = await execute('goalUpdate', { goalId, versions: { [goalId]: 1 }, status: 'achieved' });
          expect(cardText(answer.card)).toContain('Välj ett mål i den här gruppens plan.');
          expect(JSON.stringify(answer.card)).not.toContain('Annan grupps mål');
        }
        const shown = await execute('goalShow', { goalId: foreign.id });
        expect(shown.message).toBe('Jag hittar inte det du letar efter. Det kan ha tagits bort.');
        expect(await db().goal.findUniqueOrThrow({ where: { id: foreign.id } })).toMatchObject({ status: 'not_started', version: 1 });

        const goal = await db().goal.findFirstOrThrow({ where: { groupId, lifeArea: 'housing' } });
        const outOfRange = await execute('goalUpdate', { goalId: goal.id, versions: { [goal.id]: goal.version }, status: 'in_progress', progress: '11' });
        expect(cardText(outOfRange.card)).toContain('Framsteg är en siffra från 0 till 10.');
        expect((await db().goal.findUniqueOrThrow({ where: { id: goal.id } })).version).toBe(goal.version);
      });
    });

    it('records a goal update with history and trend, and posts a neutral goal-update card in the channel', async () => {
      const goal = await db().goal.findFirstOrThrow({ where: { groupId, lifeArea: 'housing' } });
      const form = await execute('goalUpdateForm', { goalId: goal.id });
      expect(cardText(form.card)).toContain('Uppdatera mål');
      t.connector.clear();
      const answer = await execute('goalUpdate', { goalId: goal.id, versions: { [goal.id]: goal.version }, status: 'in_progress', progress: '4', comment: 'Har tittat på två lägenheter' });
      const text = cardText(answer.card);
      expect(text).toContain('Uppdateringen är sparad.');
      expect(text).toContain('Pågår · framsteg 4/10');
      expect(text).toContain('status Inte påbörjat → Pågår · framsteg 4/10');
      expect(text).toContain('Har tittat på två lägenheter');
      const second = await execute('goalUpdate', { goalId: goal.id, versions: { [goal.id]: goal.version + 1 }, status: 'in_progress', progress: '7' });
      expect(cardText(second.card)).toContain('Skattningar av framsteg (0–10), äldst först: 4 → 7 (uppåt ↗)');
      const stored = await db().goal.findUniqueOrThrow({ where: { id: goal.id }, include: { updates: true } });
      expect(stored).toMatchObject({ status: 'in_progress', progress: 7, version: goal.version + 2 });
      expect(stored.updates.filter((u) => u.progress !== null).map((u) => u.progress).sort()).toEqual([4, 7]);
      // Both updates change the goal's one post in place: no new post, no new notification.
      expect(t.connector.activities).toEqual([]);
      const post = await db().channelPost.findUniqueOrThrow({ where: { entityType_entityId: { entityType: 'Goal', entityId: goal.id } } });
      expect(t.connector.updates.map((u) => u.replyToId)).toEqual([post.activityId, post.activityId]);
      for (const update of t.connector.updates) {
        expect(cardText(cardOf(update))).toContain('Ett mål i planen har uppdaterats');
        expect(cardText(cardOf(update))).toContain('Senast ändrad');
        expect(JSON.stringify(update)).not.toContain('lägenhet');
      }
    });

    it('keeps both of two concurrent updates from the same card: one is saved, the other is told the card was updated', async () => {
      const goal = await db().goal.findFirstOrThrow({ where: { groupId, lifeArea: 'housing' } });
      const versions = { [goal.id]: goal.version };
      const [a, b] = await Promise.all([
        execute('goalUpdate', { goalId: goal.id, versions, status: 'achieved', progress: '10' }),
        execute('goalUpdate', { goalId: goal.id, versions, status: 'paused', progress: '2' }),
      ]);
      const texts = [cardText(a.card), cardText(b.card)];
      expect(texts.filter((x) => x.includes('Uppdateringen är sparad.'))).toHaveLength(1);
      expect(texts.filter((x) => x.includes('Kortet har uppdaterats. Här är det senaste.'))).toHaveLength(1);
      const stored = await db().goal.findUniqueOrThrow({ where: { id: goal.id }, include: { updates: { orderBy: { createdAt: 'desc' } } } });
      expect(stored.version).toBe(goal.version + 1);
      expect(stored.updates.filter((u) => u.status === 'achieved' || u.status === 'paused')).toHaveLength(1);
      expect(stored.status).toBe(stored.updates[0]!.status);
    });

    it('a corrected update form keeps the versions it was made from, so it cannot overwrite an update saved in between', async () => {
      const goal = await db().goal.findFirstOrThrow({ where: { groupId, lifeArea: 'housing' } });
      const form = await execute('goalUpdateForm', {});
      const versions = ((form.card!.actions as Array<{ data: { versions: Record<string, number> } }>)[0]!).data.versions;
      expect(versions[goal.id]).toBe(goal.version);
      // Someone else saves an update; then the first person submits with a mistake and corrects it.
      await execute('goalUpdate', { goalId: goal.id, versions: { [goal.id]: goal.version }, status: 'in_progress', progress: '5' }, USERS.sara);
      const corrected = await execute('goalUpdate', { goalId: goal.id, versions, status: 'in_progress', progress: 'eleven' });
      expect(cardText(corrected.card)).toContain('Framsteg är en siffra från 0 till 10.');
      const keptVersions = ((corrected.card!.actions as Array<{ data: { versions: Record<string, number> } }>)[0]!).data.versions;
      expect(keptVersions[goal.id]).toBe(goal.version);
      const second = await execute('goalUpdate', { goalId: goal.id, versions: keptVersions, status: 'paused', progress: '1' });
      expect(cardText(second.card)).toContain('Kortet har uppdaterats. Här är det senaste.');
      expect(await db().goal.findUniqueOrThrow({ where: { id: goal.id } })).toMatchObject({ status: 'in_progress', progress: 5, version: goal.version + 1 });
    });

    it('adds a sub-goal with a responsible member and a target date, shown as the next sub-goal due', async () => {
      const goal = await db().goal.findFirstOrThrow({ where: { groupId, lifeArea: 'housing' } });
      const sara = await db().member.findFirstOrThrow({ where: { groupId, isCaseManager: true } });
      const form = await execute('subGoalNewForm', { goalId: goal.id });
      expect(cardText(form.card)).toContain('Nytt delmål');
      const missing = await execute('subGoalCreate', { goalId: goal.id, text: 'Skicka ansökan' });
      expect(cardText(missing.card)).toContain('Välj en ansvarig bland gruppens medlemmar.');
      expect(cardText(missing.card)).toContain('Välj ett datum.');
      const answer = await execute('subGoalCreate', { goalId: goal.id, text: 'Skicka ansökan', responsible: sara.id, targetDate: tomorrow() });
      expect(cardText(answer.card)).toContain('Delmålet är sparat.');
      expect(await db().subGoal.count({ where: { goalId: goal.id } })).toBe(1);
      const plan = cardText((await execute('planShow', {})).card);
      expect(plan).toContain('Nästa delmål:');
      expect(plan).toContain('Skicka ansökan');
    });

    it('`nytt mål` posts a shell that refreshes into the form only for the person who asked', async () => {
      const reply = await say('nytt mål');
      const card = cardOf(reply);
      expect(cardText(card)).toContain('Nytt mål i planen');
      expect(card.refresh).toEqual({ action: expect.objectContaining({ verb: 'goalNewForm' }), userIds: [USERS.sara.id] });
    });

    it('the goal view lists the goal\'s open agreements, each opening the agreement, in both languages', async () => {
      const goal = await createGoal('Mål med överenskommelser');
      const sara = await db().member.findFirstOrThrow({ where: { groupId, teamsUserId: USERS.sara.id } });
      const due = new Date(Date.now() + 5 * 86_400_000);
      due.setUTCHours(0, 0, 0, 0);
      const open = await db().agreement.create({ data: { groupId, goalId: goal.id, what: 'Ringa hyresvärden om kontraktet', responsibleMemberId: sara.id, dueDate: due } });
      await db().agreement.create({ data: { groupId, goalId: goal.id, what: 'Redan klar sak', responsibleMemberId: sara.id, dueDate: due, status: 'done' } });
      const sv = await execute('goalShow', { goalId: goal.id });
      expect(adaptiveCardErrors(sv.card)).toEqual([]);
      expect(cardText(sv.card)).toContain('Öppna överenskommelser:');
      expect(cardText(sv.card)).toContain('Ringa hyresvärden om kontraktet');
      expect(cardText(sv.card)).not.toContain('Redan klar sak');
      expect(JSON.stringify(sv.card)).toContain(JSON.stringify({ type: 'Action.Execute', verb: 'agreementShow', data: { agreementId: open.id } }));
      const en = await execute('goalShow', { goalId: goal.id }, USERS.sara, { locale: 'en-US' });
      expect(cardText(en.card)).toContain('Open agreements:');
    });
  });
}
