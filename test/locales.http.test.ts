import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translate, type MessageKey } from '../src/locales';
import { actionExecuteActivity, messageActivity, USERS } from './support/activities';
import { actionAnswer, createTestGroup, startTestBot, type TestBot } from './support/bot';
import { adaptiveCardErrors } from './support/cards';
import { cardOf, cardText } from './support/fake-connector';

/**
 * Every command and card action of the group, plan, members and agreements features answers in the caller's
 * language: Swedish for sv-SE (and when in doubt), English for en-US.
 */
describe('every command and action in both languages', () => {
  let t: TestBot;
  let goalId: string;
  let memberId: string;
  let agreementId: string;
  const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);

  beforeAll(async () => {
    t = await startTestBot('sqlite', [USERS.sara, USERS.anna]);
    const db = t.bot.database.db;
    const group = await createTestGroup(t, USERS.sara);
    memberId = (await db.member.findFirstOrThrow({ where: { groupId: group.id } })).id;
    goalId = (await db.goal.create({ data: { groupId: group.id, lifeArea: 'health', text: 'Sova bättre' } })).id;
    agreementId = (await db.agreement.create({ data: { groupId: group.id, responsibleMemberId: memberId, what: 'Boka tid', dueDate: new Date(Date.now() + 86_400_000) } })).id;
  });
  afterAll(async () => t?.stop());

  const commands: Array<[string, MessageKey]> = [
    ['plan', 'shell.plan.title'],
    ['medlemmar', 'shell.members.title'],
    ['nytt mål', 'shell.goalNew.title'],
    ['starta', 'setup.existsHidden'],
    ['överenskommelse', 'shell.agreementNew.title'],
    ['överenskommelse sammanfattning', 'shell.summary.title'],
    ['mina', 'shell.mine.title'],
  ];
  const actions: Array<[string, () => Record<string, unknown>, MessageKey]> = [
    ['planShow', () => ({}), 'plan.title'],
    ['goalShow', () => ({ goalId }), 'goal.history'],
    ['goalNewForm', () => ({}), 'goalForm.intro'],
    ['goalCreate', () => ({ lifeArea: 'leisure', text: 'Simma', targetDate: tomorrow }), 'plan.goalCreated'],
    ['subGoalNewForm', () => ({ goalId }), 'subGoalForm.title'],
    ['subGoalCreate', () => ({ goalId, text: 'Kvällsrutin', responsible: memberId, targetDate: tomorrow }), 'plan.subGoalCreated'],
    ['goalUpdateForm', () => ({ goalId }), 'updateForm.progressLabel'],
    ['goalUpdate', () => ({ goalId, versions: { [goalId]: 999 }, status: 'in_progress' }), 'error.stale_card'],
    ['membersShow', () => ({}), 'members.title'],
    ['memberAddForm', () => ({ mode: 'roster' }), 'members.addForm.title'],
    ['memberAdd', () => ({ mode: 'contact', contactName: '', role: 'relative', principal: 'private' }), 'members.error.nameRequired'],
    ['memberChangeForm', () => ({}), 'members.changeForm.title'],
    ['memberChange', () => ({ memberId, change: 'consentRecord' }), 'members.changed'],
    ['agreementNewForm', () => ({}), 'agreement.form.intro'],
    ['agreementCreate', () => ({ what: 'Ringa', responsible: memberId, dueDate: tomorrow }), 'agreement.saved'],
    ['agreementShow', () => ({ agreementId }), 'agreement.history'],
    ['agreementChange', () => ({ agreementId, version: 99, change: 'accepted' }), 'error.stale_card'],
    ['mineShow', () => ({}), 'mine.title'],
    ['agreementSummaryShow', () => ({ since: '2026-01-01' }), 'summary.subtitle'],
  ];

  for (const [locale, lang] of [['sv-SE', 'sv'], ['en-US', 'en']] as const) {
    for (const [text, key] of commands) {
      it(`"${text}" answers in ${lang}`, async () => {
        const before = t.connector.activities.length;
        await t.post(messageActivity(text, { serviceUrl: t.connector.url, locale }));
        const [reply] = (await t.connector.waitForActivities(before + 1)).slice(before);
        expect(cardText(cardOf(reply))).toContain(translate(lang, key));
      });
    }
    for (const [verb, data, key] of actions) {
      it(`${verb} answers in ${lang}`, async () => {
        const answer = actionAnswer(await t.post(actionExecuteActivity(verb, data(), { serviceUrl: t.connector.url, locale })));
        expect(adaptiveCardErrors(answer.card)).toEqual([]);
        expect(cardText(answer.card)).toContain(translate(lang, key).replace(/\{\w+\}.*$/, '').trim());
      });
    }
  }
});
