/**
 * End to end: the real bot (real HTTP server, real SQLite database) behind the Microsoft 365 Agents
 * Playground, driven in headless Chromium like a person would use Teams.
 *
 * Needs Chromium at /usr/bin/chromium (or CHROMIUM_PATH); skipped with a notice without it, except in
 * CI (CI set), where it fails. On failure it saves a screenshot under test-results/.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startBot, type RunningBot } from '../../src/main';
import { createTestDatabaseUrl, type TestDatabase } from '../support/databases';
import {
  chooseInCard,
  searchInCard,
  clickCardAction,
  DEMO,
  fillDateInCard,
  insertSearchResult,
  launchBrowser,
  mentionBotAndPost,
  openChannel,
  openPlayground,
  openSearchExtension,
  playgroundLogEntries,
  postComposed,
  REPO_ROOT,
  searchInExtension,
  screenshot,
  startPlayground,
  waitForBotCard,
  waitForBotCardText,
  writePlaygroundConfig,
  type BrowserSession,
  type PlaygroundHandle,
} from './playground';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BROWSER_TEST_TIMEOUT = 120_000; // a cold Chromium and Playground start; not a speed assertion
const SKIP = !existsSync(CHROMIUM) && !process.env.CI;
if (SKIP) console.warn(`Skipping the Playground e2e test: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH).`);

describe.skipIf(SKIP)('the bot in the Agents Playground', () => {
  let database: TestDatabase;
  let bot: RunningBot;
  let playground: PlaygroundHandle;
  let session: BrowserSession;
  const botLog: string[] = [];

  function keepEvidence(name: string): void {
    onTestFailed(async () => {
      const file = path.join(REPO_ROOT, 'test-results', `e2e-${name}.png`);
      await screenshot(session.page, file).catch(() => undefined);
      console.error(`Screenshot: ${file}\n${playground?.diagnostics() ?? ''}\nBot log:\n${botLog.slice(-30).join('\n')}`);
    });
  }

  beforeAll(async () => {
    database = await createTestDatabaseUrl('sqlite');
    bot = await startBot(loadConfig({ PORT: '0', DATABASE_URL: database.url, REMINDER_INTERVAL_SECONDS: '2' }), createLogger('info', (line) => botLog.push(line)));
    // The Playground always sends locale en-US; a small proxy in the harness presents Swedish users.
    playground = await startPlayground({ botEndpoint: `${bot.url}/api/messages`, activityLocale: 'sv-SE' });
    session = await launchBrowser();
  }, BROWSER_TEST_TIMEOUT);

  afterAll(async () => {
    await session?.close();
    await playground?.stop();
    await bot?.stop();
    await database?.drop();
  }, 30_000);

  it(
    'answers "@Resursgruppsbot hjälp" in the resource-group channel with the help card',
    async () => {
      keepEvidence('help');
      const { page } = session;
      await openPlayground(page, playground.url);
      await openChannel(page, DEMO.channelName);
      const thread = await mentionBotAndPost(page, DEMO.botName, 'hjälp');
      const text = await waitForBotCardText(thread, 'Så här använder du Resursgrupp', { timeout: 30_000 });
      expect(text).toContain('överenskommelse');
      expect(text).toContain('crisis plan');
      expect(text).toContain('Den här konversationen är ännu inte en resursgrupp');
      await screenshot(page, path.join(REPO_ROOT, 'test-results', 'e2e-help.png'));
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'sets up the channel as a resource group through the card form (Action.Execute)',
    async () => {
      keepEvidence('setup');
      const { page } = session;
      const thread = await mentionBotAndPost(page, DEMO.botName, 'starta');
      const form = await waitForBotCard(thread, 'Starta resursgrupp');
      await form.getByLabel('Individens alias eller initialer').fill('K.L.');
      await chooseInCard(form, 'Case management-modell', 'FACT (Flexible ACT)');
      await clickCardAction(form, 'Starta gruppen');
      const done = await waitForBotCardText(thread, 'Resursgruppen är startad');
      expect(done).toContain('K.L.');
      expect(done).toContain(DEMO.currentUser);
      const group = await bot.database.db.resourceGroup.findFirstOrThrow({ include: { members: true } });
      expect(group).toMatchObject({ individualAlias: 'K.L.', caseManagementModel: 'FACT', conversationType: 'channel' });
      expect(group.members.find((m) => m.isCaseManager)?.displayName).toBe(DEMO.currentUser);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'plan: adds a goal and posts an update through the cards; stored, audited, announced by neutral shells (issue 3)',
    async () => {
      keepEvidence('plan');
      const { page } = session;
      const db = bot.database.db;
      const group = await db.resourceGroup.findFirstOrThrow({ where: { individualAlias: 'K.L.' }, include: { members: true } });
      const caseManager = group.members.find((m) => m.isCaseManager)!;
      const targetDate = `${new Date().getUTCFullYear() + 1}-06-30`; // always ahead: the form refuses past dates

      // 1. "@Resursgruppsbot plan" posts a neutral shell; "Visa" (or a client refresh) shows this member the plan.
      const thread = await mentionBotAndPost(page, DEMO.botName, 'plan');
      const plan = await openShell(thread, 'Planen för resursgruppen', 'Planen för K.L.');
      expect(normalise(await plan.innerText())).toContain('Planen har inga mål ännu');
      await expectButtons(plan, ['Nytt mål'], ['Nytt delmål', 'Uppdatera mål', 'Visa målet']);

      // 2. "Nytt mål": the goal form, filled in like a person would.
      await clickCardAction(plan, 'Nytt mål');
      const goalForm = await waitForBotCard(thread, /^Nytt mål Skriv målet med individens egna ord/);
      await chooseInCard(goalForm, 'Livsområde', 'Boende');
      await goalForm.getByLabel('Målet med individens egna ord').fill(GOAL_TEXT);
      await chooseInCard(goalForm, 'Ansvarig (valfritt)', DEMO.currentUser);
      const shownDate = await fillDateInCard(goalForm, 'Måldatum (valfritt)', targetDate);
      await goalForm.getByRole('checkbox', { name: 'Individen har godkänt målet' }).check();
      await clickCardAction(goalForm, 'Spara målet');

      // 3. The form becomes the goal card; a new shell in the thread says that the plan changed, not how.
      const created = await waitForBotCard(thread, 'Målet är sparat.');
      const createdText = normalise(await created.innerText());
      expect(createdText).toMatch(new RegExp(`^Målet är sparat\\. Boende ${escapeRegExp(GOAL_TEXT)} Inte påbörjat · framsteg –`));
      expect(createdText).toContain(`Ansvarig: ${DEMO.currentUser}`);
      expect(createdText).toMatch(/Måldatum 30 juni \d{4} · Individen har godkänt målet \d/);
      expect(createdText).toMatch(/Historik .* · Sara Lind \(samordnare\) · målet skapades/);
      expect(shownDate).toMatch(/30/);
      await expectShell(thread, 'Ett nytt mål har lagts till i planen');

      // 4. "Uppdatera" on the goal card: status, progress and a comment.
      await clickCardAction(created, 'Uppdatera');
      const updateForm = await waitForBotCard(thread, /^Uppdatera mål /);
      await chooseInCard(updateForm, 'Status', 'Pågår');
      await chooseInCard(updateForm, 'Framsteg 0–10 (gärna individens egen skattning)', '4');
      await updateForm.getByLabel('Kommentar (valfritt)').fill(COMMENT);
      await clickCardAction(updateForm, 'Spara uppdateringen');

      const goal = await waitForBotCard(thread, 'Uppdateringen är sparad.');
      const goalText = normalise(await goal.innerText());
      expect(goalText).toMatch(new RegExp(`^Uppdateringen är sparad\\. Boende ${escapeRegExp(GOAL_TEXT)} Pågår · framsteg 4/10 `));
      expect(goalText).toMatch(/Historik .* · Sara Lind \(samordnare\) · status Inte påbörjat → Pågår · framsteg 4\/10 Har tittat på två lägenheter .* · målet skapades/);
      expect(goalText).not.toMatch(/\$\{|undefined|null|NaN|\[object/);
      await expectButtons(goal, ['Uppdatera', 'Nytt delmål', 'Hela planen']);
      await goal.scrollIntoViewIfNeeded();
      await goal.screenshot({ path: '/tmp/e2e-goal.png' });
      await screenshot(page, path.join(REPO_ROOT, 'test-results', 'e2e-goal.png'));

      // 5. The update's shell opens the same goal (without the notice), and from there the whole plan.
      // The goal's one post was updated in place, not joined by a second post.
      const updated = await expectShell(thread, 'Ett mål i planen har uppdaterats');
      expect(await countShells(thread, 'Ett nytt mål har lagts till i planen')).toBe(0);
      expect(await countShells(thread, 'Ett mål i planen har uppdaterats')).toBe(1);
      await clickCardAction(updated, 'Visa · Show');
      const shown = await waitForBotCard(thread, new RegExp(`^Boende ${escapeRegExp(GOAL_TEXT)} Pågår · framsteg 4/10`));
      await clickCardAction(shown, 'Hela planen');
      const fullPlan = await waitForBotCard(thread, /^Planen för K\.L\. Boende /);
      const fullPlanText = normalise(await fullPlan.innerText());
      expect(fullPlanText).toContain(`Boende ${GOAL_TEXT} Pågår · framsteg 4/10`);
      expect(fullPlanText).toMatch(/Senast uppdaterat .* av Sara Lind \(samordnare\)/);
      expect(fullPlanText).not.toContain('Planen har inga mål ännu');
      await expectButtons(fullPlan, ['Visa målet', 'Nytt mål', 'Nytt delmål', 'Uppdatera mål']);

      // 6. What was stored, and what the audit log says: who did what to which record, never the text.
      const goals = await db.goal.findMany({ where: { groupId: group.id }, include: { updates: { orderBy: { createdAt: 'asc' } } } });
      expect(goals).toHaveLength(1);
      const [stored] = goals;
      expect(stored).toMatchObject({
        lifeArea: 'housing',
        text: GOAL_TEXT,
        status: 'in_progress',
        progress: 4,
        version: 2,
        responsibleMemberId: caseManager.id,
        createdByMemberId: caseManager.id,
      });
      expect(stored!.targetDate?.toISOString().slice(0, 10)).toBe(targetDate);
      expect(stored!.individualAgreedAt).toBeInstanceOf(Date);
      expect(stored!.updates.map(({ previousStatus, status, progress, comment, authorMemberId }) => ({ previousStatus, status, progress, comment, authorMemberId }))).toEqual([
        { previousStatus: null, status: 'not_started', progress: null, comment: null, authorMemberId: caseManager.id },
        { previousStatus: 'not_started', status: 'in_progress', progress: 4, comment: COMMENT, authorMemberId: caseManager.id },
      ]);

      const audit = await db.auditEvent.findMany({ where: { groupId: group.id } });
      const allowed = (action: string) => audit.filter((e) => e.action === action && e.outcome === 'allowed');
      const onTheGoal = { entityType: 'Goal', entityId: stored!.id, actorMemberId: caseManager.id, actorAadObjectId: caseManager.aadObjectId };
      expect(allowed('goal.create')).toMatchObject([onTheGoal]);
      expect(allowed('goal.update')).toMatchObject([onTheGoal]);
      expect(allowed('plan.read')).toEqual(expect.arrayContaining([expect.objectContaining({ entityType: 'ResourceGroup', entityId: group.id })]));
      expect(allowed('goal.read').length).toBeGreaterThanOrEqual(1);
      expect(audit.filter((e) => e.outcome !== 'allowed')).toEqual([]);
      for (const event of audit) {
        for (const value of Object.values(event)) {
          if (typeof value !== 'string') continue;
          expect(value).not.toContain('lägenhet');
          expect(value).not.toContain(COMMENT);
        }
      }
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'members: the shell opens the member list with the case manager and her consent',
    async () => {
      keepEvidence('members');
      const { page } = session;
      const thread = await mentionBotAndPost(page, DEMO.botName, 'medlemmar');
      const members = await openShell(thread, 'Resursgruppens medlemmar', 'Medlemmar i resursgruppen');
      const text = normalise(await members.innerText());
      expect(text).toContain(`${DEMO.currentUser} · case manager`);
      expect(text).toMatch(/Teams: ja · Samtycke registrerat \d/);
      expect(text).not.toMatch(/\$\{|undefined|null|NaN|\[object/);
      await expectButtons(members, ['Lägg till från Teams', 'Lägg till kontakt utan Teams', 'Ändra medlem']);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'agreement: registers an agreement linked to the goal, accepts it and marks it done through the cards; stored, audited, announced (issue 4)',
    async () => {
      keepEvidence('agreement');
      const { page } = session;
      const db = bot.database.db;
      const group = await db.resourceGroup.findFirstOrThrow({ where: { individualAlias: 'K.L.' }, include: { members: true } });
      const caseManager = group.members.find((m) => m.isCaseManager)!;
      const goal = await db.goal.findFirstOrThrow({ where: { groupId: group.id, text: GOAL_TEXT } });
      const year = new Date().getUTCFullYear() + 1;
      const dueDate = `${year}-03-15`; // always ahead: the form refuses past dates

      // 1. "@Resursgruppsbot överenskommelse" posts a shell for the caller only; "Visa" opens the form.
      const thread = await mentionBotAndPost(page, DEMO.botName, 'överenskommelse');
      const form = await openShell(thread, 'Ny överenskommelse', 'Ny överenskommelse Vem gör vad, och när?');

      // 2. The form, filled in like a person would: what, who, by when, and the goal it belongs to.
      await form.getByLabel('Vad ska göras?').fill(AGREEMENT_TEXT);
      await chooseInCard(form, 'Ansvarig (individen kan också vara ansvarig)', DEMO.currentUser);
      const shownDate = await fillDateInCard(form, 'Klart senast', dueDate);
      expect(shownDate).toMatch(/15/);
      // The goal link is a typeahead: typing part of the goal asks the bot's search for matches.
      await searchInCard(form, 'Hör till mål eller delmål (valfritt)', 'Jag', GOAL_TEXT);
      await clickCardAction(form, 'Registrera');

      // 3. The form becomes the agreement card; a neutral shell in the thread says that one was registered.
      const created = await waitForBotCard(thread, /^Överenskommelsen är registrerad\./);
      const createdText = normalise(await created.innerText());
      expect(createdText).toMatch(
        new RegExp(
          `^Överenskommelsen är registrerad\\. Överenskommelse ${escapeRegExp(AGREEMENT_TEXT)} ` +
            `Ansvarig: ${escapeRegExp(DEMO.currentUser)} Klart senast 15 mars ${year} Inte bekräftad ännu ` +
            `Hör till målet: ${escapeRegExp(GOAL_TEXT)} Händelser \\d.* · ${escapeRegExp(DEMO.currentUser)} · registrerade överenskommelsen`,
        ),
      );
      expect(createdText).not.toMatch(/\$\{|undefined|null|NaN|\[object/);
      await expectButtons(created, ['Jag åtar mig', 'Klart', 'Kan inte', 'Ändra']);
      await expectShell(thread, 'En ny överenskommelse har registrerats', AGREEMENT_VIEW);

      // The two ShowCards open inline under the buttons, one at a time, with their inputs (the change form
      // prefilled with the current date and person), and close again.
      const showCard = async (title: string) => {
        await created.getByRole('button', { name: title, exact: true }).click();
        await expect.poll(() => created.getByRole('button', { name: title, exact: true }).getAttribute('aria-expanded')).toBe('true');
        return normalise(await created.innerText());
      };
      expect(await showCard('Kan inte')).toMatch(/ Jag åtar mig Klart Kan inte Ändra Varför inte\? \(syns för gruppens medlemmar\) \*? ?Skicka$/);
      expect(await showCard('Ändra')).toMatch(/ Jag åtar mig Klart Kan inte Ändra Nytt datum Spara datum Ge till Ge till annan Avbryt överenskommelsen$/);
      const changeForm = await created.ariaSnapshot();
      expect(changeForm).toContain(`combobox "Nytt datum": 15 mars ${year}`);
      expect(changeForm).toContain(`combobox "Ge till": ${DEMO.currentUser}`);
      expect(changeForm).not.toContain('Varför inte?');
      await created.getByRole('button', { name: 'Ändra', exact: true }).click();
      await expect.poll(async () => normalise(await created.innerText())).toMatch(/ Jag åtar mig Klart Kan inte Ändra$/);

      // 4. "Jag åtar mig": accepted, and the accept button is gone.
      await clickCardAction(created, 'Jag åtar mig');
      const accepted = await waitForBotCard(thread, /^Ändringen är sparad\. .* Åtagen /);
      const acceptedText = normalise(await accepted.innerText());
      expect(acceptedText).toContain(`Hör till målet: ${GOAL_TEXT}`);
      expect(acceptedText).toMatch(/ Händelser \d.* · Sara Lind \(samordnare\) · registrerade överenskommelsen \d.* · Sara Lind \(samordnare\) · åtog sig /);
      expect(acceptedText).not.toContain('markerade som klar');
      await expectButtons(accepted, ['Klart', 'Kan inte', 'Ändra'], ['Jag åtar mig']);
      await expectShell(thread, 'En överenskommelse har uppdaterats', AGREEMENT_VIEW);

      // 5. "Klart": done; a finished agreement has nothing left to press.
      await clickCardAction(accepted, 'Klart');
      const done = await waitForBotCard(thread, /^Ändringen är sparad\. .* Klar Hör till målet/);
      const doneText = normalise(await done.innerText());
      expect(doneText).toMatch(
        new RegExp(
          `^Ändringen är sparad\\. Överenskommelse ${escapeRegExp(AGREEMENT_TEXT)} Ansvarig: ${escapeRegExp(DEMO.currentUser)} ` +
            `Klart senast 15 mars ${year} Klar Hör till målet: ${escapeRegExp(GOAL_TEXT)} Händelser ` +
            `\\d.* · Sara Lind \\(samordnare\\) · registrerade överenskommelsen ` +
            `\\d.* · Sara Lind \\(samordnare\\) · åtog sig ` +
            `\\d.* · Sara Lind \\(samordnare\\) · markerade som klar$`,
        ),
      );
      expect(doneText).not.toMatch(/\$\{|undefined|null|NaN|\[object/);
      await expectButtons(done, [], ['Jag åtar mig', 'Klart', 'Kan inte', 'Ändra']);
      // One post for the agreement, updated in place by both changes.
      const changed = await expectShell(thread, 'En överenskommelse har uppdaterats', AGREEMENT_VIEW, { onlyNew: false });
      expect(await countShells(thread, 'En överenskommelse har uppdaterats')).toBe(1);
      expect(await countShells(thread, 'En ny överenskommelse har registrerats')).toBe(0);
      await done.scrollIntoViewIfNeeded();
      await done.screenshot({ path: '/tmp/e2e-agreement.png' });
      await screenshot(page, path.join(REPO_ROOT, 'test-results', 'e2e-agreement.png'));

      // 6. The agreement's post opens the same agreement, without the notice.
      await clickCardAction(changed, 'Visa · Show');
      const shown = await waitForBotCard(thread, new RegExp(`^Överenskommelse ${escapeRegExp(AGREEMENT_TEXT)} .* Klar Hör till målet`));
      expect(normalise(await shown.innerText())).toMatch(/ · markerade som klar$/);

      // 7. What was stored, and what the audit log says: who did what to which record, never the text.
      const agreements = await db.agreement.findMany({ where: { groupId: group.id }, include: { events: { orderBy: { createdAt: 'asc' } } } });
      expect(agreements).toHaveLength(1);
      const [stored] = agreements;
      expect(stored).toMatchObject({
        what: AGREEMENT_TEXT,
        status: 'done',
        version: 3,
        goalId: goal.id,
        subGoalId: null,
        responsibleMemberId: caseManager.id,
        createdByMemberId: caseManager.id,
      });
      expect(stored!.dueDate.toISOString().slice(0, 10)).toBe(dueDate);
      expect(stored!.events.map(({ kind, actorMemberId }) => ({ kind, actorMemberId }))).toEqual([
        { kind: 'created', actorMemberId: caseManager.id },
        { kind: 'accepted', actorMemberId: caseManager.id },
        { kind: 'done', actorMemberId: caseManager.id },
      ]);

      const audit = await db.auditEvent.findMany({ where: { groupId: group.id } });
      const allowed = (action: string) => audit.filter((e) => e.action === action && e.outcome === 'allowed');
      const onTheAgreement = { entityType: 'Agreement', entityId: stored!.id, actorMemberId: caseManager.id, actorAadObjectId: caseManager.aadObjectId };
      expect(allowed('agreement.create')).toMatchObject([onTheAgreement]);
      expect(allowed('agreement.accepted')).toMatchObject([onTheAgreement]);
      expect(allowed('agreement.done')).toMatchObject([onTheAgreement]);
      expect(allowed('agreement.read').length).toBeGreaterThanOrEqual(1);
      expect(audit.filter((e) => e.outcome !== 'allowed')).toEqual([]);
      for (const event of audit) {
        for (const value of Object.values(event)) {
          if (typeof value !== 'string') continue;
          expect(value).not.toContain(AGREEMENT_TEXT);
          expect(value).not.toContain('hyresvärd');
        }
      }
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'mine: with the only agreement done, "mina" shows that the caller has no open agreements',
    async () => {
      keepEvidence('mine');
      const { page } = session;
      const thread = await mentionBotAndPost(page, DEMO.botName, 'mina');
      const mine = await openShell(thread, 'Dina öppna överenskommelser', 'Mina öppna överenskommelser');
      const text = normalise(await mine.innerText());
      expect(text).toBe('Mina öppna överenskommelser Du har inga öppna överenskommelser. Bra jobbat!');
      expect(await mine.getByRole('button').count()).toBe(0);
      await mine.screenshot({ path: '/tmp/e2e-mine.png' });
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'follow-up: scheduled in the channel a minute ahead, the reminder card arrives in the channel, and snooze answers privately',
    async () => {
      keepEvidence('follow-up');
      const { page } = session;
      const db = bot.database.db;
      const group = await db.resourceGroup.findFirstOrThrow();
      // The whole day, every day, as working time: the reminder may go out whenever the test runs.
      await db.resourceGroup.update({ where: { id: group.id }, data: { workDays: '1,2,3,4,5,6,7', workdayStartMinute: 0, workdayEndMinute: 1440, observeHolidays: false } });
      const thread = await mentionBotAndPost(page, DEMO.botName, 'uppföljning');
      const list = await openShell(thread, 'Gruppens uppföljningar', 'Uppföljningar för K.L.');
      expect(normalise(await list.innerText())).toContain('Inga uppföljningar är inplanerade.');
      await clickCardAction(list, 'Ny uppföljning');
      const form = await waitForBotCard(thread, /^Ny uppföljning /);
      // One minute ahead on Stockholm's wall clock (two when the next minute is about to start).
      const target = new Date(Date.now() + (new Date().getSeconds() > 45 ? 120_000 : 60_000));
      const parts = Object.fromEntries(
        new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Stockholm', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
          .formatToParts(target)
          .map((p) => [p.type, p.value]),
      );
      await chooseInCard(form, 'Vad', 'Uppföljning av planen');
      await fillDateInCard(form, 'Dag', `${parts.year}-${parts.month}-${parts.day}`);
      const time = form.getByLabel('Tid').first();
      await time.fill(`${parts.hour}:${parts.minute}`);
      await clickCardAction(form, 'Planera');
      const planned = await waitForBotCard(thread, 'Uppföljningen är planerad.');
      expect(normalise(await planned.innerText())).toContain(`Uppföljning av planen Nästa: ${Number(parts.day)} `);
      expect(normalise(await planned.innerText())).toContain(`${parts.hour}:${parts.minute}`);

      // The scheduler posts the reminder as a new post in the channel when the minute comes.
      const reminder = await waitForBotCard(page, /^Påminnelse Uppföljning av planen /, { timeout: 150_000 });
      const text = normalise(await reminder.innerText());
      expect(text).toContain(`${parts.hour}:${parts.minute}.`);
      expect(text).not.toContain('K.L.');
      await screenshot(page, path.join(REPO_ROOT, 'test-results', 'e2e-reminder.png'));
      await reminder.getByRole('button', { name: 'Påminn igen', exact: true }).click();
      await clickCardAction(reminder, 'Om en dag');
      await expect.poll(async () => normalise(await page.locator('body').innerText()), { timeout: 15_000 }).toMatch(/Jag påminner igen .* Schemat är oförändrat\./);
      const sent = await db.reminder.findFirstOrThrow({ where: { groupId: group.id, kind: 'follow_up', snoozedFromId: null } });
      expect(sent.status).toBe('sent');
      expect(await db.reminder.count({ where: { snoozedFromId: sent.id, status: 'pending' } })).toBe(1);
    },
    240_000,
  );

  it(
    'as the relative: a neutral refusal in the channel with the reason only for him; with consent, views without the buttons he may not press',
    async () => {
      keepEvidence('relative');
      const db = bot.database.db;
      const group = await db.resourceGroup.findFirstOrThrow();
      // Lars, the individual's brother, is registered by the case manager; his consent not yet.
      const lars = await db.member.create({
        data: { groupId: group.id, teamsUserId: LARS.id, aadObjectId: LARS.aadObjectId, displayName: LARS.name, role: 'relative', principal: 'private' },
      });
      const asLars = await startPlayground({ botEndpoint: `${bot.url}/api/messages`, activityLocale: 'sv-SE', configPath: await writePlaygroundConfig({ currentUser: LARS.name }) });
      const page = await session.context.newPage();
      try {
        await openPlayground(page, asLars.url);
        await openChannel(page, DEMO.channelName);

        // 1. "plan" without consent: the channel reads a neutral reply; "Varför?" answers him alone.
        const thread = await mentionBotAndPost(page, DEMO.botName, 'plan');
        const refusal = await waitForBotCard(thread, /^Det här kan jag inte visa här\./);
        expect(normalise(await refusal.innerText())).toBe('Det här kan jag inte visa här. Skriv till mig direkt för att se varför. Varför?');
        await clickCardAction(refusal, 'Varför?');
        await expect.poll(async () => normalise(await page.locator('body').innerText()), { timeout: 15_000 }).toContain('Individens samtycke till att dela med dig är inte registrerat ännu.');
        await screenshot(page, path.join(REPO_ROOT, 'test-results', 'e2e-relative-refused.png'));
        const refused = await db.auditEvent.findFirstOrThrow({ where: { groupId: group.id, actorAadObjectId: LARS.aadObjectId, outcome: 'denied' } });
        expect(refused).toMatchObject({ action: 'plan.read', reason: 'no_consent' });

        // 2. With consent recorded: the member list, without the case manager's buttons.
        await db.member.update({ where: { id: lars.id }, data: { consentRecordedAt: new Date() } });
        const membersThread = await mentionBotAndPost(page, DEMO.botName, 'medlemmar');
        const members = await openShell(membersThread, 'Resursgruppens medlemmar', 'Medlemmar i resursgruppen');
        expect(normalise(await members.innerText())).toContain(`${LARS.name} Närstående`);
        await expectButtons(members, [], ['Lägg till från Teams', 'Lägg till kontakt utan Teams', 'Ändra medlem']);

        // 3. An open agreement of Sara's: he sees it, and no button to press on it.
        const done = await db.agreement.findFirstOrThrow({ where: { groupId: group.id } });
        await db.agreement.create({
          data: {
            groupId: group.id, responsibleMemberId: done.responsibleMemberId, what: OPEN_AGREEMENT_TEXT, dueDate: done.dueDate, goalId: done.goalId, createdByMemberId: done.responsibleMemberId,
            events: { create: { kind: 'created', actorMemberId: done.responsibleMemberId } },
          },
        });
        const mineThread = await mentionBotAndPost(page, DEMO.botName, 'plan');
        const plan = await openShell(mineThread, 'Planen för resursgruppen', 'Planen för K.L.');
        await clickCardAction(plan, 'Visa målet');
        const goal = await waitForBotCard(mineThread, new RegExp(`^Boende ${escapeRegExp(GOAL_TEXT)}`));
        await goal.getByText(OPEN_AGREEMENT_TEXT).first().click();
        const agreementCard = await waitForBotCard(mineThread, new RegExp(`^Överenskommelse ${escapeRegExp(OPEN_AGREEMENT_TEXT)} `));
        expect(normalise(await agreementCard.innerText())).toContain(`Ansvarig: ${DEMO.currentUser} Klart senast 15 mars`);
        await expectButtons(agreementCard, [], ['Jag åtar mig', 'Klart', 'Kan inte', 'Ändra', `Markera klar åt ${DEMO.currentUser}`]);
        await screenshot(page, path.join(REPO_ROOT, 'test-results', 'e2e-relative-agreement.png'));
      } finally {
        await page.close().catch(() => undefined);
        await asLars.stop();
      }
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'crisis plan: "krisplan" posts a card without content; the case manager opens it, writes the red phase through its form, changes it, and sees the versions and what changed; stored and audited without content (issue 10)',
    async () => {
      keepEvidence('crisis-plan');
      const { page } = session;
      const db = bot.database.db;
      const group = await db.resourceGroup.findFirstOrThrow({ where: { individualAlias: 'K.L.' }, include: { members: true } });
      const caseManager = group.members.find((m) => m.isCaseManager)!;
      // The group was set up through "starta" above: nobody has written its crisis plan yet.
      expect(await db.crisisPlan.count({ where: { groupId: group.id } })).toBe(0);

      // 1. "@Resursgruppsbot krisplan": a card with nothing of the plan or whose it is, and no refresh.
      const thread = await mentionBotAndPost(page, DEMO.botName, 'krisplan');
      const link = await waitForBotCard(thread, /^Krisplan /);
      expect(normalise(await link.innerText())).toBe(CRISIS_LINK_TEXT);
      const [posted] = await playgroundLogEntries(page, 'message 201');
      const postedCard = (posted!.request as { attachments?: Array<{ content: Record<string, unknown> }> }).attachments?.[0]?.content;
      expect(postedCard).toBeDefined();
      expect(postedCard).not.toHaveProperty('refresh');
      expect(JSON.stringify(postedCard)).not.toContain('K.L.');
      expect(JSON.stringify(postedCard)).toContain('"verb":"crisisPlanShow"');

      // 2. "Öppna krisplanen": the plan, red phase first; nothing written yet, the out-of-hours numbers offered.
      await clickCardAction(link, 'Öppna krisplanen');
      const empty = await waitForBotCard(thread, /^Krisplan K\.L\. /);
      expect(normalise(await empty.innerText())).toBe(
        'Krisplan K.L. Krisplanen är inte skriven än. Skriv den tillsammans med individen, ett avsnitt i taget. ' +
          'I kris – röd fas Tecken på kris Inget skrivet än. Det här vill jag att andra gör Inget skrivet än. Det här kan jag göra själv Inget skrivet än. ' +
          'Ring Jour och akut Psykiatrisk akutmottagning Telefonnummer saknas 112 – vid fara för liv Ring 112 1177 Vårdguiden Ring 1177 ' +
          `Hela planen ${SECTION_BUTTONS.join(' ')} Uppdatera`,
      );
      await expectButtons(empty, SECTION_BUTTONS, ['Versioner', 'Genomgången med individen']);
      // The Playground renders Action.OpenUrl without its address; the card it was answered shows the tel: links.
      const [opened] = await playgroundLogEntries(page, 'invoke 200');
      expect(opened!.request).toMatchObject({ name: 'adaptiveCard/action', value: { action: { verb: 'crisisPlanShow' } } });
      const openUrls = JSON.stringify((opened!.response as { value?: unknown }).value).match(/"url":"[^"]*"/g);
      expect(openUrls).toEqual(['"url":"tel:112"', '"url":"tel:1177"']);

      // 3. The red phase's own card, and its form, filled in like a person would (one thing per line).
      await clickCardAction(empty, 'Röd fas – kris');
      const redEmpty = await waitForBotCard(thread, /^Röd fas – kris K\.L\. /);
      expect(normalise(await redEmpty.innerText())).toBe(
        'Röd fas – kris K.L. Tecken på kris, och vad som ska göras då. Tecken på kris Inget skrivet än. Det här kan jag göra själv Inget skrivet än. Det här vill jag att andra gör Inget skrivet än. Ändra Till krisplanen',
      );
      await clickCardAction(redEmpty, 'Ändra');
      const form = await waitForBotCard(thread, /^Ändra: Röd fas – kris K\.L\. /);
      expect(normalise(await form.innerText())).toMatch(/^Ändra: Röd fas – kris K\.L\. Skriv med individens egna ord\. Inga personnummer\. En sak per rad\. Tecken på kris/);
      await form.getByLabel('Tecken på kris', { exact: true }).fill(RED_SIGNS.join('\n'));
      await form.getByLabel('Det här kan jag göra själv', { exact: true }).fill(RED_SELF_HELP);
      await form.getByLabel('Det här vill jag att andra gör', { exact: true }).fill(RED_OTHERS_DO);
      await clickCardAction(form, 'Spara');
      const first = await waitForBotCard(thread, /^Röd fas – kris K\.L\. Sparat\. Det här är version 1\./);
      expect(normalise(await first.innerText())).toBe(
        'Röd fas – kris K.L. Sparat. Det här är version 1. Tecken på kris, och vad som ska göras då. ' +
          `Tecken på kris ${RED_SIGNS.map((t) => `• ${t}`).join(' ')} Det här kan jag göra själv • ${RED_SELF_HELP} Det här vill jag att andra gör • ${RED_OTHERS_DO} Ändra Till krisplanen`,
      );

      // 4. A change: the form opens with what is written; the case manager adds a sign on a new line.
      await clickCardAction(first, 'Ändra');
      const change = await waitForBotCard(thread, /^Ändra: Röd fas – kris K\.L\. /);
      const signs = change.getByLabel('Tecken på kris', { exact: true });
      expect(await signs.inputValue()).toBe(RED_SIGNS.join('\n'));
      await signs.click();
      await page.keyboard.press('ControlOrMeta+End');
      await page.keyboard.press('Enter');
      await page.keyboard.type(NEW_RED_SIGN);
      expect(await signs.inputValue()).toBe([...RED_SIGNS, NEW_RED_SIGN].join('\n'));
      await clickCardAction(change, 'Spara');
      const second = await waitForBotCard(thread, /^Röd fas – kris K\.L\. Sparat\. Det här är version 2\./);
      expect(normalise(await second.innerText())).toContain(`Tecken på kris ${[...RED_SIGNS, NEW_RED_SIGN].map((t) => `• ${t}`).join(' ')} Det här kan jag göra själv`);
      // Each saved change is announced in the thread by a post that says nothing of the plan.
      await expect.poll(() => countShells(thread, 'Krisplanen har ändrats'), { timeout: 15_000 }).toBe(2);
      for (const text of await thread.locator('.ac-adaptiveCard').allInnerTexts()) {
        if (normalise(text).startsWith('Krisplanen har ändrats')) expect(normalise(text)).toBe(CRISIS_CHANGED_TEXT);
      }

      // 5. Back to the plan: version 2, by her, with the red phase as written.
      await clickCardAction(second, 'Till krisplanen');
      const plan = await waitForBotCard(thread, /^Krisplan K\.L\. Version 2 /);
      const planText = normalise(await plan.innerText());
      expect(planText).toMatch(/^Krisplan K\.L\. Version 2 · ändrad \d{1,2} \S+ \d{4},? \d{2}:\d{2} av Sara Lind \(samordnare\) Inte genomgången med individen än Nästa genomgång: \d{1,2} \S+ \d{4} I kris – röd fas /);
      expect(planText).toContain(
        `I kris – röd fas Tecken på kris ${[...RED_SIGNS, NEW_RED_SIGN].map((t) => `• ${t}`).join(' ')} Det här vill jag att andra gör • ${RED_OTHERS_DO} Det här kan jag göra själv • ${RED_SELF_HELP} Ring `,
      );
      expect(planText).not.toContain('Krisplanen är inte skriven än');
      await expectButtons(plan, [...SECTION_BUTTONS, 'Versioner', 'Genomgången med individen', 'Uppdatera']);

      // 6. The versions, newest first, each with the section changed and its author; what version 2 changed.
      await clickCardAction(plan, 'Versioner');
      const versions = await waitForBotCard(thread, /^Krisplanens versioner K\.L\. /);
      expect(normalise(await versions.innerText())).toMatch(
        /^Krisplanens versioner K\.L\. Version 2 Röd fas – kris · [^·]+ · Sara Lind \(samordnare\) Visa Version 1 Röd fas – kris · [^·]+ · Sara Lind \(samordnare\) Visa Till krisplanen$/,
      );
      await clickCardAction(versions, 'Visa', { index: 0 });
      const version2 = await waitForBotCard(thread, /^Version 2 K\.L\. /);
      expect(normalise(await version2.innerText())).toMatch(
        new RegExp(
          `^Version 2 K\\.L\\. Röd fas – kris · [^·]+ · Sara Lind \\(samordnare\\) Vad ändrades Röd fas – kris Tillagt i Tecken på kris: ${escapeRegExp(NEW_RED_SIGN)} ` +
            'Föregående version Versioner Till krisplanen$',
        ),
      );
      await version2.scrollIntoViewIfNeeded();
      await screenshot(page, path.join(REPO_ROOT, 'test-results', 'e2e-crisis-plan.png'));
      await clickCardAction(version2, 'Föregående version');
      const version1 = await waitForBotCard(thread, /^Version 1 K\.L\. /);
      expect(normalise(await version1.innerText())).toMatch(/^Version 1 K\.L\. Röd fas – kris · [^·]+ · Sara Lind \(samordnare\) Vad ändrades Det här är den första versionen\. Nästa version Versioner Till krisplanen$/);

      // 7. Stored: two versions of the red phase, both by the case manager; the other sections as a new plan has them.
      const stored = await db.crisisPlan.findUniqueOrThrow({ where: { groupId: group.id }, include: { versions: { orderBy: { version: 'asc' } } } });
      expect(stored.currentVersion).toBe(2);
      expect(stored.reviewedAt).toBeNull();
      expect(stored.versions.map(({ version, section, authorMemberId }) => ({ version, section, authorMemberId }))).toEqual([
        { version: 1, section: 'red', authorMemberId: caseManager.id },
        { version: 2, section: 'red', authorMemberId: caseManager.id },
      ]);
      const [v1, v2] = stored.versions.map((v) => JSON.parse(v.content) as { phases: Record<string, { signs: string[]; selfHelp: string[]; othersDo: string[] }> });
      expect(v1!.phases.red).toEqual({ signs: RED_SIGNS, selfHelp: [RED_SELF_HELP], othersDo: [RED_OTHERS_DO] });
      expect(v2!.phases.red).toEqual({ signs: [...RED_SIGNS, NEW_RED_SIGN], selfHelp: [RED_SELF_HELP], othersDo: [RED_OTHERS_DO] });
      expect(v2!.phases.yellow).toEqual({ signs: [], selfHelp: [], othersDo: [] });

      // 8. The access log: each look by hand (no automatic refresh), each change, all by her; no content anywhere.
      const audit = await db.auditEvent.findMany({ where: { groupId: group.id, action: { startsWith: 'crisisplan.' } }, orderBy: { at: 'asc' } });
      const byHer = { outcome: 'allowed', actorMemberId: caseManager.id, actorAadObjectId: caseManager.aadObjectId };
      expect(audit.filter((e) => e.outcome !== 'allowed')).toEqual([]);
      expect(audit.filter((e) => e.action === 'crisisplan.change')).toMatchObject(stored.versions.map((v) => ({ ...byHer, entityType: 'CrisisPlanVersion', entityId: v.id })));
      const reads = audit.filter((e) => e.action === 'crisisplan.read');
      // Opened from the posted card (no plan yet: the group is the entity), then "Till krisplanen".
      expect(reads).toMatchObject([
        { ...byHer, trigger: 'manual', entityType: 'ResourceGroup', entityId: group.id },
        { ...byHer, trigger: 'manual', entityType: 'CrisisPlan', entityId: stored.id },
      ]);
      for (const action of ['crisisplan.section.read', 'crisisplan.versions.read', 'crisisplan.version.read']) {
        expect(audit.filter((e) => e.action === action).length, action).toBeGreaterThanOrEqual(1);
      }
      expect(audit.filter((e) => e.trigger === 'automatic')).toEqual([]);
      expect(audit.every((e) => e.conversationId === group.conversationId)).toBe(true);
      const everything = await db.auditEvent.findMany();
      for (const event of everything) {
        for (const value of Object.values(event)) {
          if (typeof value !== 'string') continue;
          for (const typed of [...RED_SIGNS, NEW_RED_SIGN, RED_SELF_HELP, RED_OTHERS_DO]) expect(value).not.toContain(typed);
        }
      }
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'crisis plan search: the compose box\'s message extension finds the plan by alias for the case manager; the card it inserts names nothing and opens the plan (issue 10)',
    async () => {
      keepEvidence('crisis-plan-search');
      const { page } = session;
      const db = bot.database.db;
      const group = await db.resourceGroup.findFirstOrThrow({ where: { individualAlias: 'K.L.' }, include: { members: true } });
      const caseManager = group.members.find((m) => m.isCaseManager)!;
      const plan = await db.crisisPlan.findUniqueOrThrow({ where: { groupId: group.id } }); // written by the test above
      const since = new Date();

      // 1. The compose box's "+" → "Search Command": the Playground asks for the command id and the
      //    parameter name, which Teams takes from the manifest (composeExtensions: crisisPlanSearch, alias).
      const panel = await openSearchExtension(page, { commandId: 'crisisPlanSearch', parameterName: 'alias' });
      expect(await searchInExtension(panel, 'X.Y')).toEqual([]);
      expect(await searchInExtension(panel, 'K.L')).toEqual([{ title: 'K.L.', text: 'Krisplan · öppnas bara för dem som får läsa den' }]);
      await screenshot(page, path.join(REPO_ROOT, 'test-results', 'e2e-crisis-plan-search.png'));

      // 2. Picking the result puts its card in the compose box: nothing of the plan, not even whose it is.
      //    (Playground 0.2.28 does not support composeExtension/selectItem, the invoke a preview's `tap`
      //    would send; it inserts the result's `content` as the query returned it, which is also what Teams
      //    inserts for a preview without `tap`, as this bot's are.)
      const inserted = await insertSearchResult(panel, 'K.L.');
      expect(normalise(await inserted.innerText())).toBe(CRISIS_LINK_TEXT);

      // 3. What went over the wire (the log panel's entries): the two queries, and the bot's answers.
      const [query, noMatch] = (await playgroundLogEntries(page, 'invoke 200', { count: 2 })).map((e) => ({
        request: e.request as { name?: string; value?: { commandId?: string; parameters?: Array<{ name: string; value: string }> } },
        response: e.response as { composeExtension?: { type?: string; attachments?: Array<{ content: Record<string, unknown>; preview?: { content?: { title?: string } } }> } },
      }));
      expect(noMatch!.request).toMatchObject({ name: 'composeExtension/query', value: { commandId: 'crisisPlanSearch', parameters: [{ name: 'alias', value: 'X.Y' }] } });
      expect(noMatch!.response.composeExtension).toMatchObject({ type: 'result', attachments: [] });
      expect(query!.request).toMatchObject({ name: 'composeExtension/query', value: { commandId: 'crisisPlanSearch', parameters: [{ name: 'alias', value: 'K.L' }] } });
      const attachments = query!.response.composeExtension?.attachments ?? [];
      expect(attachments).toHaveLength(1);
      expect(attachments[0]!.preview?.content?.title).toBe('K.L.');
      const card = attachments[0]!.content;
      expect(card).not.toHaveProperty('refresh');
      expect(JSON.stringify(card)).not.toContain('K.L.');
      expect(card.actions).toEqual([{ type: 'Action.Execute', verb: 'crisisPlanShow', title: 'Öppna krisplanen', data: { groupId: group.id } }]);

      // 4. Posted to the channel (the bot is not mentioned, so it hears nothing of the post itself), the
      //    card opens the plan for a reader who presses it: here the case manager.
      const thread = await postComposed(page);
      const posted = await waitForBotCard(thread, CRISIS_LINK_TEXT);
      await clickCardAction(posted, 'Öppna krisplanen');
      const opened = await waitForBotCard(thread, /^Krisplan K\.L\. Version 2 /);
      expect(normalise(await opened.innerText())).toContain(`Tecken på kris • ${RED_SIGNS[0]}`);
      await opened.scrollIntoViewIfNeeded();
      await opened.screenshot({ path: '/tmp/e2e-crisis-plan-search-opened.png' });

      // 5. Audited: the one result shown (not the search that found nothing), then the look by hand.
      const audit = await db.auditEvent.findMany({ where: { groupId: group.id, at: { gte: since } }, orderBy: { at: 'asc' } });
      expect(audit.map(({ action, outcome, trigger, actorAadObjectId, entityType, entityId }) => ({ action, outcome, trigger, actorAadObjectId, entityType, entityId }))).toEqual([
        { action: 'crisisplan.search', outcome: 'allowed', trigger: null, actorAadObjectId: caseManager.aadObjectId, entityType: 'ResourceGroup', entityId: group.id },
        { action: 'crisisplan.read', outcome: 'allowed', trigger: 'manual', actorAadObjectId: caseManager.aadObjectId, entityType: 'CrisisPlan', entityId: plan.id },
      ]);
    },
    BROWSER_TEST_TIMEOUT,
  );

  it(
    'FACT board: the case manager puts K.L. on the board through the form; "tavla" posts only a count, and "Visa" shows K.L. with the reason and interventions; stored and audited without text (issue 11)',
    async () => {
      keepEvidence('board');
      const { page } = session;
      const db = bot.database.db;
      const group = await db.resourceGroup.findFirstOrThrow({ where: { individualAlias: 'K.L.' }, include: { members: true } });
      const caseManager = group.members.find((m) => m.isCaseManager)!;
      // Set up through "starta" above as FACT in the channel of "Resursgrupp Demo": Teams' team id is the group's, so the board applies.
      expect(group).toMatchObject({ caseManagementModel: 'FACT', conversationType: 'channel' });
      expect(group.teamId).toBeTruthy();
      expect(await db.boardEntry.count({ where: { groupId: group.id } })).toBe(0);
      const since = new Date();

      // 1. "@Resursgruppsbot tavla lägg till": a shell for the caller; "Visa" opens the form, filled in like a person would.
      const addThread = await mentionBotAndPost(page, DEMO.botName, 'tavla lägg till');
      const form = await openShell(addThread, 'Sätt upp på FACT-tavlan', 'Sätt upp på FACT-tavlan: K.L.');
      await chooseInCard(form, 'Anledning', BOARD_REASON);
      await form.getByLabel('Mer om anledningen (krävs vid Annat)').fill(BOARD_REASON_TEXT);
      await form.getByLabel('Överenskomna insatser').fill(BOARD_INTERVENTIONS);
      await clickCardAction(form, 'Sätt upp på tavlan');
      const added = await waitForBotCard(addThread, /K\.L\. är uppsatt på FACT-tavlan\./);
      expect(normalise(await added.innerText())).toContain('K.L.');

      // 2. "@Resursgruppsbot tavla": the posted card shows only how many are on the board, nobody's alias or reason.
      const thread = await mentionBotAndPost(page, DEMO.botName, 'tavla');
      const shell = await waitForBotCard(thread, /^FACT-tavlan .*Visa$/);
      const shellText = normalise(await shell.innerText());
      expect(shellText).toContain('1 på tavlan.');
      for (const secret of ['K.L.', BOARD_REASON, BOARD_REASON_TEXT, BOARD_INTERVENTIONS]) expect(shellText).not.toContain(secret);
      const [posted] = await playgroundLogEntries(page, 'message 201');
      const postedCard = JSON.stringify((posted!.request as { attachments?: unknown[] }).attachments ?? []);
      expect(postedCard).toContain('"verb":"boardShow"');
      for (const secret of ['K.L.', BOARD_REASON, BOARD_REASON_TEXT, BOARD_INTERVENTIONS]) expect(postedCard).not.toContain(secret);

      // 3. "Visa": the board, for her: K.L. with the reason, 0 or 1 days, and the interventions.
      await clickCardAction(shell, 'Visa');
      const board = await waitForBotCard(thread, /^FACT-tavlan .*K\.L\./);
      const boardText = normalise(await board.innerText());
      expect(boardText).toMatch(/[01] dagar? på tavlan/);
      expect(boardText).toContain(`${BOARD_REASON}: ${BOARD_REASON_TEXT}`);
      expect(boardText).toContain(BOARD_INTERVENTIONS);
      expect(boardText).not.toMatch(/\$\{|undefined|null|NaN|\[object/);
      await board.scrollIntoViewIfNeeded();
      await screenshot(page, path.join(REPO_ROOT, 'test-results', 'e2e-board.png'));

      // 4. Stored: one current entry, by her, with the reason's code and her words.
      const entries = await db.boardEntry.findMany({ where: { groupId: group.id } });
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({
        reasonCode: 'relapse_risk',
        reasonText: BOARD_REASON_TEXT,
        interventions: BOARD_INTERVENTIONS,
        placedByMemberId: caseManager.id,
        removedAt: null,
        currentGroupId: group.id,
      });

      // 5. Audited: the add, and the board read by hand; no text of the entry in any audit row.
      const audit = await db.auditEvent.findMany({ where: { groupId: group.id, at: { gte: since }, action: { startsWith: 'board.' } }, orderBy: { at: 'asc' } });
      const byHer = { outcome: 'allowed', actorMemberId: caseManager.id, actorAadObjectId: caseManager.aadObjectId };
      expect(audit.filter((e) => e.outcome !== 'allowed')).toEqual([]);
      expect(audit.filter((e) => e.action === 'board.add')).toMatchObject([{ ...byHer, entityType: 'BoardEntry', entityId: entries[0]!.id }]);
      const reads = audit.filter((e) => e.action === 'board.read');
      expect(reads.length).toBeGreaterThanOrEqual(1);
      expect(reads.filter((e) => e.trigger === 'manual').length).toBeGreaterThanOrEqual(1);
      expect(reads.filter((e) => e.trigger === 'automatic')).toEqual([]);
      for (const event of await db.auditEvent.findMany()) {
        for (const value of Object.values(event)) {
          if (typeof value !== 'string') continue;
          for (const typed of [BOARD_REASON_TEXT, BOARD_INTERVENTIONS]) expect(value).not.toContain(typed);
        }
      }
    },
    BROWSER_TEST_TIMEOUT,
  );
});

/** The FACT board entry the case manager writes for K.L. (fictional). */
const BOARD_REASON = 'Ökade symtom eller risk för återfall';
const BOARD_REASON_TEXT = 'Hör röster igen sedan i helgen';
const BOARD_INTERVENTIONS = 'Hembesök varje dag (Sara), läkarbesök på torsdag';

/** The relative in the Playground's mock tenant (.m365agentsplayground.yml). */
const LARS = { id: '29:demo-lars-lundqvist', aadObjectId: '00000000-0000-4000-8000-00000000c004', name: 'Lars Lundqvist (närstående)' };
const GOAL_TEXT = 'Jag vill ha en egen lägenhet';
const COMMENT = 'Har tittat på två lägenheter';
const AGREEMENT_TEXT = 'Ringa hyresvärden om bostadskön före nästa möte';
const OPEN_AGREEMENT_TEXT = 'Bjuda in Lars till nästa möte';
/** The red phase as the case manager writes it with the individual (fictional), and the sign added later. */
const RED_SIGNS = ['Slutar äta och dricka', 'Sover inte på flera nätter'];
const RED_SELF_HELP = 'Ringa min bror och säga att det är dags';
const RED_OTHERS_DO = 'Stanna hos mig och ring psykiatriska akutmottagningen';
const NEW_RED_SIGN = 'Drar mig undan från alla';
/** The crisis plan's buttons to its sections, in the plan card's order. */
const SECTION_BUTTONS = ['Röd fas – kris', 'Gul fas – tidiga tecken', 'Grön fas – när jag mår bra', 'Det som hjälper', 'Närstående', 'Vård och jour', 'Praktiskt', 'Mina önskemål'];
/** The card `krisplan` posts, and the compose-box search inserts: nothing of the plan, nor whose it is. */
const CRISIS_LINK_TEXT = 'Krisplan Krisplanen visas bara för dem som individen har valt, och bara för den som öppnar den. Öppna krisplanen';
/** The post in the thread after each saved change (bilingual, as all posts for the whole group). */
const CRISIS_CHANGED_TEXT =
  'Krisplanen har ändrats The crisis plan was changed Krisplanen visas bara för dem som individen har valt, och bara för den som öppnar den. Öppna krisplanen · Open the crisis plan';
/** The start of the agreement card (without a notice), which a refreshing client shows instead of a shell. */
const AGREEMENT_VIEW = new RegExp(`^Överenskommelse ${escapeRegExp(AGREEMENT_TEXT)} `);
const SHELL_PRIVACY = 'Innehållet visas bara för gruppens medlemmar med registrerat samtycke.';

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The bot answers a command with a neutral shell card ("<title>", the privacy note, "Visa") whose
 * refresh.userIds lets a client with user-specific views (Teams) replace it at once with the member's
 * own view. Playground 0.2.28 does not ("User specific view is not supported yet"), so this presses
 * "Visa" unless the view is already there. Returns the card that shows `view` (its first words).
 */
async function openShell(thread: Locator, title: string, view: string): Promise<Locator> {
  const card = await waitForBotCard(thread, new RegExp(`^(${escapeRegExp(title)}|${escapeRegExp(view)})`));
  const text = normalise(await card.innerText());
  if (text.startsWith(view)) return card; // refreshed by the client
  expect(text).toBe(`${title} ${SHELL_PRIVACY} Visa`);
  try {
    await clickCardAction(card, 'Visa', { timeout: 5_000 });
  } catch (error) {
    // Refreshed between reading and clicking: the button is gone and the view is there.
    if ((await thread.locator('.ac-adaptiveCard').filter({ hasText: view }).count()) > 0) {
      return waitForBotCard(thread, new RegExp(`^${escapeRegExp(view)}`), { onlyNew: false });
    }
    throw error;
  }
  return waitForBotCard(thread, new RegExp(`^${escapeRegExp(view)}`));
}

/**
 * The one post a goal or agreement has in the thread: "<title>", the title in English, "Senast ändrad
 * …" once updated in place, the privacy note and "Visa · Show"; nothing about the record or who
 * changed it. Where a client refreshes it, it is already the record's card (`view`: by default the goal
 * card, which then starts with the life area, not with a notice); returns the card either way.
 * `onlyNew: false` also accepts the post unchanged since the last click (an update within the same
 * minute reads the same).
 */
async function expectShell(
  thread: Locator,
  title: string,
  view: RegExp = new RegExp(`^Boende ${escapeRegExp(GOAL_TEXT)}`),
  options: { onlyNew?: boolean } = {},
): Promise<Locator> {
  const card = await waitForBotCard(thread, new RegExp(`^${escapeRegExp(title)}|${view.source}`), options);
  const text = normalise(await card.innerText());
  if (text.startsWith(title)) {
    expect(text).toMatch(new RegExp(`^${escapeRegExp(title)} [A-Z][^.]+( Senast ändrad \\d+ \\S+ \\d{4},? \\d{2}:\\d{2})? ${escapeRegExp(SHELL_PRIVACY)} Visa · Show$`));
    expect(text).not.toContain('Sara');
  }
  return card;
}

/** How many of the bot's posts in the thread start with `title` (a post updated in place counts once). */
async function countShells(thread: Locator, title: string): Promise<number> {
  return (await thread.locator('.ac-adaptiveCard').allInnerTexts()).filter((text) => normalise(text).startsWith(title)).length;
}

/** The card's buttons: each of `present` once, none of `absent`. */
async function expectButtons(card: Locator, present: string[], absent: string[] = []): Promise<void> {
  for (const name of present) await expect.poll(() => card.getByRole('button', { name, exact: true }).count()).toBe(1);
  for (const name of absent) expect(await card.getByRole('button', { name, exact: true }).count()).toBe(0);
}
