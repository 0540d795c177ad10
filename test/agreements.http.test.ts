import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionExecuteActivity, messageActivity, USERS, type TestUser } from './support/activities';
import { actionAnswer, createTestGroup, startTestBot, talkTo, type TestBot } from './support/bot';
import { adaptiveCardErrors } from './support/cards';
import { failInsertsInto, testProviders } from './support/databases';
import { cardOf, cardText } from './support/fake-connector';
import { formatDay } from '../src/cards/format';
import { todayIn } from '../src/domain/forms';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

for (const provider of testProviders()) {
  describe(`agreements over HTTP on ${provider}`, () => {
    let t: TestBot;
    let groupId: string;
    let ids: { sara: string; anna: string; omar: string; individual: string };
    const db = () => t.bot.database.db;

    beforeAll(async () => {
      t = await startTestBot(provider, [USERS.sara, USERS.anna, USERS.omar]);
      groupId = (await createTestGroup(t, USERS.sara)).id;
      const consent = new Date();
      const add = (user: TestUser, role: string) =>
        db().member.create({ data: { groupId, teamsUserId: user.id, aadObjectId: user.aadObjectId, displayName: user.name, role, principal: 'kommun', consentRecordedAt: consent } });
      const individual = await db().member.create({ data: { groupId, displayName: 'K.L. (individen)', role: 'individual', principal: 'private', isIndividual: true, consentRecordedAt: consent } });
      ids = {
        sara: (await db().member.findFirstOrThrow({ where: { groupId, isCaseManager: true } })).id,
        anna: (await add(USERS.anna, 'housing_support')).id,
        omar: (await add(USERS.omar, 'social_worker')).id,
        individual: individual.id,
      };
    });
    afterAll(async () => t?.stop());
    beforeEach(() => t.connector.clear());

    const { where, execute, say } = talkTo(() => t);
    async function create(what: string, responsible: string, due = inDays(7), from: TestUser = USERS.sara) {
      const answer = await execute('agreementCreate', { what, responsible, dueDate: due }, from);
      expect(cardText(answer.card)).toContain('Överenskommelsen är registrerad.');
      return db().agreement.findFirstOrThrow({ where: { groupId, what } });
    }
    const change = (agreementId: string, version: number, data: Record<string, unknown>, from: TestUser = USERS.anna) =>
      execute('agreementChange', { agreementId, version, ...data }, from);
    const eventsOf = async (agreementId: string) => (await db().agreementEvent.findMany({ where: { agreementId }, orderBy: { createdAt: 'asc' } })).map((e) => e.kind);

    it('`överenskommelse` posts a shell that opens the form for the person who asked', async () => {
      const card = cardOf(await say('överenskommelse'));
      expect(cardText(card)).toContain('Ny överenskommelse');
      expect(card.refresh).toEqual({ action: expect.objectContaining({ verb: 'agreementNewForm' }), userIds: [USERS.sara.id] });
      const form = await execute('agreementNewForm', {});
      expect(adaptiveCardErrors(form.card)).toEqual([]);
      expect(cardText(form.card)).toContain('Vem gör vad, och när?');
      expect(cardText(form.card)).toContain('K.L. (individen)');
    });

    it('records an agreement with a "created" event, links it to a goal, and announces it without its text', async () => {
      const goal = await db().goal.create({ data: { groupId, lifeArea: 'housing', text: 'Eget boende' } });
      const answer = await execute('agreementCreate', { what: 'Hjälpa till med bostadsansökan', responsible: ids.anna, dueDate: inDays(8), link: `goal:${goal.id}` });
      expect(adaptiveCardErrors(answer.card)).toEqual([]);
      const text = cardText(answer.card);
      expect(text).toContain('Hjälpa till med bostadsansökan');
      expect(text).toContain('Anna Berg');
      expect(text).toContain('Inte bekräftad ännu');
      expect(text).toContain('Eget boende');
      expect(text).toContain('registrerade överenskommelsen');
      const agreement = await db().agreement.findFirstOrThrow({ where: { groupId, what: 'Hjälpa till med bostadsansökan' } });
      expect(agreement).toMatchObject({ responsibleMemberId: ids.anna, goalId: goal.id, status: 'proposed', version: 1, createdByMemberId: ids.sara });
      expect(await eventsOf(agreement.id)).toEqual(['created']);
      const [announcement] = await t.connector.waitForActivities(1);
      expect(cardText(cardOf(announcement))).toContain('En ny överenskommelse har registrerats');
      expect(JSON.stringify(cardOf(announcement))).not.toContain('bostadsansökan');
      // The plan overview lists the goal's open agreements.
      const plan = cardText((await execute('planShow', {})).card);
      expect(plan).toContain('Öppna överenskommelser:');
      expect(plan).toContain('Hjälpa till med bostadsansökan');
    });

    it('the individual can be responsible', async () => {
      const agreement = await create('Ringa Försäkringskassan', ids.individual, inDays(3));
      expect(agreement.responsibleMemberId).toBe(ids.individual);
    });

    describe('bad input is refused next to the field and stores nothing', () => {
      const cases: Array<[string, () => Record<string, unknown>, string]> = [
        ['an empty text', () => ({ what: '  ', responsible: ids.anna, dueDate: inDays(2) }), 'Skriv vad som ska göras.'],
        ['a 10,000-character text', () => ({ what: 'x'.repeat(10_000), responsible: ids.anna, dueDate: inDays(2) }), 'Texten får vara högst 500 tecken.'],
        ['a due date in the past', () => ({ what: 'Något', responsible: ids.anna, dueDate: '2020-05-01' }), 'Datumet har redan passerat.'],
        ['a responsible person outside the group', () => ({ what: 'Något', responsible: 'member-of-other-group', dueDate: inDays(2) }), 'Välj en ansvarig bland gruppens medlemmar.'],
        ['a goal link from elsewhere', () => ({ what: 'Något', responsible: ids.anna, dueDate: inDays(2), link: 'goal:not-ours' }), 'Välj ett mål eller delmål i den här gruppens plan.'],
        ['wrong types', () => ({ what: ['x'], responsible: { id: ids.anna }, dueDate: 20261201 }), 'Välj ett datum.'],
      ];
      for (const [name, data, message] of cases) {
        it(name, async () => {
          const before = await db().agreement.count();
          const answer = await execute('agreementCreate', data());
          expect(cardText(answer.card)).toContain(message);
          expect(adaptiveCardErrors(answer.card)).toEqual([]);
          expect(await db().agreement.count()).toBe(before);
        });
      }
    });

    it('the responsible member accepts and marks it done; a double click on "done" makes one event', async () => {
      const agreement = await create('Boka möte med hyresvärden', ids.anna);
      const accepted = await change(agreement.id, 1, { change: 'accepted' });
      expect(cardText(accepted.card)).toContain('Ändringen är sparad.');
      expect(cardText(accepted.card)).toContain('Åtagen');
      t.connector.clear();
      const [first, second] = [await change(agreement.id, 2, { change: 'done' }), await change(agreement.id, 2, { change: 'done' })];
      expect(cardText(first.card)).toContain('Klar');
      expect(cardText(second.card)).toContain('Det var redan gjort. Inget har ändrats.');
      expect(await eventsOf(agreement.id)).toEqual(['created', 'accepted', 'done']);
      expect((await db().agreement.findUniqueOrThrow({ where: { id: agreement.id } })).version).toBe(3);
      // The one change updates the agreement's post in place: no new post, one update.
      expect(t.connector.activities).toEqual([]);
      expect(t.connector.updates).toHaveLength(1);
      const post = await db().channelPost.findUniqueOrThrow({ where: { entityType_entityId: { entityType: 'Agreement', entityId: agreement.id } } });
      expect(t.connector.updates[0]!.replyToId).toBe(post.activityId);
      expect(cardText(cardOf(t.connector.updates[0]!))).toContain('En överenskommelse har uppdaterats');
    });

    it('two clicks on "done" at the same moment make one event', async () => {
      const agreement = await create('Skicka intyg', ids.anna);
      const answers = await Promise.all([change(agreement.id, 1, { change: 'done' }), change(agreement.id, 1, { change: 'done' })]);
      expect(answers.every((a) => cardText(a.card).includes('Klar'))).toBe(true);
      expect(await eventsOf(agreement.id)).toEqual(['created', 'done']);
    });

    it('refuses a change by someone who is neither responsible nor case manager, audited, data untouched', async () => {
      const agreement = await create('Följa med till tandläkaren', ids.anna);
      const answer = await change(agreement.id, 1, { change: 'done' }, USERS.omar);
      expect(answer.message).toBe('Bara den ansvariga eller gruppens case manager kan ändra den här överenskommelsen.');
      expect(await db().agreement.findUniqueOrThrow({ where: { id: agreement.id } })).toMatchObject({ status: 'proposed', version: 1 });
      expect(await eventsOf(agreement.id)).toEqual(['created']);
      expect(await db().auditEvent.count({ where: { entityId: agreement.id, outcome: 'denied', reason: 'forbidden' } })).toBe(1);
      const english = await change(agreement.id, 1, { change: 'done' }, USERS.omar).then(() => execute('agreementChange', { agreementId: agreement.id, version: 1, change: 'done' }, USERS.omar, { locale: 'en-US' }));
      expect(english.message).toBe("Only the person responsible or the group's case manager can change this agreement.");
    });

    it('"can\'t" needs a reason, and keeps it in the history', async () => {
      const agreement = await create('Hämta ut medicin', ids.anna);
      const missing = await change(agreement.id, 1, { change: 'declined', reason: '' });
      expect(cardText(missing.card)).toContain('Skriv kort varför.');
      expect(await eventsOf(agreement.id)).toEqual(['created']);
      const declined = await change(agreement.id, 1, { change: 'declined', reason: 'Bortrest den veckan' });
      expect(cardText(declined.card)).toContain('Kan inte');
      expect(cardText(declined.card)).toContain(' · kan inte\n: Bortrest den veckan');
      const event = await db().agreementEvent.findFirstOrThrow({ where: { agreementId: agreement.id, kind: 'declined' } });
      expect(JSON.parse(event.details!)).toEqual({ reason: 'Bortrest den veckan' });
    });

    it('the case manager changes the due date, reassigns and cancels; every change is an event with what changed', async () => {
      const agreement = await create('Ansöka om god man', ids.anna);
      const past = await change(agreement.id, 1, { change: 'due_date_changed', dueDate: '2020-01-01' }, USERS.sara);
      expect(cardText(past.card)).toContain('Datumet har redan passerat.');
      await change(agreement.id, 1, { change: 'due_date_changed', dueDate: inDays(20) }, USERS.sara);
      await change(agreement.id, 2, { change: 'reassigned', responsible: ids.omar }, USERS.sara);
      const outsider = await change(agreement.id, 3, { change: 'reassigned', responsible: 'nobody' }, USERS.sara);
      expect(cardText(outsider.card)).toContain('Välj en ansvarig bland gruppens medlemmar.');
      const cancelled = await change(agreement.id, 3, { change: 'cancelled' }, USERS.sara);
      expect(cardText(cancelled.card)).toContain('Avbruten');
      expect(cardText(cancelled.card)).toContain('(Anna Berg → Omar Said)');
      expect(await eventsOf(agreement.id)).toEqual(['created', 'due_date_changed', 'reassigned', 'cancelled']);
      const stored = await db().agreement.findUniqueOrThrow({ where: { id: agreement.id } });
      expect(stored).toMatchObject({ status: 'cancelled', responsibleMemberId: ids.omar, version: 4 });
      expect(stored.dueDate.toISOString().slice(0, 10)).toBe(inDays(20));
      const finished = await change(agreement.id, 4, { change: 'accepted' }, USERS.omar);
      expect(cardText(finished.card)).toContain('Överenskommelsen är redan avslutad och kan inte ändras.');
      expect(await eventsOf(agreement.id)).toHaveLength(4);
    });

    it('"done" after "can\'t" is allowed; saving the same date or person again changes nothing', async () => {
      const agreement = await create('Fylla i blanketten', ids.anna);
      await change(agreement.id, 1, { change: 'declined', reason: 'Sjuk' });
      const done = await change(agreement.id, 2, { change: 'done' });
      expect(cardText(done.card)).toContain('Ändringen är sparad.');
      const other = await create('Boka tolk', ids.anna, inDays(9));
      for (const data of [{ change: 'reassigned', responsible: ids.anna }, { change: 'due_date_changed', dueDate: inDays(9) }]) {
        const same = await change(other.id, 1, data, USERS.sara);
        expect(cardText(same.card)).toContain('Det var redan gjort. Inget har ändrats.');
      }
      expect(await eventsOf(agreement.id)).toEqual(['created', 'declined', 'done']);
      expect(await eventsOf(other.id)).toEqual(['created']);
      expect((await db().agreement.findUniqueOrThrow({ where: { id: other.id } })).version).toBe(1);
    });

    it('a change from a stale card gets the fresh card, not a second change', async () => {
      const agreement = await create('Ringa kuratorn', ids.anna);
      await change(agreement.id, 1, { change: 'accepted' });
      const stale = await change(agreement.id, 1, { change: 'declined', reason: 'Hinner inte' });
      expect(cardText(stale.card)).toContain('Kortet har uppdaterats. Här är det senaste.');
      expect(await eventsOf(agreement.id)).toEqual(['created', 'accepted']);
    });

    it('answers unknown and foreign agreement ids politely', async () => {
      const other = await createTestGroup(t, USERS.omar, { conversationId: '19:other-group@thread.v2', conversationType: 'groupChat', alias: 'Z.Z.' });
      const otherMember = await db().member.findFirstOrThrow({ where: { groupId: other.id } });
      const foreign = await db().agreement.create({ data: { groupId: other.id, responsibleMemberId: otherMember.id, what: 'Annan grupps sak', dueDate: new Date() } });
      for (const agreementId of ['unknown-id', foreign.id]) {
        expect((await execute('agreementShow', { agreementId })).message).toBe('Jag hittar inte det du letar efter. Det kan ha tagits bort.');
        expect((await change(agreementId, 1, { change: 'done' }, USERS.sara)).message).toBe('Jag hittar inte det du letar efter. Det kan ha tagits bort.');
      }
      expect((await db().agreement.findUniqueOrThrow({ where: { id: foreign.id } })).status).toBe('proposed');
    });

    it('`mina` in personal chat lists the caller\'s open agreements across groups, overdue first', async () => {
      const other = await db().resourceGroup.findFirstOrThrow({ where: { individualAlias: 'Z.Z.' } });
      const annaThere = await db().member.create({ data: { groupId: other.id, teamsUserId: USERS.anna.id, aadObjectId: USERS.anna.aadObjectId, displayName: USERS.anna.name, role: 'nurse', principal: 'region', consentRecordedAt: new Date() } });
      await db().agreement.create({ data: { groupId: other.id, responsibleMemberId: annaThere.id, what: 'Försenad sak i Z.Z.', dueDate: new Date(Date.now() - 5 * 86_400_000) } });
      const reply = await say('mina', USERS.anna, { scope: 'personal' });
      const card = cardOf(reply);
      expect(adaptiveCardErrors(card)).toEqual([]);
      const text = cardText(card);
      expect(text).toContain('Mina öppna överenskommelser');
      expect(text.indexOf('Försenad sak i Z.Z.')).toBeLessThan(text.indexOf('Hjälpa till med bostadsansökan'));
      expect(text).toContain('Försenad: skulle vara klar');
      expect(text).not.toContain('Skicka intyg'); // done
      expect(text).not.toContain('Ansöka om god man'); // cancelled and reassigned
      // Opening one from the personal chat works for the responsible member.
      const agreement = await db().agreement.findFirstOrThrow({ where: { what: 'Hjälpa till med bostadsansökan' } });
      expect(cardText((await execute('agreementShow', { agreementId: agreement.id }, USERS.anna, { scope: 'personal' })).card)).toContain('Hjälpa till med bostadsansökan');
      // Without consent in Z.Z., its agreements are not shown.
      await db().member.update({ where: { id: annaThere.id }, data: { consentWithdrawnAt: new Date(Date.now() + 1000) } });
      expect(cardText(cardOf(await say('mine', USERS.anna, { scope: 'personal', locale: 'en-US' })))).not.toContain('Z.Z.');
    });

    it('a change made in personal chat updates the agreement\'s post in the group\'s channel, proactively', async () => {
      const agreement = await db().agreement.findFirstOrThrow({ where: { what: 'Hjälpa till med bostadsansökan' } });
      const post = await db().channelPost.findUniqueOrThrow({ where: { entityType_entityId: { entityType: 'Agreement', entityId: agreement.id } } });
      t.connector.clear();
      const answer = await execute('agreementChange', { agreementId: agreement.id, version: agreement.version, change: 'accepted' }, USERS.anna, { scope: 'personal' });
      expect(cardText(answer.card)).toContain('Ändringen är sparad.');
      expect(t.connector.activities).toEqual([]);
      const [updated] = t.connector.updates;
      expect(updated).toMatchObject({ conversationId: post.conversationId, replyToId: post.activityId });
      expect(cardText(cardOf(updated))).toContain('En överenskommelse har uppdaterats');
      expect(JSON.stringify(cardOf(updated))).not.toContain('bostadsansökan');
      expect(updated!.activity.summary).toBe('Resursgrupp: ny uppdatering i gruppen');
    });

    it('`mina` in a channel shows only this group\'s agreements, to the caller', async () => {
      const card = cardOf(await say('mina', USERS.anna));
      expect(card.refresh).toEqual({ action: expect.objectContaining({ verb: 'mineShow' }), userIds: [USERS.anna.id] });
      const view = cardText((await execute('mineShow', {}, USERS.anna)).card);
      expect(view).toContain('Hjälpa till med bostadsansökan');
      expect(view).not.toContain('Z.Z.');
    });

    it('the meeting summary groups agreements made or changed since a date by member', async () => {
      const card = cardOf(await say(`överenskommelse sammanfattning ${inDays(-1)}`));
      expect(cardText(card)).toContain('Sammanfattning av överenskommelser');
      const refresh = card.refresh as { action: { verb: string; data: { since: string } } };
      expect(refresh.action).toMatchObject({ verb: 'agreementSummaryShow', data: { since: inDays(-1) } });
      const view = await execute('agreementSummaryShow', refresh.action.data);
      expect(adaptiveCardErrors(view.card)).toEqual([]);
      const text = cardText(view.card);
      expect(text).toContain('Gjorda eller ändrade, per ansvarig medlem.');
      for (const heading of ['Anna Berg', 'K.L. (individen)', 'Omar Said']) expect(text).toContain(heading);
      expect(text.indexOf('Anna Berg')).toBeLessThan(text.indexOf('Omar Said'));
      expect(cardText((await execute('agreementSummaryShow', { since: inDays(1) })).card)).toContain('Inga överenskommelser har gjorts eller ändrats sedan dess.');
      expect(cardText(cardOf(await say('agreement summary yesterday', USERS.sara, { locale: 'en-US' })))).toContain('The date could not be read.');
    });

    it('handles a card action Teams delivers twice (same activity id) once: one agreement, a polite second answer', async () => {
      const invoke = actionExecuteActivity('agreementCreate', { what: 'Levereras två gånger', responsible: ids.anna, dueDate: inDays(4) }, where());
      const first = actionAnswer(await t.post(invoke));
      const second = actionAnswer(await t.post(invoke));
      expect(cardText(first.card)).toContain('Överenskommelsen är registrerad.');
      expect(second.message).toBe('Det här har redan tagits emot. Inget har ändrats.');
      expect(await db().agreement.count({ where: { what: 'Levereras två gånger' } })).toBe(1);
    });

    it('a database error in the middle of a change rolls all of it back (status, version, event, audit, claim); the redelivery makes it once', async () => {
      const agreement = await create('Hämta ut medicinen', ids.anna);
      const activity = actionExecuteActivity('agreementChange', { agreementId: agreement.id, version: 1, change: 'accepted' }, where(USERS.anna));
      // Refused by the database after the guarded update of the agreement ran, inside the same transaction.
      const restore = await failInsertsInto(db(), provider, 'AgreementEvent');
      let first;
      try {
        first = actionAnswer(await t.post(activity));
      } finally {
        await restore();
      }
      expect(first.message).toBe('Förlåt, något gick fel hos mig. Försök igen om en stund. Inget har ändrats.');
      expect(await db().agreement.findUniqueOrThrow({ where: { id: agreement.id } })).toMatchObject({ status: 'proposed', version: 1, updatedAt: agreement.updatedAt });
      expect(await eventsOf(agreement.id)).toEqual(['created']);
      expect(await db().auditEvent.count({ where: { action: 'agreement.accepted', entityId: agreement.id } })).toBe(0);
      expect(JSON.stringify(first)).not.toMatch(/insert refused|AgreementEvent|SQLITE|trigger/i);

      const redelivered = actionAnswer(await t.post(activity));
      expect(cardText(redelivered.card)).toContain('Ändringen är sparad.');
      expect(await db().agreement.findUniqueOrThrow({ where: { id: agreement.id } })).toMatchObject({ status: 'accepted', version: 2 });
      expect(await eventsOf(agreement.id)).toEqual(['created', 'accepted']);
      expect(await db().auditEvent.count({ where: { action: 'agreement.accepted', entityId: agreement.id, outcome: 'allowed', actorMemberId: ids.anna } })).toBe(1);
      expect((actionAnswer(await t.post(activity))).message).toBe('Det här har redan tagits emot. Inget har ändrats.');
      expect(await eventsOf(agreement.id)).toEqual(['created', 'accepted']);
    });

    it('handles a message Teams delivers twice (same activity id) once', async () => {
      const activity = messageActivity('överenskommelse', where());
      expect((await t.post(activity)).status).toBe(200);
      expect((await t.post(activity)).status).toBe(200);
      await t.connector.waitForActivities(1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(t.connector.activities).toHaveLength(1);
      expect(t.logs.some((line) => line.includes('"activity.duplicate"'))).toBe(true);
    });

    it('a due date moved into the past is refused with the earliest day allowed, and nothing changes', async () => {
      const agreement = await create('Skriva intyget', ids.anna);
      const answer = await change(agreement.id, 1, { change: 'due_date_changed', dueDate: '2020-01-01' }, USERS.sara);
      const earliest = formatDay(todayIn('Europe/Stockholm', new Date()), 'sv');
      expect(cardText(answer.card)).toContain(`Datumet har redan passerat. Välj ${earliest} eller senare.`);
      expect(await db().agreement.findUniqueOrThrow({ where: { id: agreement.id } })).toMatchObject({ version: 1, dueDate: agreement.dueDate });
    });

    it('`mina` with nothing open says "well done" only to someone who has done agreements', async () => {
      const lea = { id: '29:lea', name: 'Lea Ek', aadObjectId: '00000000-0000-4000-8000-00000000000d' };
      const leaId = (await db().member.create({ data: { groupId, teamsUserId: lea.id, aadObjectId: lea.aadObjectId, displayName: lea.name, role: 'nurse', principal: 'region', consentRecordedAt: new Date() } })).id;
      const mine = async () => cardText(cardOf(await say('mina', lea, { scope: 'personal' })));
      expect(await mine()).toBe('Mina öppna överenskommelser\nDu har inga öppna överenskommelser.');
      const agreement = await create('Boka tid på vårdcentralen', leaId);
      expect(cardText((await change(agreement.id, 1, { change: 'done' }, lea)).card)).toContain('Ändringen är sparad.');
      expect(await mine()).toBe('Mina öppna överenskommelser\nDu har inga öppna överenskommelser. Bra jobbat!');
    });
  });
}
