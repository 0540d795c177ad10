/**
 * The crisis plan over HTTP, against the real server and database with a fake Bot Connector: who sees
 * it (an authorization matrix, with the access-log row of every look), that nothing of it reaches the
 * channel, versions and what changed, stale and bad saves, and a long plan inside the card budget.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CARD_BUDGET_BYTES, jsonBytes } from '../src/cards/budget';
import { CRISIS_PLAN_SECTIONS } from '../src/domain/crisis-plan';
import { CHANNEL_ID, TEAM_ID, USERS, type TestUser } from './support/activities';
import { createTestGroup, startTestBot, talkTo, type ActionAnswer, type TestBot } from './support/bot';
import { adaptiveCardErrors } from './support/cards';
import { testProviders } from './support/databases';
import { cardOf, cardText, type CapturedActivity } from './support/fake-connector';

const user = (name: string, letter: string): TestUser => ({ id: `29:${name.toLowerCase()}`, name, aadObjectId: `00000000-0000-4000-8000-0000000000${letter}` });
const RITA = user('Rita', 'e1'); // removed from the group
const EVE = user('Eve', 'e2'); // in the channel, never a member
const OTTO = user('Otto', 'e3'); // case manager of another group, in another conversation
const ELLA = user('Ella', 'e4'); // a relative the individual has given the plan
const OTHER_CHANNEL = '19:channel-other@thread.tacv2';

/** Texts of the plan that must never reach the channel. */
const RED_SIGN = 'Hör röster som säger åt K.L. att skada sig';
const OTHERS_DO = 'Stanna hos K.L. och ring akuten';
const CONTACT = 'Lisa Lundqvist';
const PHONE = '070-555 12 34';

const NEUTRAL_SV = 'Det här kan jag inte visa här. Skriv till mig direkt för att se varför.';
const REFUSED = {
  not_a_member: 'Du är inte registrerad medlem i den här resursgruppen',
  no_consent: 'Individens samtycke till att dela med dig är inte registrerat ännu.',
  no_crisis_plan_access: 'Krisplanen visas bara för dem som individen har valt',
} as const;

/** What a post shows and carries (as discretion.http.test.ts reads it). */
function contentOf(activity: CapturedActivity['activity']): string {
  const { text, summary, attachments } = activity;
  return JSON.stringify({ text, summary, attachments });
}

for (const provider of testProviders()) {
  describe(`the crisis plan over HTTP on ${provider}`, () => {
    let t: TestBot;
    let groupId: string;
    let otherGroupId: string;
    let ids: Record<'sara' | 'anna' | 'omar' | 'lars' | 'rita' | 'ella' | 'otto', string>;
    const db = () => t.bot.database.db;
    const { execute, say } = talkTo(() => t);
    /** Every post and update the bot made into a conversation during the whole run. */
    const everything: CapturedActivity[] = [];
    const keep = () => everything.push(...t.connector.activities, ...t.connector.updates);

    beforeAll(async () => {
      t = await startTestBot(provider, [USERS.sara, USERS.anna, USERS.omar, USERS.lars, RITA, EVE, ELLA]);
      groupId = (await createTestGroup(t, USERS.sara)).id;
      otherGroupId = (await createTestGroup(t, OTTO, { conversationId: OTHER_CHANNEL, alias: 'M.N.' })).id;
      const consent = new Date();
      const add = (who: TestUser, role: string, principal: string, options: { consent?: boolean; removed?: boolean; group?: string } = {}) =>
        db().member.create({
          data: {
            groupId: options.group ?? groupId,
            teamsUserId: who.id,
            aadObjectId: who.aadObjectId,
            displayName: who.name,
            role,
            principal,
            consentRecordedAt: options.consent === false ? null : consent,
            removedAt: options.removed ? consent : null,
          },
        });
      ids = {
        sara: (await db().member.findFirstOrThrow({ where: { groupId, isCaseManager: true } })).id,
        anna: (await add(USERS.anna, 'housing_support', 'kommun')).id,
        omar: (await add(USERS.omar, 'social_worker', 'kommun', { consent: false })).id,
        lars: (await add(USERS.lars, 'relative', 'private')).id,
        rita: (await add(RITA, 'nurse', 'region', { removed: true })).id,
        ella: (await add(ELLA, 'relative', 'private')).id,
        otto: (await db().member.findFirstOrThrow({ where: { groupId: otherGroupId, isCaseManager: true } })).id,
      };
      // Anna is in the other group too: in personal chat she chooses between two plans.
      await add(USERS.anna, 'housing_support', 'kommun', { group: otherGroupId });
      await db().processedActivity.deleteMany({});
    });
    afterAll(async () => t?.stop());
    beforeEach(() => {
      keep();
      t.connector.clear();
    });

    const save = (section: string, version: number, fields: Record<string, string>, from: TestUser = USERS.sara, extra = {}) =>
      execute('crisisPlanSave', { groupId, section, version, ...fields }, from, extra);
    const versionCount = async () => db().crisisPlanVersion.count({ where: { crisisPlan: { groupId } } });
    const currentVersion = async () => (await db().crisisPlan.findUnique({ where: { groupId } }))?.currentVersion ?? 0;
    async function lastAudit(action: string, who: TestUser) {
      return db().auditEvent.findFirstOrThrow({ where: { action, actorAadObjectId: who.aadObjectId }, orderBy: { at: 'desc' } });
    }

    it('the first save makes the plan and version 1, from the form of a plan not yet written', async () => {
      const form = await execute('crisisPlanEditForm', { groupId, section: 'red' });
      expect(adaptiveCardErrors(form.card)).toEqual([]);
      expect(cardText(form.card)).toContain('Ändra: Röd fas – kris');
      const saved = await save('red', 0, { signs: `${RED_SIGN}\nSlutar äta`, selfHelp: 'Ringa Lars', othersDo: OTHERS_DO });
      expect(cardText(saved.card)).toContain('Sparat. Det här är version 1.');
      expect(cardText(saved.card)).toContain(RED_SIGN);
      const contacts = await save('contacts', 1, { contacts: `${CONTACT} | syster | ${PHONE} | dygnet runt\nPer | 08-12 34 56` }, USERS.anna);
      expect(cardText(contacts.card)).toContain('Sparat. Det här är version 2.');
      expect(await currentVersion()).toBe(2);
      const change = await lastAudit('crisisplan.change', USERS.anna);
      expect(change).toMatchObject({ outcome: 'allowed', groupId, actorMemberId: ids.anna, entityType: 'CrisisPlanVersion', conversationId: CHANNEL_ID });
      // The new plan offered the out-of-hours services; the number of the psychiatric emergency is left to fill in.
      const professional = await execute('crisisPlanSection', { groupId, section: 'professional' });
      expect(cardText(professional.card)).toMatch(/Psykiatrisk akutmottagning\nTelefonnummer saknas[\s\S]*112 – vid fara för liv\nRing 112[\s\S]*1177 Vårdguiden\nRing 1177/);
    });

    it('the case manager grants a relative the plan in the member change form; the change is audited', async () => {
      const form = await execute('memberChangeForm', {});
      expect(cardText(form.card)).toContain('Får läsa krisplanen');
      expect(cardText(form.card)).toContain('Enligt rollen (närstående och privatpersoner: nej, övriga: ja)');
      const refused = await execute('memberChange', { memberId: ids.ella, change: 'crisisPlanAccess', crisisPlanAccess: 'yes' }, USERS.anna);
      expect(refused.message).toBe('Du har inte behörighet att göra det här.');
      const granted = await execute('memberChange', { memberId: ids.ella, change: 'crisisPlanAccess', crisisPlanAccess: 'yes' });
      expect(cardText(granted.card)).toContain('Medlemmar i resursgruppen');
      expect((await db().member.findUniqueOrThrow({ where: { id: ids.ella } })).crisisPlanAccess).toBe(true);
      expect(await lastAudit('crisisplan.access.change', USERS.sara)).toMatchObject({ outcome: 'allowed', entityType: 'Member', entityId: ids.ella, conversationId: CHANNEL_ID });
      const missing = await execute('memberChange', { memberId: ids.lars, change: 'crisisPlanAccess' });
      expect(cardText(missing.card)).toContain('Välj om personen får läsa krisplanen.');
      const caseManager = await execute('memberChange', { memberId: ids.sara, change: 'crisisPlanAccess', crisisPlanAccess: 'no' });
      expect(cardText(caseManager.card)).toContain('Case manager läser alltid krisplanen.');
      expect((await db().member.findUniqueOrThrow({ where: { id: ids.sara } })).crisisPlanAccess).toBeNull();
    });

    describe('who sees it: the authorization matrix', () => {
      type Expect = 'allowed' | keyof typeof REFUSED;
      const cases: Array<{ who: TestUser; name: string; read: Expect; change: 'allowed' | 'forbidden' | keyof typeof REFUSED; memberId: () => string | null }> = [
        { who: USERS.sara, name: 'case manager', read: 'allowed', change: 'allowed', memberId: () => ids.sara },
        { who: USERS.anna, name: 'member with consent', read: 'allowed', change: 'allowed', memberId: () => ids.anna },
        { who: USERS.omar, name: 'member without consent', read: 'no_consent', change: 'no_consent', memberId: () => ids.omar },
        { who: RITA, name: 'removed member', read: 'not_a_member', change: 'not_a_member', memberId: () => null },
        { who: EVE, name: 'non-member in the channel', read: 'not_a_member', change: 'not_a_member', memberId: () => null },
        { who: OTTO, name: 'member of another group', read: 'not_a_member', change: 'not_a_member', memberId: () => null },
        { who: USERS.lars, name: 'relative without crisis-plan access', read: 'no_crisis_plan_access', change: 'no_crisis_plan_access', memberId: () => ids.lars },
        { who: ELLA, name: 'relative given access by the case manager', read: 'allowed', change: 'forbidden', memberId: () => ids.ella },
      ];

      /** The answer shows the plan, or refuses with the reason (privately: the invoke answer is the presser's). */
      function expectAnswer(answer: ActionAnswer, expected: Expect, shows: string) {
        if (expected === 'allowed') {
          expect(adaptiveCardErrors(answer.card)).toEqual([]);
          expect(cardText(answer.card)).toContain(shows);
        } else {
          expect(answer.card).toBeUndefined();
          expect(answer.message).toContain(REFUSED[expected]);
        }
      }

      async function expectAudit(who: TestUser, action: string, expected: Expect | 'forbidden', memberId: string | null, since: Date) {
        const row = await db().auditEvent.findFirst({ where: { action, actorAadObjectId: who.aadObjectId, at: { gte: since } }, orderBy: { at: 'desc' } });
        expect(row, `${who.name} ${action}`).toMatchObject({
          outcome: expected === 'allowed' ? 'allowed' : 'denied',
          reason: expected === 'allowed' ? null : expected,
          // A change's row names the conversation; its trigger is for reads (a press or Teams' refresh).
          trigger: expected === 'allowed' && (action === 'crisisplan.change' || action === 'crisisplan.review') ? null : 'manual',
          conversationId: CHANNEL_ID,
          actorMemberId: memberId,
          groupId,
        });
      }

      for (const c of cases) {
        it(`${c.name}: lookup, open, section, versions, version, edit, save, review`, async () => {
          const since = new Date(Date.now() - 1);
          // Lookup: a link for members with consent, whatever their crisis-plan access; a neutral refusal for others.
          const lookup = cardOf(await say('krisplan', c.who));
          expect(adaptiveCardErrors(lookup)).toEqual([]);
          if (c.read === 'no_consent' || c.read === 'not_a_member') {
            expect(cardText(lookup)).toBe(`${NEUTRAL_SV}\nVarför?`);
            const refusal = await db().auditEvent.findFirstOrThrow({ where: { action: 'crisisplan.read', actorAadObjectId: c.who.aadObjectId, at: { gte: since } } });
            expect(refusal).toMatchObject({ outcome: 'denied', reason: c.read, conversationId: CHANNEL_ID, trigger: null });
          } else {
            expect(cardText(lookup)).toBe('Krisplan\nKrisplanen visas bara för dem som individen har valt, och bara för den som öppnar den.\nÖppna krisplanen');
            expect(lookup.refresh).toBeUndefined();
          }

          expectAnswer(await execute('crisisPlanShow', { groupId }, c.who), c.read, RED_SIGN);
          await expectAudit(c.who, 'crisisplan.read', c.read, c.memberId(), since);
          const shown = await execute('crisisPlanShow', {}, c.who);
          expectAnswer(shown, c.read, OTHERS_DO);
          if (c.read === 'allowed') {
            expect(cardText(shown.card)).toContain(`${CONTACT}\nsyster · dygnet runt\nRing ${PHONE}`);
            expect(JSON.stringify(shown.card)).toContain('"url":"tel:+46705551234"');
            expect(shown.card!.refresh).toBeUndefined();
          }

          expectAnswer(await execute('crisisPlanSection', { groupId, section: 'contacts', offset: 0 }, c.who), c.read, CONTACT);
          await expectAudit(c.who, 'crisisplan.section.read', c.read, c.memberId(), since);
          expectAnswer(await execute('crisisPlanVersions', { groupId, offset: 0 }, c.who), c.read, 'Version 2');
          await expectAudit(c.who, 'crisisplan.versions.read', c.read, c.memberId(), since);
          expectAnswer(await execute('crisisPlanVersion', { groupId, version: 2 }, c.who), c.read, 'Tillagt i Närstående och vänner:');
          await expectAudit(c.who, 'crisisplan.version.read', c.read, c.memberId(), since);

          const before = await versionCount();
          const form = await execute('crisisPlanEditForm', { groupId, section: 'wishes' }, c.who);
          const edited = await save('wishes', await currentVersion(), { whereCared: `Hemma (${c.name})`, whoToTell: '', other: '' }, c.who);
          if (c.change === 'allowed') {
            expect(cardText(form.card)).toContain('Ändra: Mina önskemål');
            expect(cardText(edited.card)).toContain(`Hemma (${c.name})`);
            expect(await versionCount()).toBe(before + 1);
          } else {
            const reason = c.change === 'forbidden' ? 'Du kan läsa krisplanen men inte ändra den.' : REFUSED[c.change];
            expect(form.message).toContain(reason);
            expect(edited.message).toContain(reason);
            expect(await versionCount()).toBe(before);
          }
          await expectAudit(c.who, 'crisisplan.change', c.change, c.memberId(), since);

          const reviewed = await execute('crisisPlanReview', { groupId, version: await currentVersion() }, c.who);
          if (c.change === 'allowed') expect(cardText(reviewed.card)).toContain('Genomgången är registrerad.');
          else expect(reviewed.message).toContain(c.change === 'forbidden' ? 'registrerar genomgångar' : REFUSED[c.change]);
          await expectAudit(c.who, 'crisisplan.review', c.change, c.memberId(), since);
          // Nothing the refused were answered names the individual or any of the plan.
          if (c.read !== 'allowed') {
            const answers = [form, edited, reviewed].map((a) => JSON.stringify(a));
            for (const answer of answers) expect(answer).not.toMatch(/K\.L\.|Lisa|Hör röster/);
          }
        });
      }

      it('a card with another group\'s id opens nothing for a non-member, from personal chat too', async () => {
        const answer = await execute('crisisPlanShow', { groupId }, OTTO, { scope: 'personal' });
        expect(answer.message).toContain(REFUSED.not_a_member);
        expect(await lastAudit('crisisplan.read', OTTO)).toMatchObject({ outcome: 'denied', reason: 'not_a_member', groupId, conversationId: `a:personal-${OTTO.id}`, trigger: 'manual' });
        expect((await execute('crisisPlanShow', { groupId: 'no-such-group' }, USERS.sara)).message).toBe('Jag hittar inte det du letar efter. Det kan ha tagits bort.');
      });
    });

    describe('personal chat', () => {
      it('one group: the plan at once, recorded as opened by hand in the personal chat', async () => {
        const reply = await say('krisplan', USERS.sara, { scope: 'personal' });
        expect(reply.conversationId).toBe(`a:personal-${USERS.sara.id}`);
        expect(cardText(cardOf(reply))).toContain(RED_SIGN);
        expect(await lastAudit('crisisplan.read', USERS.sara)).toMatchObject({ outcome: 'allowed', trigger: 'manual', conversationId: `a:personal-${USERS.sara.id}`, entityType: 'CrisisPlan' });
      });

      it('several groups: a choice by alias; the choice opens that group\'s plan', async () => {
        const choice = cardOf(await say('krisplan', USERS.anna, { scope: 'personal' }));
        expect(cardText(choice)).toContain('Vilken krisplan?\nDu får läsa krisplanen i flera resursgrupper. Välj en:\nK.L.\nM.N.');
        const narrowed = cardOf(await say('krisplan m.n', USERS.anna, { scope: 'personal' }));
        expect(cardText(narrowed)).toContain('Krisplan\nM.N.\nKrisplanen är inte skriven än.');
        const buttons = JSON.stringify(choice);
        expect(buttons).toContain(`"verb":"crisisPlanShow","title":"K.L.","data":{"groupId":"${groupId}"}`);
        const opened = await execute('crisisPlanShow', { groupId }, USERS.anna, { scope: 'personal' });
        expect(cardText(opened.card)).toContain(RED_SIGN);
      });

      it('none: a polite answer, also for a relative without access', async () => {
        for (const who of [USERS.lars, EVE]) {
          const reply = cardOf(await say('krisplan', who, { scope: 'personal' }));
          expect(cardText(reply)).toContain('Jag hittar ingen resursgrupp där du får läsa krisplanen.');
          expect(cardText(reply)).not.toContain('K.L.');
        }
        const english = cardOf(await say('crisis plan', USERS.lars, { scope: 'personal', locale: 'en-US' }));
        expect(cardText(english)).toContain("I can't find a resource group where you may read the crisis plan.");
      });
    });

    describe('versions and what changed', () => {
      it('every save is a version with author and time; a version shows what changed against the one before', async () => {
        const start = await currentVersion();
        await save('red', start, { signs: `${RED_SIGN}\nSlutar sova`, selfHelp: 'Ringa Lars', othersDo: OTHERS_DO });
        await save('contacts', start + 1, { contacts: `${CONTACT} | syster | 070-555 99 99 | dygnet runt\nKim | 08-11 11 11` }, USERS.anna);
        const list = await execute('crisisPlanVersions', { groupId, offset: 0 });
        expect(cardText(list.card)).toMatch(new RegExp(`Version ${start + 2}\nNärstående · .* · Anna Berg[\\s\\S]*Version ${start + 1}\nRöd fas – kris · .* · Sara Lind`));
        const red = cardText((await execute('crisisPlanVersion', { groupId, version: start + 1 })).card);
        expect(red).toContain('Tillagt i Tecken på kris:\nSlutar sova');
        expect(red).toContain('Borttaget ur Tecken på kris:\nSlutar äta');
        const contacts = cardText((await execute('crisisPlanVersion', { groupId, version: start + 2 })).card);
        expect(contacts).toContain(`Ändrat i Närstående och vänner:\n${CONTACT} | syster | ${PHONE} | dygnet runt\n${CONTACT} | syster | 070-555 99 99 | dygnet runt`);
        expect(contacts).toContain('Tillagt i Närstående och vänner:\nKim | 08-11 11 11');
        expect(contacts).toContain('Borttaget ur Närstående och vänner:\nPer | 08-12 34 56');
        const first = cardText((await execute('crisisPlanVersion', { groupId, version: 1 })).card);
        expect(first).toContain('Det här är den första versionen.');
        expect((await execute('crisisPlanVersion', { groupId, version: 999 })).message).toBe('Jag hittar inte det du letar efter. Det kan ha tagits bort.');
        const english = cardText((await execute('crisisPlanVersion', { groupId, version: start + 1 }, USERS.sara, { locale: 'en-US' })).card);
        expect(english).toContain('Added to Signs of a crisis:\nSlutar sova');
      });

      it('a save from a stale form changes nothing and shows the plan as it is now; two saves at once make one version', async () => {
        const current = await currentVersion();
        const stale = await save('yellow', current - 1, { signs: 'Drar mig undan', selfHelp: '', othersDo: '' });
        expect(cardText(stale.card)).toContain('Kortet har uppdaterats. Här är det senaste.');
        expect(await currentVersion()).toBe(current);
        const [a, b] = await Promise.all([
          save('yellow', current, { signs: 'Sover dåligt', selfHelp: '', othersDo: '' }),
          save('yellow', current, { signs: 'Äter dåligt', selfHelp: '', othersDo: '' }, USERS.anna),
        ]);
        const texts = [cardText(a.card), cardText(b.card)];
        expect(texts.filter((x) => x.includes(`Sparat. Det här är version ${current + 1}.`))).toHaveLength(1);
        expect(texts.filter((x) => x.includes('Kortet har uppdaterats.'))).toHaveLength(1);
        expect(await currentVersion()).toBe(current + 1);
        // The same section again is no new version.
        const saved = await db().crisisPlanVersion.findFirstOrThrow({ where: { crisisPlan: { groupId }, version: current + 1 } });
        const signs = (JSON.parse(saved.content) as { phases: { yellow: { signs: string[] } } }).phases.yellow.signs.join('\n');
        expect(cardText((await save('yellow', current + 1, { signs, selfHelp: '', othersDo: '' })).card)).toContain('Inget ändrades.');
        expect(await currentVersion()).toBe(current + 1);
      });

      it('a newest version that cannot be read is never built on: the save is refused, the version id logged, every version kept', async () => {
        const current = await currentVersion();
        const plan = await db().crisisPlan.findUniqueOrThrow({ where: { groupId } });
        // A version the bot did not write: cut off JSON (a failed restore), one version on from the current.
        const corrupt = await db().crisisPlanVersion.create({ data: { crisisPlanId: plan.id, version: current + 1, content: '{"phases":{"red":{"signs":["Slut', section: 'red', authorMemberId: ids.sara } });
        await db().crisisPlan.update({ where: { id: plan.id }, data: { currentVersion: current + 1 } });
        const before = await versionCount();
        try {
          const view = await execute('crisisPlanShow', { groupId });
          expect(cardText(view.card)).toContain('Den senaste versionen av krisplanen går inte att läsa');
          const answer = await save('green', current + 1, { signs: 'Mår bra', selfHelp: '', othersDo: '' });
          expect(adaptiveCardErrors(answer.card)).toEqual([]);
          expect(cardText(answer.card)).toContain('Den senaste versionen av krisplanen går inte att läsa, så jag sparar inget ovanpå den.');
          const english = await save('green', current + 1, { signs: 'Mår bra', selfHelp: '', othersDo: '' }, USERS.sara, { locale: 'en-US' });
          expect(cardText(english.card)).toContain('The latest version of the crisis plan cannot be read');
          expect(await versionCount()).toBe(before);
          expect(await currentVersion()).toBe(current + 1);
          expect(t.logs.some((line) => line.includes('"crisisplan.version_unreadable"') && line.includes(corrupt.id) && line.includes('"refused":"save"'))).toBe(true);
          expect(t.logs.join('\n')).not.toContain('Mår bra');
        } finally {
          // The plan as it was, for the tests after this one.
          await db().crisisPlanVersion.delete({ where: { id: corrupt.id } });
          await db().crisisPlan.update({ where: { id: plan.id }, data: { currentVersion: current } });
        }
      });

      describe('bad input is refused next to the field and leaves the plan untouched', () => {
        const cases: Array<[string, string, Record<string, string>, string]> = [
          ['a personal identity number in a sign', 'red', { signs: 'Ring mamma 19850101-1234', selfHelp: '', othersDo: '' }, 'Det här ser ut som ett personnummer.'],
          ['a personal identity number as a phone number', 'contacts', { contacts: 'Lisa | syster | 850101-1234' }, 'Rad 1: Det här ser ut som ett personnummer.'],
          ['a phone number with letters', 'contacts', { contacts: 'Lisa | 070-555 12 34\nPer | ring på' }, 'Rad 2: Telefonnumret får bara innehålla siffror'],
          ['a contact without a phone number', 'contacts', { contacts: 'Lisa | syster |  | kvällar' }, 'Rad 1: Skriv ett telefonnummer.'],
          ['too many lines', 'helps', { whatHelps: Array.from({ length: 26 }, (_, i) => `Rad ${i}`).join('\n'), avoid: '', triggers: '' }, 'Högst 25 rader.'],
          ['a line too long', 'green', { signs: 'x'.repeat(201), selfHelp: '', othersDo: '' }, 'Rad 1: En rad får vara högst 200 tecken.'],
          ['a text too long', 'practical', { children: 'x'.repeat(1001), pets: '', keys: '', medication: '', other: '' }, 'Texten får vara högst 1000 tecken.'],
        ];
        for (const [name, section, fields, message] of cases) {
          it(name, async () => {
            const version = await currentVersion();
            const before = await versionCount();
            const answer = await save(section, version, fields);
            expect(adaptiveCardErrors(answer.card)).toEqual([]);
            expect(cardText(answer.card)).toContain('Något behöver rättas innan avsnittet kan sparas.');
            expect(cardText(answer.card)).toContain(message);
            expect(await versionCount()).toBe(before);
            // The corrected form is the one it was made from: same version, the text as typed.
            const saveAction = (answer.card!.actions as Array<{ verb: string; data: Record<string, unknown> }>).find((a) => a.verb === 'crisisPlanSave')!;
            expect(saveAction.data).toEqual({ groupId, section, version });
            expect(JSON.stringify(answer.card)).toContain(JSON.stringify(Object.values(fields)[0]).slice(0, 40));
          });
        }
        it('an unknown section', async () => {
          expect((await execute('crisisPlanSection', { groupId, section: 'secrets' })).message).toBe('Något i formuläret behöver rättas.');
        });
      });
    });

    it('a plan with 200 contacts and long texts: every view and form fits the card budget and is valid', async () => {
      const long = (i: number) => `Ett långt tecken nummer ${i} med åäö och mer text `.padEnd(200, 'å').slice(0, 200);
      const lines = (n: number) => Array.from({ length: n }, (_, i) => long(i)).join('\n');
      const contacts = Array.from({ length: 200 }, (_, i) => `Kontakt nummer ${i} Åberg | kusin | 070-${String(100 + i).padStart(3, '0')} 12 34 | kvällar och helger efter sju`).join('\n');
      const services = Array.from({ length: 60 }, (_, i) => `Mottagning ${i} | 010-${String(100 + i)} 00 00 | vardagar 8–16, lunchstängt 12–13`).join('\n');
      let version = await currentVersion();
      for (const section of ['green', 'yellow', 'red'] as const) {
        const saved = await save(section, version, { signs: lines(25), selfHelp: lines(25), othersDo: lines(25) });
        expect(cardText(saved.card), section).toContain('Sparat.');
        version += 1;
      }
      for (const [section, fields] of [
        ['helps', { whatHelps: lines(25), avoid: lines(25), triggers: lines(25) }],
        ['contacts', { contacts }],
        ['professional', { professionalContacts: services, outOfHours: services.split('\n').slice(0, 30).join('\n') }],
        ['practical', { children: 'å'.repeat(1000), pets: 'ä'.repeat(1000), keys: 'ö'.repeat(1000), medication: 'm'.repeat(1000), other: 'x'.repeat(1000) }],
        ['wishes', { whereCared: 'å'.repeat(1000), whoToTell: 'ä'.repeat(1000), other: 'ö'.repeat(1000) }],
      ] as const) {
        const saved = await save(section, version, fields);
        expect(cardText(saved.card), section).toContain('Sparat.');
        version += 1;
      }
      const views: Array<[string, ActionAnswer]> = [
        ['plan', await execute('crisisPlanShow', { groupId })],
        ['versions', await execute('crisisPlanVersions', { groupId, offset: 0 })],
      ];
      for (let v = version - 7; v <= version; v++) views.push([`version ${v}`, await execute('crisisPlanVersion', { groupId, version: v })]);
      for (const section of CRISIS_PLAN_SECTIONS) {
        views.push([`form ${section}`, await execute('crisisPlanEditForm', { groupId, section })]);
        // Every page of the section.
        let data: Record<string, unknown> | null = { groupId, section, offset: 0 };
        let seen = 0;
        while (data) {
          const page = await execute('crisisPlanSection', data);
          views.push([`section ${section} at ${String(data.offset)}`, page]);
          seen += (cardText(page.card).match(/\nRing /g) ?? []).length;
          const next = (page.card!.body as Array<{ type: string; actions?: Array<{ verb: string; title: string; data: Record<string, unknown> }> }>)
            .flatMap((e) => (e.type === 'ActionSet' ? (e.actions ?? []) : []))
            .find((a) => a.title === 'Visa fler');
          data = next ? next.data : null;
        }
        if (section === 'contacts') expect(seen).toBe(200);
        if (section === 'professional') expect(seen).toBe(90);
      }
      for (const [name, view] of views) {
        expect(view.card, name).toBeDefined();
        expect(jsonBytes(view.card), name).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
        expect(adaptiveCardErrors(view.card), name).toEqual([]);
      }
      // The section view shortens nothing: the whole of a long line is there.
      expect(cardText(views.find(([n]) => n === 'section red at 0')![1].card)).toContain(long(24));
    });

    it('no post into any conversation carries crisis-plan text, and none refreshes by itself', async () => {
      keep();
      t.connector.clear();
      // Every change and review was announced; one more of each, from the channel and from personal chat.
      const version = await currentVersion();
      await save('wishes', version, { whereCared: 'Hemma', whoToTell: CONTACT, other: '' });
      await execute('crisisPlanReview', { groupId, version: version + 1 }, USERS.anna, { scope: 'personal' });
      await say('krisplan', USERS.anna);
      keep();
      const announcements = everything.filter((a) => contentOf(a.activity).includes('Krisplanen har'));
      expect(announcements.length).toBeGreaterThanOrEqual(2);
      expect(cardText(cardOf(announcements.find((a) => contentOf(a.activity).includes('ändrats'))))).toBe(
        'Krisplanen har ändrats\nThe crisis plan was changed\nKrisplanen visas bara för dem som individen har valt, och bara för den som öppnar den.\nÖppna krisplanen · Open the crisis plan',
      );
      const inChannels = everything.filter((a) => a.conversationId.startsWith(CHANNEL_ID) || a.conversationId.startsWith(OTHER_CHANNEL) || a.conversationId.startsWith(TEAM_ID));
      expect(inChannels.length).toBeGreaterThan(10);
      const secrets = [RED_SIGN, OTHERS_DO, CONTACT, PHONE, '070-555', 'Slutar', 'Hemma', 'K.L.', 'M.N.', 'Ett långt tecken', 'Kontakt nummer', 'Mottagning'];
      for (const post of inChannels) {
        const json = contentOf(post.activity);
        for (const secret of secrets) expect(json, `${secret} in ${json.slice(0, 300)}`).not.toContain(secret);
        if (json.includes('crisisPlanShow')) expect(cardOf(post).refresh).toBeUndefined();
      }
      // The announcement of a change is a new post; a review updates it in place.
      const post = await db().channelPost.findUniqueOrThrow({ where: { entityType_entityId: { entityType: 'CrisisPlan', entityId: (await db().crisisPlan.findUniqueOrThrow({ where: { groupId } })).id } } });
      expect(post.groupId).toBe(groupId);
      // No log line carries crisis-plan text.
      for (const line of t.logs) for (const secret of [RED_SIGN, OTHERS_DO, CONTACT, PHONE, 'Hemma']) expect(line).not.toContain(secret);
    });
  });
}
