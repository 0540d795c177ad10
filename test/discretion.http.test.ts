/**
 * A quiet, discreet channel: what the bot posts into a group's shared conversation, says to whom, and
 * shows to each person. Over HTTP against the real server and database, with a fake Bot Connector.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { COMMAND_DEFINITIONS } from '../src/domain/commands';
import { CHANNEL_ID, USERS, type TestUser } from './support/activities';
import { createTestGroup, startTestBot, talkTo, type TestBot } from './support/bot';
import { adaptiveCardErrors } from './support/cards';
import { testProviders } from './support/databases';
import { cardOf, cardText, type CapturedActivity } from './support/fake-connector';

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
const NEUTRAL_SV = 'Det här kan jag inte visa här. Skriv till mig direkt för att se varför.';
const NEUTRAL_EN = "I can't show that here. Write to me directly to see why.";

/** The titles of a card's buttons (top-level and inside Action.ShowCard), in order. */
function buttonTitles(card: Record<string, unknown> | undefined): string[] {
  const titles: string[] = [];
  const visit = (actions: unknown) => {
    for (const action of (actions as Array<{ title?: string; card?: { actions?: unknown; body?: unknown } }>) ?? []) {
      if (action.title) titles.push(action.title);
      if (action.card) {
        visit(action.card.actions);
        for (const element of (action.card.body as Array<{ type: string; actions?: unknown }>) ?? []) if (element.type === 'ActionSet') visit(element.actions);
      }
    }
  };
  visit(card?.actions);
  return titles;
}

/**
 * What a post shows and carries: its text, notification summary and cards (fallback text and hidden
 * action data included), without refresh.userIds, the one thing about members a base card may carry.
 * (The envelope's `recipient` addresses the reply, as Bot Framework does; it is not shown.)
 */
function contentOf(activity: CapturedActivity['activity']): string {
  const { text, summary, attachments } = activity;
  return JSON.stringify({ text, summary, attachments }, (key, value: unknown) => (key === 'userIds' ? undefined : value));
}

for (const provider of testProviders()) {
  describe(`a quiet, discreet channel on ${provider}`, () => {
    let t: TestBot;
    let groupId: string;
    let ids: { sara: string; anna: string; omar: string; lars: string };
    const db = () => t.bot.database.db;
    const { execute, say } = talkTo(() => t);

    beforeAll(async () => {
      t = await startTestBot(provider, [USERS.sara, USERS.anna, USERS.omar, USERS.lars]);
      groupId = (await createTestGroup(t, USERS.sara)).id;
      const consent = new Date();
      const add = (user: TestUser, role: string, principal: string, consented: boolean) =>
        db().member.create({
          data: { groupId, teamsUserId: user.id, aadObjectId: user.aadObjectId, displayName: user.name, role, principal, consentRecordedAt: consented ? consent : null },
        });
      ids = {
        sara: (await db().member.findFirstOrThrow({ where: { groupId, isCaseManager: true } })).id,
        anna: (await add(USERS.anna, 'housing_support', 'kommun', true)).id,
        // A relative whose consent is recorded, and a member (Omar) without it.
        lars: (await add(USERS.lars, 'relative', 'private', true)).id,
        omar: (await add(USERS.omar, 'social_worker', 'kommun', false)).id,
      };
    });
    afterAll(async () => t?.stop());
    beforeEach(() => t.connector.clear());

    const outsider: TestUser = { id: '29:eve', name: 'Eve Outsider', aadObjectId: '00000000-0000-4000-8000-0000000000ee' };

    async function createAgreement(what: string, responsible: string, from: TestUser = USERS.sara) {
      const answer = await execute('agreementCreate', { what, responsible, dueDate: inDays(7) }, from);
      expect(cardText(answer.card)).toContain('Överenskommelsen är registrerad.');
      return db().agreement.findFirstOrThrow({ where: { groupId, what } });
    }
    const postOf = (entityType: 'Goal' | 'Agreement', entityId: string) =>
      db().channelPost.findUniqueOrThrow({ where: { entityType_entityId: { entityType, entityId } } });

    describe('refusals in the channel say nothing; the reason is private', () => {
      it('a member without consent and a non-member get the same neutral reply in the channel, in both languages', async () => {
        const refused: Array<[TestUser, string]> = [
          ...['plan', 'nytt mål', 'överenskommelse', 'mina'].flatMap((command) => [[USERS.omar, command], [outsider, command]] as Array<[TestUser, string]>),
          [outsider, 'medlemmar'],
        ];
        for (const [who, command] of refused) {
          const card = cardOf(await say(command, who));
          expect(adaptiveCardErrors(card)).toEqual([]);
          expect(cardText(card), `${who.name}: ${command}`).toBe(`${NEUTRAL_SV}\nVarför?`);
        }
        const english = cardOf(await say('plan', outsider, { locale: 'en-US' }));
        expect(cardText(english)).toBe(`${NEUTRAL_EN}\nWhy?`);
        // Nothing in any of those replies names a reason, the individual or the group.
        for (const reply of t.connector.activities) expect(contentOf(reply.activity)).not.toMatch(/samtycke|consent|medlem|member|K\.L\./i);
      });

      it('"Why?" answers only the person who pressed, from their own identity', async () => {
        const card = cardOf(await say('plan', USERS.omar));
        const why = (card.actions as Array<{ verb: string; data: Record<string, unknown> }>)[0]!;
        expect(why.verb).toBe('accessExplain');
        expect((await execute(why.verb, why.data, USERS.omar)).message).toBe('Individens samtycke till att dela med dig är inte registrerat ännu. Be gruppens case manager om hjälp.');
        expect((await execute(why.verb, why.data, outsider, { locale: 'en-US' })).message).toBe(
          "You are not a registered member of this resource group, so I can't show or change anything for you. Ask the group's case manager to add you.",
        );
        expect((await execute(why.verb, why.data, USERS.anna)).message).toBe('Du har tillgång nu. Försök igen.');
        // A case-manager-only refusal explains that level, whatever the card data claims about anyone.
        const cmOnly = await execute('accessExplain', { ask: 'manage' }, USERS.anna);
        expect(cmOnly.message).toBe('Du har inte behörighet att göra det här.');
        expect(t.connector.activities.every((a) => !JSON.stringify(a.activity).includes('samtycke'))).toBe(true);
      });

      it('in personal chat, help tells the person why they were refused today, without naming the group', async () => {
        await say('plan', USERS.omar);
        t.connector.clear();
        await say('hjälp', USERS.omar, { scope: 'personal' });
        const [, why] = await t.connector.waitForActivities(2);
        const text = cardText(cardOf(why));
        expect(text).toContain('Därför fick du nej');
        expect(text).toContain('Individens samtycke till att dela med dig är inte registrerat ännu.');
        expect(text).not.toContain('K.L.');
        expect(why!.conversationId).toBe(`a:personal-${USERS.omar.id}`);
        // Someone never refused gets help alone.
        t.connector.clear();
        await say('hjälp', USERS.anna, { scope: 'personal' });
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(t.connector.activities).toHaveLength(1);
      });

      it('help and set-up in the channel never say whose group it is; the private answer to a member\'s press does', async () => {
        for (const who of [USERS.sara, USERS.omar, outsider]) {
          const help = cardText(cardOf(await say('hjälp', who)));
          expect(help).toContain('Den här konversationen hör till en resursgrupp.');
          expect(help).not.toContain('K.L.');
          expect(JSON.stringify(cardOf(await say('starta', who)))).not.toMatch(/K\.L\.|Sara Lind/);
        }
        const setup = { alias: 'X.Y.', model: 'ACT', caseManager: USERS.sara.id };
        expect(cardText((await execute('groupSetup', setup, USERS.lars)).card)).toContain('K.L.');
        expect(JSON.stringify((await execute('groupSetup', setup, USERS.omar)).card)).not.toMatch(/K\.L\.|Sara Lind/);
      });

      it('a refused agreement change is an audited refusal, logged like any refused action', async () => {
        const agreement = await createAgreement('Ringa hyresvärden', ids.anna);
        const answer = await execute('agreementChange', { agreementId: agreement.id, version: agreement.version, change: 'done' }, USERS.lars);
        expect(answer.message).toBe('Bara den ansvariga eller gruppens case manager kan ändra den här överenskommelsen.');
        expect((await db().agreement.findUniqueOrThrow({ where: { id: agreement.id } })).status).toBe('proposed');
        const logged = t.logs.map((line) => JSON.parse(line) as { msg?: string; event?: string; verb?: string; code?: string });
        const refused = logged.filter((l) => l.verb === 'agreementChange' && l.code === 'forbidden');
        expect(refused.length).toBe(1);
        expect(JSON.stringify(refused[0])).toContain('action.refused');
        expect(await db().auditEvent.count({ where: { groupId, action: 'agreement.change', outcome: 'denied', actorMemberId: ids.lars } })).toBe(1);
      });
    });

    describe('the access log tells an automatic refresh from a person opening a view', () => {
      it('records the trigger of every card read and refusal', async () => {
        const since = new Date();
        await execute('planShow', {}, USERS.anna, { trigger: 'automatic' });
        await execute('planShow', {}, USERS.anna);
        await execute('planShow', {}, USERS.omar, { trigger: 'automatic' });
        await say('plan', USERS.anna);
        const rows = await db().auditEvent.findMany({ where: { groupId, action: 'plan.read', at: { gte: since } }, orderBy: { at: 'asc' } });
        expect(rows.map((r) => [r.actorAadObjectId, r.outcome, r.trigger])).toEqual([
          [USERS.anna.aadObjectId, 'allowed', 'automatic'],
          [USERS.anna.aadObjectId, 'allowed', 'manual'],
          [USERS.omar.aadObjectId, 'denied', 'automatic'],
        ]);
      });
    });

    describe('one thing, one post', () => {
      it('an agreement gets one post; changes update it in place; a new person responsible gets a new post', async () => {
        const agreement = await createAgreement('Följa med till Försäkringskassan', ids.anna);
        expect(t.connector.activities).toHaveLength(1);
        const first = await postOf('Agreement', agreement.id);
        expect(first.activityId).toBeTruthy();

        t.connector.clear();
        await execute('agreementChange', { agreementId: agreement.id, version: 1, change: 'accepted' }, USERS.anna);
        await execute('agreementChange', { agreementId: agreement.id, version: 2, change: 'due_date_changed', dueDate: inDays(10) }, USERS.sara);
        expect(t.connector.activities).toEqual([]);
        expect(t.connector.updates.map((u) => [u.conversationId, u.replyToId])).toEqual([
          [first.conversationId, first.activityId],
          [first.conversationId, first.activityId],
        ]);
        expect(cardText(cardOf(t.connector.updates[1]))).toMatch(/En överenskommelse har uppdaterats\nAn agreement was updated\nSenast ändrad/);

        // Reassigned: someone must act, so a new post, which later changes update.
        t.connector.clear();
        await execute('agreementChange', { agreementId: agreement.id, version: 3, change: 'reassigned', responsible: ids.lars }, USERS.sara);
        const [reassigned] = await t.connector.waitForActivities(1);
        expect(cardText(cardOf(reassigned))).toContain('En överenskommelse har fått en ny ansvarig');
        expect(t.connector.updates).toEqual([]);
        const second = await postOf('Agreement', agreement.id);
        expect(second.activityId).not.toBe(first.activityId);
        await execute('agreementChange', { agreementId: agreement.id, version: 4, change: 'accepted' }, USERS.lars);
        expect(t.connector.updates.map((u) => u.replyToId)).toEqual([second.activityId]);
      });

      it('a goal gets one post; its updates and new sub-goals update it in place', async () => {
        await execute('goalCreate', { lifeArea: 'work', text: 'Hitta en praktikplats', responsible: '', targetDate: '', individualAgreed: 'true' });
        const goal = await db().goal.findFirstOrThrow({ where: { groupId, text: 'Hitta en praktikplats' } });
        expect(t.connector.activities).toHaveLength(1);
        const post = await postOf('Goal', goal.id);
        t.connector.clear();
        await execute('goalUpdate', { goalId: goal.id, versions: { [goal.id]: goal.version }, status: 'in_progress', progress: '3' });
        const subGoal = await execute('subGoalCreate', { goalId: goal.id, text: 'Besöka arbetsförmedlingen', responsible: ids.anna, targetDate: inDays(30) });
        expect(cardText(subGoal.card)).toContain('Delmålet är sparat.');
        expect(t.connector.activities).toEqual([]);
        expect(t.connector.updates.map((u) => u.replyToId)).toEqual([post.activityId, post.activityId]);
      });

      it('falls back to a new post when Teams no longer takes the update (deleted: 404; refused: 403), without calling the channel unreachable', async () => {
        const agreement = await createAgreement('Boka tid hos tandläkaren', ids.anna);
        const original = await postOf('Agreement', agreement.id);
        t.connector.clear();
        t.connector.failNext({ status: 404, method: 'PUT', body: { error: { code: 'NotFound' } } });
        const answer = await execute('agreementChange', { agreementId: agreement.id, version: 1, change: 'accepted' }, USERS.anna);
        expect(cardText(answer.card)).toContain('Ändringen är sparad.');
        const [fallback] = await t.connector.waitForActivities(1);
        expect(cardText(cardOf(fallback))).toContain('En överenskommelse har uppdaterats');
        const replaced = await postOf('Agreement', agreement.id);
        expect(replaced.activityId).not.toBe(original.activityId);

        t.connector.clear();
        t.connector.failNext({ status: 403, method: 'PUT', body: { error: { code: 'Forbidden' } } });
        await execute('agreementChange', { agreementId: agreement.id, version: 2, change: 'done' }, USERS.anna);
        await t.connector.waitForActivities(1);
        expect((await db().conversationReference.findUniqueOrThrow({ where: { conversationId: CHANNEL_ID } })).unreachableAt).toBeNull();
        expect((await postOf('Agreement', agreement.id)).activityId).not.toBe(replaced.activityId);
      });
    });

    describe('buttons only for those who may press them', () => {
      it('the agreement card shows each person only what they may do, in both languages', async () => {
        const agreement = await createAgreement('Söka bostadstillägg', ids.anna);
        const view = async (who: TestUser, locale = 'sv-SE') => (await execute('agreementShow', { agreementId: agreement.id }, who, { locale })).card;
        expect(buttonTitles(await view(USERS.anna))).toEqual(['Jag åtar mig', 'Klart', 'Kan inte', 'Skicka', 'Ändra', 'Spara datum', 'Ge till annan', 'Avbryt överenskommelsen']);
        expect(buttonTitles(await view(USERS.anna, 'en-US'))).toEqual(expect.arrayContaining(["I'll do it", 'Done', "Can't"]));
        expect(buttonTitles(await view(USERS.sara))).toEqual(['Markera klar åt Anna Berg', 'Ändra', 'Spara datum', 'Ge till annan', 'Avbryt överenskommelsen']);
        expect(buttonTitles(await view(USERS.sara, 'en-US'))).toEqual(expect.arrayContaining(['Mark done for Anna Berg', 'Change']));
        expect(buttonTitles(await view(USERS.lars))).toEqual([]);
        expect(buttonTitles(await view(USERS.lars, 'en-US'))).toEqual([]);
      });

      it('the case manager marks done on someone\'s behalf, and the history says so', async () => {
        const agreement = await createAgreement('Hämta ut receptet', ids.anna);
        const answer = await execute('agreementChange', { agreementId: agreement.id, version: 1, change: 'done' }, USERS.sara);
        expect(cardText(answer.card)).toContain('Sara Lind\n · markerade som klar\n åt Anna Berg');
        const [event] = await db().agreementEvent.findMany({ where: { agreementId: agreement.id, kind: 'done' } });
        expect(JSON.parse(event!.details!)).toEqual({ onBehalfOf: ids.anna });
        expect(event!.actorMemberId).toBe(ids.sara);
        const english = await execute('agreementShow', { agreementId: agreement.id }, USERS.anna, { locale: 'en-US' });
        expect(cardText(english.card)).toContain(' for Anna Berg');
      });

      it('member management buttons only for the case manager', async () => {
        const forCaseManager = buttonTitles((await execute('membersShow', {}, USERS.sara)).card);
        expect(forCaseManager).toContain('Ändra medlem');
        expect(buttonTitles((await execute('membersShow', {}, USERS.lars)).card)).not.toContain('Ändra medlem');
        expect(buttonTitles((await execute('membersShow', {}, USERS.lars, { locale: 'en-US' })).card)).toEqual([]);
      });

      it('an agreement opened from "mine" or the meeting summary has a way back to the list', async () => {
        const agreement = await createAgreement('Skriva ansökan', ids.anna);
        const mine = await execute('mineShow', {}, USERS.anna);
        const open = (mine.card!.body as unknown[]) && JSON.stringify(mine.card).includes('"list":"mine"');
        expect(open).toBe(true);
        const opened = await execute('agreementShow', { agreementId: agreement.id, list: 'mine', since: '' }, USERS.anna);
        const back = (opened.card!.actions as Array<{ verb: string; title: string; data: Record<string, unknown> }>).find((a) => a.title === 'Tillbaka till listan')!;
        expect(back.verb).toBe('mineShow');
        expect(cardText((await execute(back.verb, back.data, USERS.anna)).card)).toContain('Skriva ansökan');
        // After a change from that card, the way back is still there.
        const changed = await execute('agreementChange', { agreementId: agreement.id, version: 1, change: 'accepted', list: 'mine', since: '' }, USERS.anna);
        expect(buttonTitles(changed.card)).toContain('Tillbaka till listan');
        const fromSummary = await execute('agreementShow', { agreementId: agreement.id, list: 'summary', since: inDays(-14) }, USERS.anna, { locale: 'en-US' });
        const backToSummary = (fromSummary.card!.actions as Array<{ verb: string; title: string; data: Record<string, unknown> }>).find((a) => a.title === 'Back to the list')!;
        expect(backToSummary).toMatchObject({ verb: 'agreementSummaryShow', data: { since: inDays(-14) } });
      });
    });

    it('no post into the channel carries anything about the members or the individual beyond refresh.userIds', async () => {
      // Everything above, again, with every post and update into the channel inspected.
      const everything: CapturedActivity[] = [];
      const keep = () => everything.push(...t.connector.activities, ...t.connector.updates);
      for (const who of [USERS.sara, USERS.lars, USERS.omar, outsider]) {
        // Every command there is (a command added later is inspected too), and something unknown.
        for (const command of [...COMMAND_DEFINITIONS.map((c) => c.sv), 'vad är detta']) {
          await say(command, who);
        }
      }
      keep();
      t.connector.clear();
      await execute('goalCreate', { lifeArea: 'health', text: 'Sova bättre om nätterna', responsible: ids.lars, targetDate: '', individualAgreed: 'true' });
      const agreement = await createAgreement('Köpa en väckarklocka', ids.lars);
      await execute('agreementChange', { agreementId: agreement.id, version: 1, change: 'accepted' }, USERS.lars);
      await execute('agreementChange', { agreementId: agreement.id, version: 2, change: 'reassigned', responsible: ids.anna }, USERS.sara);
      await execute('agreementChange', { agreementId: agreement.id, version: 3, change: 'accepted' }, USERS.anna, { scope: 'personal' });
      keep();
      const inChannel = everything.filter((a) => a.conversationId.startsWith(CHANNEL_ID));
      expect(inChannel.length).toBeGreaterThanOrEqual(4 * (COMMAND_DEFINITIONS.length + 1) + 4);
      const secrets = ['K.L.', 'Sara Lind', 'Anna Berg', 'Lars Lundqvist', 'Omar Said', 'Sova bättre', 'väckarklocka', 'samtycke till att dela', 'registrerad medlem', 'IP', ...Object.values(USERS).map((u) => u.aadObjectId)];
      for (const post of inChannel) {
        const json = contentOf(post.activity);
        for (const secret of secrets) expect(json, `${secret} in ${json.slice(0, 300)}`).not.toContain(secret);
        if (post.activity.summary) expect(post.activity.summary).toBe('Resursgrupp: ny uppdatering i gruppen');
      }
    });
  });
}
