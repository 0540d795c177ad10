/**
 * Scale: a group with 300 goals (with sub-goals and updates) and 300 agreements, every text 500
 * characters, and one member in 1,000 groups. Every view and form, opened through the real bot over
 * HTTP, must fit the card budget, be a valid card, show its items, and reach the newest item by paging.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CARD_BUDGET_BYTES, jsonBytes } from '../src/cards/budget';
import { LIFE_AREAS } from '../src/domain/plan';
import { actionExecuteActivity, USERS, type TestUser } from './support/activities';
import { actionAnswer, createTestGroup, startTestBot, talkTo, type TestBot } from './support/bot';
import { adaptiveCardErrors } from './support/cards';
import { testProviders } from './support/databases';
import { cardOf, cardText } from './support/fake-connector';

const DAY = 86_400_000;
const NEXT = 'Visa fler';
/** A member of the group without consent, and so without access to the plan. */
const NILS: TestUser = { id: '29:nils', name: 'Nils Ek', aadObjectId: '00000000-0000-4000-8000-00000000000d' };

/** A 500-character text that starts with `marker`, with multi-byte letters as Swedish text has. */
function longText(marker: string): string {
  const filler = ' Individen vill själv bestämma över sin vardag, sitt boende och sina relationer — åäö ÅÄÖ.';
  let text = marker;
  while (text.length < 500) text += filler;
  return text.slice(0, 500);
}

/** Inserts rows in chunks: fast, and no statement with an unbounded number of parameters. */
async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>, size = 400): Promise<void> {
  for (let i = 0; i < rows.length; i += size) await insert(rows.slice(i, i + size));
}

/** The Action.Execute titled "show more" with this verb, if the card has one. */
function nextPageData(card: unknown, verb: string): Record<string, unknown> | undefined {
  let found: Record<string, unknown> | undefined;
  const visit = (node: unknown) => {
    if (found) return;
    if (Array.isArray(node)) return node.forEach(visit);
    if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (obj.type === 'Action.Execute' && obj.verb === verb && obj.title === NEXT) found = (obj.data ?? {}) as Record<string, unknown>;
      else Object.values(obj).forEach(visit);
    }
  };
  visit(card);
  return found;
}

/** Largest answer per view, printed at the end (the measured figures for the issue). */
const largest = new Map<string, number>();
function measured(view: string, bytes: number) {
  largest.set(view, Math.max(largest.get(view) ?? 0, bytes));
}

for (const provider of testProviders()) {
  describe(`every card at scale on ${provider}`, () => {
    let t: TestBot;
    let groupId: string;
    const goalIds: string[] = [];
    const agreementIds: string[] = [];
    const db = () => t.bot.database.db;
    const { where, say } = talkTo(() => t);

    /** Clicks an Action.Execute and measures the whole invoke response body. */
    async function open(verb: string, data: Record<string, unknown>, from: TestUser = USERS.sara, extra: Parameters<typeof where>[1] = {}) {
      const response = await t.post(actionExecuteActivity(verb, data, where(from, extra)));
      return { ...actionAnswer(response), bytes: jsonBytes(response.body) };
    }

    /** Checks one answer: a card (not a message), under budget, valid. Returns its visible text. */
    function checkCard(view: string, answer: { card?: Record<string, unknown>; message?: string; bytes: number }): string {
      expect(answer.message, view).toBeUndefined();
      expect(answer.card, view).toBeDefined();
      expect(answer.bytes, view).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
      expect(adaptiveCardErrors(answer.card), view).toEqual([]);
      measured(view, answer.bytes);
      return cardText(answer.card);
    }

    /** Follows "show more" from the first page until `wanted` appears; asserts paging ends. */
    async function pageUntil(view: string, verb: string, data: Record<string, unknown>, wanted: string, extra: Parameters<typeof where>[1] = {}) {
      let next: Record<string, unknown> | undefined = data;
      let pages = 0;
      let seen = false;
      const texts: string[] = [];
      while (next) {
        expect(++pages, `${view}: paging must end`).toBeLessThan(60);
        const answer = await open(verb, next, USERS.sara, extra);
        const text = checkCard(view, answer);
        texts.push(text);
        if (text.includes(wanted)) seen = true;
        next = nextPageData(answer.card, verb);
      }
      return { pages, seen, first: texts[0] ?? '' };
    }

    beforeAll(async () => {
      t = await startTestBot(provider, [USERS.sara, USERS.anna, USERS.omar, NILS]);
      groupId = (await createTestGroup(t, USERS.sara)).id;
      const sara = await db().member.findFirstOrThrow({ where: { groupId, isCaseManager: true } });
      const now = Date.now();
      const base = now - 40 * DAY;
      await db().member.create({ data: { groupId, teamsUserId: NILS.id, aadObjectId: NILS.aadObjectId, displayName: NILS.name, role: 'nurse', principal: 'region' } });
      await db().member.createMany({
        data: Array.from({ length: 100 }, (_, i) => ({
          groupId,
          displayName: `Medlem ${String(i + 1).padStart(3, '0')}${i === 99 ? ' SISTA-MEDLEMMEN' : ''}`,
          role: 'other',
          principal: 'other',
          organisation: 'x'.repeat(80),
          consentRecordedAt: new Date(now),
        })),
      });

      const goals = Array.from({ length: 300 }, (_, i) => {
        const id = randomUUID();
        goalIds.push(id);
        const createdAt = new Date(base + i * 60_000);
        return {
          id,
          groupId,
          lifeArea: LIFE_AREAS[i % LIFE_AREAS.length]!,
          text: longText(i === 299 ? 'NYASTE-MÅLET ' : i === 150 ? 'SENAST-ÄNDRADE-MÅLET ' : `Mål ${i} `),
          status: 'in_progress',
          progress: i % 11,
          responsibleMemberId: sara.id,
          createdAt,
          updatedAt: i === 150 ? new Date(now) : createdAt,
        };
      });
      await insertChunked(goals, (data) => db().goal.createMany({ data }));
      const subGoals = goals.flatMap((goal, i) =>
        [0, 1].map((k) => ({ id: randomUUID(), goalId: goal.id, text: longText(`Delmål ${i}.${k} `), responsibleMemberId: sara.id, targetDate: new Date(now + (i + k) * DAY), createdAt: goal.createdAt, updatedAt: goal.createdAt })),
      );
      await insertChunked(subGoals, (data) => db().subGoal.createMany({ data }));
      // Two updates per goal; the first goal has a long history, its newest and oldest entries marked.
      const updates = goals.flatMap((goal, i) => {
        const count = i === 0 ? 45 : 2;
        return Array.from({ length: count }, (_, k) => ({
          goalId: goal.id,
          authorMemberId: sara.id,
          status: 'in_progress',
          previousStatus: 'in_progress',
          progress: k % 11,
          comment: longText(i === 0 && k === count - 1 ? 'NYASTE-UPPDATERINGEN ' : i === 0 && k === 0 ? 'ÄLDSTA-UPPDATERINGEN ' : `Uppdatering ${i}.${k} `),
          createdAt: new Date(goal.createdAt.getTime() + (k + 1) * 1000),
        }));
      });
      await insertChunked(updates, (data) => db().goalUpdate.createMany({ data }));

      // 300 agreements, Sara responsible; the first 50 on the first goal; the newest due last.
      const agreements = Array.from({ length: 300 }, (_, i) => {
        const id = randomUUID();
        agreementIds.push(id);
        return {
          id,
          groupId,
          responsibleMemberId: sara.id,
          what: longText(i === 299 ? 'NYASTE-ÖVERENSKOMMELSEN ' : `Överenskommelse ${i} `),
          dueDate: new Date(Math.floor(now / DAY) * DAY + (i - 100) * DAY),
          goalId: i < 50 ? goals[0]!.id : goals[i]!.id,
          status: i % 3 === 0 ? 'accepted' : 'proposed',
          createdByMemberId: sara.id,
          createdAt: new Date(base + i * 60_000),
          updatedAt: new Date(base + i * 60_000),
        };
      });
      await insertChunked(agreements, (data) => db().agreement.createMany({ data }));
      const events = agreements.flatMap((a, i) => {
        const created = { agreementId: a.id, kind: 'created', actorMemberId: sara.id, details: null as string | null, createdAt: new Date(now - 5 * DAY + i * 1000) };
        if (i !== 0) return [created];
        // The first agreement has a long history; its newest event carries a marked reason.
        const more = Array.from({ length: 40 }, (_, k) => ({
          agreementId: a.id,
          kind: k === 39 ? 'declined' : 'accepted',
          actorMemberId: sara.id,
          details: k === 39 ? JSON.stringify({ reason: longText('NYASTE-HÄNDELSEN ') }) : null,
          createdAt: new Date(now - 4 * DAY + k * 1000),
        }));
        return [created, ...more];
      });
      await insertChunked(events, (data) => db().agreementEvent.createMany({ data }));
      await db().agreement.update({ where: { id: agreements[0]!.id }, data: { status: 'declined' } });

      // Another group whose goals match the same search, to prove a search stays in the caller's group.
      const other = await db().resourceGroup.create({ data: { conversationId: '19:other-group@thread.tacv2', conversationType: 'channel', individualAlias: 'X.Y.', caseManagementModel: 'IP' } });
      await db().goal.create({ data: { groupId: other.id, lifeArea: 'work', text: 'NYASTE-MÅLET i en annan grupp' } });
    }, 120_000);
    afterAll(async () => {
      await t?.stop();
      if (provider === testProviders().at(-1)) console.log('largest answer per view (bytes):', JSON.stringify(Object.fromEntries(largest)));
    });

    it('the plan comes in pages under budget, texts shortened, and the newest goal is reachable', async () => {
      const first = await open('planShow', {});
      const text = checkCard('plan', first);
      expect(text).toContain('Mål 0 ');
      expect(text).toContain('Visar 1–15 av 300');
      // Under the first goal: three of its fifty open agreements, the rest counted.
      expect(text).toContain('… och 47 öppna överenskommelser till.');
      expect(JSON.stringify(first.card)).not.toContain(longText('Mål 0 '));
      expect(text).toContain('…');
      const paged = await pageUntil('plan', 'planShow', {}, 'NYASTE-MÅLET');
      expect(paged.seen).toBe(true);
      expect(paged.pages).toBe(20);
      // A page far past the end shows the last page rather than nothing.
      expect(checkCard('plan', await open('planShow', { offset: 99_999 }))).toContain('av 300');
    });

    it('the goal view shows the whole goal text and pages its history, newest first', async () => {
      const first = await open('goalShow', { goalId: goalIds[0] });
      const text = checkCard('goal view', first);
      expect(text).toContain(longText('Mål 0 '));
      expect(text).toContain('NYASTE-UPPDATERINGEN');
      expect(text).toContain('Visar 1–10 av 45');
      const paged = await pageUntil('goal view', 'goalShow', { goalId: goalIds[0] }, 'ÄLDSTA-UPPDATERINGEN');
      expect(paged.seen).toBe(true);
      expect(paged.pages).toBe(5);
    });

    it('the goal-update form offers the recent goals and a typeahead for the rest', async () => {
      const form = await open('goalUpdateForm', {});
      const text = checkCard('goal-update form', form);
      expect(text).toContain('SENAST-ÄNDRADE-MÅLET');
      const choiceSet = JSON.stringify(form.card);
      expect(choiceSet).toContain('"choices.data":{"type":"Data.Query","dataset":"goals"}');
      const goalInput = (form.card!.body as Array<Record<string, unknown>>).find((e) => e.id === 'goalId')!;
      expect((goalInput.choices as unknown[]).length).toBeLessThanOrEqual(16);
      expect((goalInput.choices as unknown[]).length).toBeGreaterThan(0);
      checkCard('goal-update form', await open('goalUpdateForm', { goalId: goalIds[7] }));
    });

    it('a goal found by typing is shown with its current state before an update is saved', async () => {
      const goal = await db().goal.findUniqueOrThrow({ where: { id: goalIds[3] } });
      const answer = await open('goalUpdate', { goalId: goal.id, versions: {}, status: 'achieved', comment: 'Klart' });
      const text = checkCard('goal-update form', answer);
      expect(text).toContain('Här är målets nuvarande status. Kontrollera och spara igen.');
      expect((await db().goal.findUniqueOrThrow({ where: { id: goal.id } })).status).toBe('in_progress');
      const saved = await open('goalUpdate', { goalId: goal.id, versions: { [goal.id]: goal.version }, status: 'achieved', comment: 'Klart' });
      expect(checkCard('goal view', saved)).toContain('Uppdateringen är sparad.');
    });

    it('the sub-goal form and the agreement form stay small and offer typeahead', async () => {
      const subGoalForm = await open('subGoalNewForm', { goalId: goalIds[1] });
      expect(checkCard('sub-goal form', subGoalForm)).toContain('Mål 1 ');
      expect(JSON.stringify(subGoalForm.card)).toContain('"dataset":"goals"');
      const agreementForm = await open('agreementNewForm', {});
      expect(checkCard('agreement form', agreementForm)).toContain('SENAST-ÄNDRADE-MÅLET');
      expect(JSON.stringify(agreementForm.card)).toContain('"dataset":"planLinks"');
    });

    it('the agreement view shows the whole text and pages its events, newest first', async () => {
      const first = await open('agreementShow', { agreementId: agreementIds[0] });
      const text = checkCard('agreement view', first);
      expect(text).toContain(longText('Överenskommelse 0 '));
      expect(text).toContain('NYASTE-HÄNDELSEN');
      const paged = await pageUntil('agreement view', 'agreementShow', { agreementId: agreementIds[0] }, 'registrerade överenskommelsen');
      expect(paged.seen).toBe(true);
      expect(paged.pages).toBe(3);
    });

    it('`mina` in the channel comes in pages, overdue first, and reaches the newest agreement', async () => {
      const paged = await pageUntil('mina (channel)', 'mineShow', {}, 'NYASTE-ÖVERENSKOMMELSEN');
      expect(paged.first).toContain('Försenad');
      expect(paged.first).toContain('Visar 1–25 av 300');
      expect(paged.seen).toBe(true);
      expect(paged.pages).toBe(12);
    });

    it('`mina` in personal chat answers a card under budget and pages from there', async () => {
      t.connector.clear();
      const reply = await say('mina', USERS.sara, { scope: 'personal' });
      expect(jsonBytes(reply.activity)).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
      measured('mina (personal)', jsonBytes(reply.activity));
      const card = cardOf(reply);
      expect(adaptiveCardErrors(card)).toEqual([]);
      expect(cardText(card)).toContain('Visar 1–25 av 300');
      const next = nextPageData(card, 'mineShow');
      expect(next).toEqual({ offset: 25 });
      const paged = await pageUntil('mina (personal)', 'mineShow', next!, 'NYASTE-ÖVERENSKOMMELSEN', { scope: 'personal' });
      expect(paged.seen).toBe(true);
    });

    it('the meeting summary comes in pages and reaches the newest agreement', async () => {
      const since = new Date(Date.now() - 30 * DAY).toISOString().slice(0, 10);
      const paged = await pageUntil('meeting summary', 'agreementSummaryShow', { since }, 'NYASTE-ÖVERENSKOMMELSEN');
      expect(paged.first).toContain('Sara Lind');
      expect(paged.seen).toBe(true);
    });

    it('the member list comes in pages', async () => {
      const paged = await pageUntil('members', 'membersShow', {}, 'SISTA-MEDLEMMEN');
      expect(paged.first).toContain('Sara Lind');
      expect(paged.seen).toBe(true);
      expect(paged.pages).toBe(4);
    });

    describe('typeahead search', () => {
      async function search(dataset: string, queryText: string, from: TestUser = USERS.sara) {
        const activity = { ...actionExecuteActivity('unused', {}, where(from)), name: 'application/search', value: { queryText, dataset, queryOptions: { skip: 0, top: 50 } } };
        const response = await t.post(activity);
        expect(response.status).toBe(200);
        const body = response.body as { type?: string; value?: { results?: Array<{ title: string; value: string }> } };
        expect(body.type).toBe('application/vnd.microsoft.search.searchResponse');
        return body.value?.results ?? [];
      }

      it('finds the caller group\'s goals only, case-insensitively, at most 15', async () => {
        const newest = await search('goals', 'nyaste-målet');
        expect(newest).toEqual([{ title: expect.stringContaining('NYASTE-MÅLET'), value: goalIds[299] }]);
        const many = await search('goals', 'individen vill');
        expect(many).toHaveLength(15);
        for (const result of many) expect(goalIds).toContain(result.value);
        expect(many[0]!.title.length).toBeLessThanOrEqual(120);
        const links = await search('planLinks', 'delmål 7.1');
        expect(links.some((r) => r.value.startsWith('subgoal:'))).toBe(true);
        expect(await db().auditEvent.count({ where: { groupId, action: 'goals.search', outcome: 'allowed' } })).toBeGreaterThan(0);
      });

      it('answers a non-member or a member without consent with nothing, audited', async () => {
        expect(await search('goals', 'nyaste')).not.toEqual([]);
        expect(await search('goals', 'nyaste', USERS.omar)).toEqual([]);
        expect(await search('planLinks', 'nyaste', NILS)).toEqual([]);
        expect(await db().auditEvent.count({ where: { groupId, action: 'goals.search', outcome: 'denied', reason: 'not_a_member', actorAadObjectId: USERS.omar.aadObjectId } })).toBe(1);
        expect(await db().auditEvent.count({ where: { groupId, action: 'plan.search', outcome: 'denied', reason: 'no_consent', actorAadObjectId: NILS.aadObjectId } })).toBe(1);
      });
    });
  });

  describe(`\`mina\` for a member of 1,000 groups on ${provider}`, () => {
    let t: TestBot;
    const { say, where } = talkTo(() => t);
    const db = () => t.bot.database.db;

    beforeAll(async () => {
      t = await startTestBot(provider, [USERS.anna]);
      const now = Date.now();
      const groups = Array.from({ length: 1000 }, (_, i) => ({
        id: randomUUID(),
        conversationId: `19:group-${i}@thread.tacv2`,
        conversationType: 'channel',
        individualAlias: `G${i}`,
        caseManagementModel: 'IP',
      }));
      await insertChunked(groups, (data) => db().resourceGroup.createMany({ data }));
      // Consent as hasConsent means it: withdrawn after recording (groups 0–9), removed (15–19) and never
      // recorded (20–24) are out; withdrawn before a later recording (10–14) is in.
      const recorded = new Date(now - 10 * DAY);
      const members = groups.map((g, i) => ({
        id: randomUUID(),
        groupId: g.id,
        teamsUserId: USERS.anna.id,
        aadObjectId: USERS.anna.aadObjectId,
        displayName: USERS.anna.name,
        role: 'nurse',
        principal: 'region',
        consentRecordedAt: i >= 20 && i < 25 ? null : recorded,
        consentWithdrawnAt: i < 10 ? new Date(now - DAY) : i < 15 ? new Date(now - 20 * DAY) : null,
        removedAt: i >= 15 && i < 20 ? new Date(now - DAY) : null,
      }));
      await insertChunked(members, (data) => db().member.createMany({ data }));
      const agreements = members.flatMap((m, i) =>
        [0, 1, 2].map((k) => ({
          groupId: m.groupId,
          responsibleMemberId: m.id,
          what: longText(`Grupp ${i} uppgift ${k} `),
          dueDate: new Date(now + ((i * 3 + k) % 200 - 50) * DAY),
          status: k === 2 && i % 2 === 0 ? 'done' : 'proposed',
        })),
      );
      await insertChunked(agreements, (data) => db().agreement.createMany({ data }));
    }, 120_000);
    afterAll(async () => t?.stop());

    it('answers a card under budget, with only the groups where consent stands, and audits in one go', async () => {
      // Open agreements where consent stands: groups 10–14 and 25–999; two each, three in odd groups.
      let open = 0;
      for (let i = 0; i < 1000; i++) if ((i >= 10 && i < 15) || i >= 25) open += i % 2 === 1 ? 3 : 2;
      const reply = await say('mina', USERS.anna, { scope: 'personal' });
      expect(jsonBytes(reply.activity)).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
      const card = cardOf(reply);
      expect(adaptiveCardErrors(card)).toEqual([]);
      const text = cardText(card);
      expect(text).toContain('Mina öppna överenskommelser');
      expect(text).not.toContain('Något gick fel');
      expect(text).toContain(`Visar 1–25 av ${open}`);
      expect(t.logs.join('\n')).not.toContain('P2029');
      const audited = await db().auditEvent.count({ where: { action: 'agreements.mine.read', actorAadObjectId: USERS.anna.aadObjectId } });
      expect(audited).toBeGreaterThan(0);
      expect(audited).toBeLessThanOrEqual(25);
      // The next page, asked from the personal chat.
      const next = nextPageData(card, 'mineShow');
      const response = await t.post(actionExecuteActivity('mineShow', next!, where(USERS.anna, { scope: 'personal' })));
      expect(jsonBytes(response.body)).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
      expect(cardText(actionAnswer(response).card)).toContain(`Visar 26–50 av ${open}`);
    });
  });
}
