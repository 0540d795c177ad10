/**
 * Reminders over the real bot, database and send path, with a fake Bot Connector and an injected clock:
 * Swedish working time (08:00–17:00, weekdays, holidays and eves), daylight saving, catch-up after
 * downtime, a process that dies mid-send, snooze, recurring rules, and Teams saying 429 or 403.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../src/logger';
import { NO_RATE_LIMITS } from '../src/reminders/rate-limit';
import { createReminderScheduler, DEFAULT_SCHEDULER_OPTIONS, LEASE_MS } from '../src/reminders/scheduler';
import { planAll } from '../src/reminders/planner';
import { claimDueReminders, memberDestination, personDestination } from '../src/storage/reminders';
import { changeAgreement } from '../src/storage/agreements';
import { markCrisisPlanReviewed } from '../src/storage/crisis-plans';
import { createFollowUp } from '../src/storage/follow-ups';
import { BOT, CHANNEL_ID, messageActivity, USERS } from './support/activities';
import { adaptiveCardErrors } from './support/cards';
import { createTestGroup, startTestBot, talkTo, type TestBot } from './support/bot';
import { failInsertsInto, failNextStatement, testProviders } from './support/databases';
import { cardOf, cardText, type CapturedActivity } from './support/fake-connector';

const at = (iso: string) => new Date(iso);

for (const provider of testProviders()) {
  describe(`reminders on ${provider}`, () => {
    let t: TestBot;
    let groupId: string;
    let ids: { sara: string; anna: string };
    let clock = at('2026-12-01T07:00:00Z');
    const db = () => t.bot.database.db;
    const { execute, where } = talkTo(() => t);
    const testClock = { now: () => clock.getTime(), sleep: async (ms: number) => void (clock = new Date(clock.getTime() + ms)) };

    function scheduler(owner = 'process-a', limits = NO_RATE_LIMITS) {
      return createReminderScheduler(
        { db: db(), logger: silentLogger, now: () => clock, sender: t.bot.bot.reminderSender, clock: testClock, owner },
        { ...DEFAULT_SCHEDULER_OPTIONS, limits },
      );
    }
    /** Runs one tick at `iso` and returns what reached the connector in it. */
    async function tickAt(iso: string, owner = 'process-a'): Promise<CapturedActivity[]> {
      clock = at(iso);
      t.connector.clear();
      await scheduler(owner).tick();
      return [...t.connector.activities];
    }
    async function agreementDue(dueDay: string, what = 'Söka bostadstillägg') {
      return db().agreement.create({
        data: { groupId, responsibleMemberId: ids.anna, what, dueDate: at(`${dueDay}T00:00:00Z`), createdAt: at('2026-01-01T00:00:00Z'), events: { create: [{ kind: 'created', actorMemberId: ids.sara }] } },
      });
    }
    const actor = () => ({ memberId: ids.sara });

    beforeAll(async () => {
      // The bot's own clock is the test's (snooze and claims read it), except before the first test sets it.
      t = await startTestBot(provider, [USERS.sara, USERS.anna], {}, () => clock);
      const group = await createTestGroup(t, USERS.sara);
      groupId = group.id;
      await db().resourceGroup.update({ where: { id: groupId }, data: { createdAt: at('2026-01-01T00:00:00Z') } });
      ids = {
        sara: (await db().member.findFirstOrThrow({ where: { groupId, isCaseManager: true } })).id,
        anna: (
          await db().member.create({
            data: { groupId, teamsUserId: USERS.anna.id, aadObjectId: USERS.anna.aadObjectId, displayName: USERS.anna.name, role: 'housing_support', principal: 'kommun', consentRecordedAt: at('2026-01-01T00:00:00Z') },
          })
        ).id,
      };
      // The channel speaks once, so the bot has its conversation reference for proactive posts.
      expect((await t.post(messageActivity('hjälp', where()))).status).toBe(200);
    });
    afterAll(async () => t?.stop());
    beforeEach(async () => {
      t.connector.clear();
      // Each test plans its own; weekly digests are off unless a test turns them on.
      await db().reminder.deleteMany({});
      await db().sendLease.deleteMany({});
      await db().followUp.deleteMany({});
      await db().agreement.deleteMany({});
      await db().crisisPlan.deleteMany({});
      // The test's clock goes back between tests: the periodic sweeps start again.
      await db().sweepCursor.deleteMany({});
      await db().resourceGroup.update({ where: { id: groupId }, data: { weeklyDigest: false, workDays: '1,2,3,4,5', workdayStartMinute: 480, workdayEndMinute: 1020, observeHolidays: true, reminderLeadDays: 1, escalateAfterDays: 3 } });
      await db().conversationReference.updateMany({ data: { unreachableAt: null, unreachableReason: null } });
    });

    describe('agreements', () => {
      it('reminds a working day before, on the first working day after, and three working days later the case manager, at 08:00 Stockholm', async () => {
        const agreement = await agreementDue('2026-12-03');
        expect(await tickAt('2026-12-02T06:59:00Z')).toEqual([]); // 07:59 in Stockholm
        const [due] = await tickAt('2026-12-02T07:00:00Z');
        expect(due!.conversationId).toBe(`a:opened-${USERS.anna.id}`);
        expect(t.connector.openedChats).toEqual([USERS.anna.id]);
        const card = cardOf(due);
        expect(adaptiveCardErrors(card)).toEqual([]);
        expect(cardText(card)).toContain('K.L.: \nEn överenskommelse ska vara klar 3 dec. 2026.');
        expect(JSON.stringify(card)).not.toContain('bostadstillägg');
        expect(card.actions).toEqual(
          expect.arrayContaining([
            expect.objectContaining({ verb: 'agreementShow', data: { agreementId: agreement.id } }),
            expect.objectContaining({ verb: 'agreementChange', data: { agreementId: agreement.id, version: 1, change: 'done' } }),
          ]),
        );
        expect(await tickAt('2026-12-03T07:00:00Z')).toEqual([]);
        const [overdue] = await tickAt('2026-12-04T07:00:00Z');
        expect(cardText(cardOf(overdue))).toContain('En överenskommelse skulle ha varit klar 3 dec. 2026.');
        expect(t.connector.openedChats).toEqual([]); // the chat is known now
        expect(await tickAt('2026-12-08T07:00:00Z')).toEqual([]);
        const escalated = await tickAt('2026-12-09T07:00:00Z');
        expect(escalated).toHaveLength(1);
        expect(escalated[0]!.conversationId).toBe(`a:opened-${USERS.sara.id}`);
        expect(cardText(cardOf(escalated[0]))).toContain('försenad sedan 3 dec. 2026');
        const sent = await db().auditEvent.findMany({ where: { groupId, action: 'reminder.sent' } });
        expect(sent.length).toBe(3);
        expect(JSON.stringify(sent)).not.toContain('bostadstillägg');
      });

      it('stops when the agreement is done, and follows a new due date', async () => {
        const done = await agreementDue('2026-12-03', 'Klar innan');
        const moved = await agreementDue('2026-12-03', 'Flyttad');
        await tickAt('2026-12-01T07:00:00Z'); // planned
        // Finished in the table (as a restore leaves it): its reminders are found obsolete when their time comes.
        await db().agreement.update({ where: { id: done.id }, data: { status: 'done' } });
        // Moved by the bot: its reminders are planned again in the same transaction.
        expect(await changeAgreement(db(), groupId, moved.id, moved.version, { kind: 'due_date_changed', dueDate: at('2026-12-10T00:00:00Z') }, actor(), at('2026-12-01T08:00:00Z'))).toBe('changed');
        expect(await db().reminder.count({ where: { agreementId: moved.id, status: 'pending', occurrenceKey: { endsWith: ':2026-12-10' } } })).toBe(3);
        expect(await tickAt('2026-12-02T07:00:00Z')).toEqual([]);
        expect(await db().reminder.count({ where: { agreementId: done.id, status: 'cancelled', outcome: 'obsolete' } })).toBeGreaterThan(0);
        const [movedReminder] = await tickAt('2026-12-09T07:00:00Z');
        expect(cardText(cardOf(movedReminder))).toContain('ska vara klar 10 dec. 2026');
      });

      it('skips holidays and eves: due on Monday 28 December, reminded on Wednesday the 23rd', async () => {
        await agreementDue('2026-12-28');
        expect(await tickAt('2026-12-22T07:00:00Z')).toEqual([]);
        const [reminder] = await tickAt('2026-12-23T07:00:00Z');
        expect(cardText(cardOf(reminder))).toContain('ska vara klar 28 dec. 2026');
      });

      it('falls back to a channel post that @mentions the member when Teams will not open a personal chat', async () => {
        await db().conversationReference.deleteMany({ where: { userId: USERS.anna.id } });
        await agreementDue('2026-12-03');
        clock = at('2026-12-02T07:00:00Z');
        t.connector.clear();
        t.connector.personalChatStatus = 403;
        await scheduler().tick();
        const [post] = t.connector.activities;
        expect(post!.conversationId).toBe(CHANNEL_ID);
        const card = cardOf(post);
        expect(card.msteams).toEqual({ entities: [{ type: 'mention', text: `<at>${USERS.anna.name}</at>`, mentioned: { id: USERS.anna.id, name: USERS.anna.name } }] });
        expect(JSON.stringify(card)).not.toContain('K.L.');
        expect((await db().reminder.findFirstOrThrow({ where: { kind: 'agreement_due' } })).outcome).toBe('mention_fallback');
      });
    });

    describe('follow-ups and working time', () => {
      it('a follow-up at 18:30 waits for the next morning at 08:00; nothing is sent outside working hours', async () => {
        await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'plan_follow_up', startDay: '2026-12-02', time: '18:30', recurrence: { kind: 'once' }, memberIds: [] }, actor(), at('2026-12-01T07:00:00Z'));
        expect(await tickAt('2026-12-02T17:30:00Z')).toEqual([]); // 18:30 local
        const [reminder] = await tickAt('2026-12-03T07:00:00Z');
        expect(reminder!.conversationId).toBe(CHANNEL_ID);
        expect(cardText(cardOf(reminder))).toContain('Uppföljning av planen 2 dec. 2026 18:30.');
        expect(JSON.stringify(cardOf(reminder))).not.toContain('K.L.');
        expect((await db().followUp.findFirstOrThrow()).status).toBe('finished');
      });

      it('keeps the wall-clock time across both daylight-saving changes, and fires an ambiguous time once', async () => {
        const weekly = await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'plan_follow_up', startDay: '2026-03-23', time: '08:30', recurrence: { kind: 'weekly', everyWeeks: 1 }, memberIds: [] }, actor(), at('2026-03-20T12:00:00Z'));
        await planAll(db(), { now: at('2026-03-31T00:00:00Z'), horizonMs: 0 });
        const march = await db().reminder.findMany({ where: { followUpId: weekly.id }, orderBy: { dueAt: 'asc' } });
        expect(march.map((r) => r.dueAt.toISOString())).toEqual(['2026-03-23T07:30:00.000Z', '2026-03-30T06:30:00.000Z']);
        const night = await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'plan_follow_up', startDay: '2026-10-25', time: '02:30', recurrence: { kind: 'once' }, memberIds: [] }, actor(), at('2026-10-20T12:00:00Z'));
        await planAll(db(), { now: at('2026-10-25T03:00:00Z'), horizonMs: 0 });
        await planAll(db(), { now: at('2026-10-25T04:00:00Z'), horizonMs: 0 });
        const ambiguous = await db().reminder.findMany({ where: { followUpId: night.id } });
        expect(ambiguous.map((r) => r.dueAt.toISOString())).toEqual(['2026-10-25T00:30:00.000Z']);
        // Sunday 02:30 is outside working time: it waits for Monday 08:00 (winter time: 07:00Z).
        expect(ambiguous[0]!.sendAfter.toISOString()).toBe('2026-10-26T07:00:00.000Z');
      });

      it('repeats on the first Tuesday of the month, and a meeting gets an agenda the working day before', async () => {
        const meeting = await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'group_meeting', startDay: '2026-12-01', time: '09:00', recurrence: { kind: 'monthly', nth: 1, weekday: 2 }, memberIds: [] }, actor(), at('2026-11-20T12:00:00Z'));
        const [agenda] = await tickAt('2026-11-30T07:00:00Z');
        expect(cardText(cardOf(agenda))).toContain('Dagordning inför Resursgruppsmöte 1 dec. 2026 09:00.');
        const [reminder] = await tickAt('2026-12-01T08:00:00Z');
        expect(cardText(cardOf(reminder))).toContain('Resursgruppsmöte 1 dec. 2026 09:00.');
        const next = await db().followUp.findUniqueOrThrow({ where: { id: meeting.id } });
        expect(next).toMatchObject({ nextDay: '2027-01-05', status: 'active' });
        expect(next.nextAt!.toISOString()).toBe('2027-01-05T08:00:00.000Z');
        // The agenda opens for a member, with the button that posts the meeting summary.
        const view = await execute('agendaShow', (agenda!.activity.attachments![0]!.content as { actions: Array<{ verb: string; data: Record<string, unknown> }> }).actions.find((a) => a.verb === 'agendaShow')!.data);
        expect(cardText(view.card)).toContain('Dagordning för');
        expect(JSON.stringify(view.card)).toContain('"verb":"meetingSummaryPost"');
      });

      it('snooze brings the reminder back on the next working day without changing the schedule', async () => {
        const followUp = await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'sip_meeting', startDay: '2026-12-04', time: '10:00', recurrence: { kind: 'weekly', everyWeeks: 2 }, memberIds: [] }, actor(), at('2026-12-01T07:00:00Z'));
        await tickAt('2026-12-03T07:00:00Z'); // the agenda
        const [reminder] = await tickAt('2026-12-04T09:00:00Z');
        const snoozeId = (await db().reminder.findFirstOrThrow({ where: { followUpId: followUp.id, kind: 'follow_up' } })).id;
        expect(JSON.stringify(cardOf(reminder))).toContain(`"reminderId":"${snoozeId}","for":"day"`);
        const before = await db().followUp.findUniqueOrThrow({ where: { id: followUp.id } });
        const answer = await execute('reminderSnooze', { reminderId: snoozeId, for: 'day' }, USERS.anna);
        // Friday + 1 day is Saturday: it comes on Monday at 08:00.
        expect(answer.message).toBe('Jag påminner igen 7 dec. 2026 08:00. Schemat är oförändrat.');
        expect(await db().followUp.findUniqueOrThrow({ where: { id: followUp.id } })).toEqual(before);
        expect(await tickAt('2026-12-07T06:59:00Z')).toEqual([]);
        const [again] = await tickAt('2026-12-07T07:00:00Z');
        expect(cardText(cardOf(again))).toContain('SIP-möte (samordnad individuell plan) 4 dec. 2026 10:00.');
        expect(await db().auditEvent.count({ where: { groupId, action: 'reminder.snoozed', entityId: snoozeId } })).toBe(1);
      });
    });

    describe('bounded planning, and rows the bot did not write', () => {
      /** A scheduler that logs (one per test, as one per process): ticks return what reached the connector and the lines logged in them. */
      function loggedScheduler() {
        let lines: string[] = [];
        const logged = createReminderScheduler(
          { db: db(), logger: createLogger('debug', (line) => lines.push(line)), now: () => clock, sender: t.bot.bot.reminderSender, clock: testClock, owner: 'process-a' },
          { ...DEFAULT_SCHEDULER_OPTIONS, limits: NO_RATE_LIMITS },
        );
        return async (iso: string) => {
          clock = at(iso);
          t.connector.clear();
          lines = [];
          await logged.tick();
          return { posts: [...t.connector.activities], lines };
        };
      }

      it('one bad row is logged by id and skipped; the rest is planned and sent', async () => {
        const good = await agreementDue('2026-12-03', 'Ringa hyresvärden');
        // A follow-up whose audience is not JSON (written by an import), due now.
        const badFollowUp = await db().followUp.create({
          data: { groupId, kind: 'plan_follow_up', startDay: '2026-12-02', time: '08:00', timeZone: 'Europe/Stockholm', audience: 'members', audienceMemberIds: '{"not json', nextAt: at('2026-12-02T07:00:00Z'), nextDay: '2026-12-02', unplannedAt: at('2026-12-02T07:00:00Z'), unplannedDay: '2026-12-02' },
        });
        // An agreement of a member who was removed since: nothing to them, the escalation still to the case manager.
        const removed = await db().member.create({ data: { groupId, displayName: 'Borttagen', role: 'other', principal: 'other', teamsUserId: '29:removed', aadObjectId: 'aad-removed', consentRecordedAt: at('2026-01-01T00:00:00Z'), removedAt: at('2026-11-01T00:00:00Z') } });
        const orphaned = await db().agreement.create({ data: { groupId, responsibleMemberId: removed.id, what: 'Kvar efter borttagen', dueDate: at('2026-12-03T00:00:00Z') } });
        const bad = provider === 'sqlite' ? 'a-bad-due-date' : undefined;
        if (bad) {
          // A due date that is no date at all (SQLite stores what it is given).
          await t.bot.database.sql.run('INSERT INTO "Agreement" ("id", "groupId", "responsibleMemberId", "what", "dueDate", "status", "version", "remindersPlan", "createdAt", "updatedAt") VALUES (?, ?, ?, ?, ?, ?, 1, 0, ?, ?)', [
            bad, groupId, ids.anna, 'Trasigt datum', 'igår', 'accepted', at('2026-01-01T00:00:00Z'), at('2026-01-01T00:00:00Z'),
          ]);
        }
        const loggedTickAt = loggedScheduler();
        const { posts, lines } = await loggedTickAt('2026-12-02T07:00:00Z');
        const toAnna = posts.filter((a) => a.conversationId === `a:opened-${USERS.anna.id}`);
        expect(toAnna).toHaveLength(1);
        expect(cardText(cardOf(toAnna[0]))).toContain('En överenskommelse ska vara klar 3 dec. 2026.');
        expect(await db().reminder.count({ where: { agreementId: good.id, kind: 'agreement_due', status: 'sent' } })).toBe(1);
        const skipped = lines.filter((line) => line.includes('"reminders.row_skipped"'));
        expect(skipped.some((line) => line.includes(badFollowUp.id) && line.includes('"entity":"FollowUp"'))).toBe(true);
        if (bad) expect(skipped.some((line) => line.includes(bad) && line.includes('"entity":"Agreement"'))).toBe(true);
        expect(lines.join('\n')).not.toMatch(/not json|Trasigt|igår|Ringa hyresvärden/);
        // The removed member's reminder was dropped for access when its time came; the case manager's escalation waits its day.
        expect(await db().reminder.findFirstOrThrow({ where: { agreementId: orphaned.id, kind: 'agreement_due' } })).toMatchObject({ status: 'cancelled', outcome: 'no_access' });
        expect(await db().reminder.findFirstOrThrow({ where: { agreementId: orphaned.id, kind: 'agreement_escalation' } })).toMatchObject({ status: 'pending', destination: personDestination(USERS.sara.id) });
        // Logged once, not on every tick; the bad follow-up stays where it was, for someone to fix.
        const again = await loggedTickAt('2026-12-02T07:05:00Z');
        expect(again.lines.filter((line) => line.includes('"reminders.row_skipped"'))).toEqual([]);
        expect(await db().followUp.findUniqueOrThrow({ where: { id: badFollowUp.id } })).toMatchObject({ status: 'active', unplannedDay: '2026-12-02' });
        if (bad) await db().agreement.delete({ where: { id: bad } });
      });

      it('one planner failing leaves the others planning and the sender sending', async () => {
        await agreementDue('2026-12-03');
        await db().crisisPlan.create({ data: { groupId, currentVersion: 1, createdAt: at('2026-06-02T12:00:00Z'), versions: { create: [{ version: 1, content: '{}', authorMemberId: ids.sara }] } } });
        // The crisis plans' planning read fails (a lock, a lost connection) in this tick.
        failNextStatement(t.bot.database.sql, /FROM "CrisisPlan"/);
        const loggedTickAt = loggedScheduler();
        const { posts, lines } = await loggedTickAt('2026-12-02T07:00:00Z');
        expect(lines.some((line) => line.includes('"reminders.plan_failed"') && line.includes('"job":"crisis_plans"'))).toBe(true);
        expect(posts.filter((a) => a.conversationId === `a:opened-${USERS.anna.id}`)).toHaveLength(1);
        expect(await db().reminder.count({ where: { kind: 'crisis_plan_review' } })).toBe(0);
        // The next tick plans it (due today: 2 December is six months after it was written).
        const next = await loggedTickAt('2026-12-02T07:01:00Z');
        expect(next.lines.filter((line) => line.includes('"reminders.plan_failed"'))).toEqual([]);
        expect(await db().reminder.count({ where: { kind: 'crisis_plan_review' } })).toBe(1);
      });

      it('an agreement made or moved through the bot has its reminders at once; a settings change moves them', async () => {
        const created = await execute('agreementCreate', { what: 'Boka tid hos FK', responsible: ids.anna, dueDate: '2026-12-10' });
        expect(cardText(created.card)).toContain('Boka tid hos FK');
        const agreement = await db().agreement.findFirstOrThrow({ where: { groupId, what: 'Boka tid hos FK' } });
        expect(agreement.remindersPlan).toBe(1);
        const planned = await db().reminder.findMany({ where: { agreementId: agreement.id }, orderBy: { dueAt: 'asc' } });
        expect(planned.map((r) => [r.kind, r.dueAt.toISOString(), r.destination])).toEqual([
          ['agreement_due', '2026-12-09T07:00:00.000Z', personDestination(USERS.anna.id)],
          ['agreement_overdue', '2026-12-11T07:00:00.000Z', personDestination(USERS.anna.id)],
          ['agreement_escalation', '2026-12-16T07:00:00.000Z', personDestination(USERS.sara.id)],
        ]);
        // Two working days' lead: the group's agreements are planned again by the sweep, the reminder moves.
        const saved = await execute('reminderSettingsSave', { workDays: '1,2,3,4,5', start: '08:00', end: '17:00', observeHolidays: 'true', weeklyDigest: 'false', leadDays: '2', escalateDays: '3' });
        expect(cardText(saved.card)).toContain('Inställningarna är sparade.');
        expect((await db().agreement.findUniqueOrThrow({ where: { id: agreement.id } })).remindersPlan).toBe(0);
        await tickAt('2026-12-01T08:00:00Z');
        expect((await db().reminder.findFirstOrThrow({ where: { agreementId: agreement.id, kind: 'agreement_due' } })).dueAt.toISOString()).toBe('2026-12-08T07:00:00.000Z');
        expect(await db().reminder.count({ where: { agreementId: agreement.id } })).toBe(3);
      });

      it('a person with 120 agreements due at once gets a few gathered cards, a bounded number of reminders per round, never a flood', async () => {
        await db().agreement.createMany({
          data: Array.from({ length: 120 }, (_, i) => ({ groupId, responsibleMemberId: ids.anna, what: `Import ${i}`, dueDate: at('2026-12-03T00:00:00Z'), createdAt: at('2026-01-01T00:00:00Z') })),
        });
        const cards: Array<Record<string, unknown>> = [];
        for (let minute = 0; minute < 10; minute++) {
          const posts = await tickAt(new Date(at('2026-12-02T07:00:00Z').getTime() + minute * 60_000).toISOString());
          expect(posts.length).toBeLessThanOrEqual(1);
          cards.push(...posts.map((p) => cardOf(p)));
        }
        expect(cards.length).toBe(3);
        for (const card of cards) {
          expect(adaptiveCardErrors(card)).toEqual([]);
          expect(cardText(card)).toContain('Påminnelser');
          expect(JSON.stringify(card)).not.toContain('Import ');
        }
        expect(cards.map((c) => (cardText(c).match(/ska vara klar 3 dec\. 2026/g) ?? []).length)).toEqual([50, 50, 20]);
        expect(await db().reminder.count({ where: { kind: 'agreement_due', status: 'sent', outcome: 'gathered:personal' } })).toBe(120);
      });
    });

    describe('downtime and failures', () => {
      it('after 26 hours down, what came due is one catch-up card per destination, never a flood', async () => {
        for (const day of ['2026-12-03', '2026-12-04']) await agreementDue(day, `Sak ${day}`);
        await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'plan_follow_up', startDay: '2026-12-03', time: '09:00', recurrence: { kind: 'once' }, memberIds: [] }, actor(), at('2026-11-25T07:00:00Z'));
        // Up on Tuesday at 07:00 (before working time): plans, sends nothing. Then down for 50 hours.
        expect(await tickAt('2026-12-01T06:00:00Z')).toEqual([]);
        const sent = await tickAt('2026-12-03T09:01:00Z');
        const toAnna = sent.filter((a) => a.conversationId === `a:opened-${USERS.anna.id}`);
        expect(toAnna).toHaveLength(1);
        const catchUp = cardText(cardOf(toAnna[0]));
        expect(catchUp).toContain('Påminnelser som inte kunde skickas i tid');
        expect(catchUp).toContain('ska vara klar 3 dec. 2026');
        expect(catchUp).toContain('ska vara klar 4 dec. 2026');
        expect(catchUp).toContain('2 påminnelser samlade i ett kort');
        const toChannel = sent.filter((a) => a.conversationId === CHANNEL_ID);
        expect(toChannel).toHaveLength(1);
        expect(await db().reminder.count({ where: { status: { in: ['pending', 'sending'] }, sendAfter: { lte: clock } } })).toBe(0);
        expect(await db().reminder.count({ where: { status: 'sent', outcome: { startsWith: 'catch_up' } } })).toBe(2);
      });

      it('a process that dies mid-send leaves its claims to expire; another sends each reminder once', async () => {
        await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'plan_follow_up', startDay: '2026-12-02', time: '09:00', recurrence: { kind: 'once' }, memberIds: [ids.anna, ids.sara] }, actor(), at('2026-11-25T07:00:00Z'));
        clock = at('2026-12-02T08:00:00Z');
        await planAll(db(), { now: clock, horizonMs: DEFAULT_SCHEDULER_OPTIONS.horizonMs });
        // Process A claims Anna's reminder and dies before sending it.
        const claimed = await claimDueReminders(db(), personDestination(USERS.anna.id), 'process-dead', clock, new Date(clock.getTime() + LEASE_MS), 10);
        expect(claimed).toHaveLength(1);
        const first = await tickAt('2026-12-02T08:00:10Z', 'process-b');
        expect(first.map((a) => a.conversationId)).toEqual([`a:opened-${USERS.sara.id}`]);
        const afterExpiry = await tickAt(new Date(clock.getTime() + LEASE_MS).toISOString(), 'process-b');
        expect(afterExpiry.map((a) => a.conversationId)).toEqual([`a:opened-${USERS.anna.id}`]);
        expect(await tickAt(new Date(clock.getTime() + 10 * LEASE_MS).toISOString(), 'process-c')).toEqual([]);
        expect(await db().reminder.count({ where: { status: 'sent' } })).toBe(2);
      });

      it('a database error while planning a follow-up leaves it where it was, never moved on without its reminder; the next run plans and sends it', async () => {
        const followUp = await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'plan_follow_up', startDay: '2026-12-02', time: '09:00', recurrence: { kind: 'weekly', everyWeeks: 1 }, memberIds: [] }, actor(), at('2026-11-25T07:00:00Z'));
        const before = await db().followUp.findUniqueOrThrow({ where: { id: followUp.id } });
        // The reminder's insert fails inside the database, after the follow-up was moved on in the same transaction.
        const restore = await failInsertsInto(db(), provider, 'Reminder');
        try {
          // The follow-up is skipped (and logged by id); planning goes on with the rest.
          const skipped: string[] = [];
          await planAll(db(), { now: at('2026-12-02T08:00:00Z'), horizonMs: DEFAULT_SCHEDULER_OPTIONS.horizonMs, onSkip: (entity, id) => skipped.push(`${entity}:${id}`) });
          expect(skipped).toEqual([`FollowUp:${followUp.id}`]);
        } finally {
          await restore();
        }
        expect(await db().followUp.findUniqueOrThrow({ where: { id: followUp.id } })).toMatchObject({ status: 'active', nextDay: '2026-12-02', nextAt: before.nextAt, unplannedDay: '2026-12-02', unplannedAt: before.unplannedAt });
        expect(await db().reminder.count()).toBe(0);
        const [reminder] = await tickAt('2026-12-02T08:00:10Z');
        expect(cardText(cardOf(reminder))).toContain('Uppföljning av planen 2 dec. 2026 09:00.');
        expect(await db().followUp.findUniqueOrThrow({ where: { id: followUp.id } })).toMatchObject({ status: 'active', nextDay: '2026-12-09' });
      });

      it('waits for Retry-After on a 429 and sends once; a 429 that persists defers the reminder, never drops it', async () => {
        await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'plan_follow_up', startDay: '2026-12-02', time: '09:00', recurrence: { kind: 'once' }, memberIds: [] }, actor(), at('2026-11-25T07:00:00Z'));
        clock = at('2026-12-02T08:00:00Z');
        t.connector.clear();
        t.connector.failNext({ status: 429, method: 'POST', headers: { 'retry-after': '1' } });
        await scheduler().tick();
        expect(t.connector.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([429, 200]);
        expect(t.connector.activities).toHaveLength(1);

        await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'goal_evaluation', startDay: '2026-12-02', time: '10:00', recurrence: { kind: 'once' }, memberIds: [] }, actor(), at('2026-11-25T07:00:00Z'));
        clock = at('2026-12-02T09:00:00Z');
        t.connector.clear();
        t.connector.failNext(...Array.from({ length: 3 }, () => ({ status: 429, method: 'POST' as const, headers: { 'retry-after': '1' } })));
        await scheduler().tick();
        const waiting = await db().reminder.findFirstOrThrow({ where: { followUp: { kind: 'goal_evaluation' } } });
        expect(waiting).toMatchObject({ status: 'pending', outcome: 'throttled' });
        expect(waiting.sendAfter.getTime()).toBeGreaterThan(clock.getTime());
        const [later] = await tickAt(new Date(waiting.sendAfter.getTime()).toISOString());
        expect(cardText(cardOf(later))).toContain('Utvärdering av ett mål');
      });

      it('403 stops the conversation\'s reminders until it speaks again; the case manager sees it in `uppföljning`', async () => {
        await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'plan_follow_up', startDay: '2026-12-02', time: '09:00', recurrence: { kind: 'once' }, memberIds: [] }, actor(), at('2026-11-25T07:00:00Z'));
        clock = at('2026-12-02T08:00:00Z');
        t.connector.clear();
        t.connector.failNext({ status: 403, method: 'POST', body: { error: { code: 'BotNotInConversationRoster' } } });
        await scheduler().tick();
        expect((await db().conversationReference.findUniqueOrThrow({ where: { conversationId: CHANNEL_ID } })).unreachableAt).not.toBeNull();
        expect(await db().reminder.count({ where: { status: 'pending', outcome: 'unreachable' } })).toBe(1);
        expect(await tickAt('2026-12-02T08:30:00Z')).toEqual([]);
        // The case manager opens `uppföljning` in the channel: the bot hears from it again, says since when
        // it could not post, and the waiting reminder goes out at the next tick.
        const view = await execute('followUpsShow', {});
        expect(cardText(view.card)).toMatch(/Jag kunde inte posta i den här konversationen från \d+ \S+ 2026 \d\d:\d\d till nu \(Teams nekade mig\)/);
        expect((await db().conversationReference.findUniqueOrThrow({ where: { conversationId: CHANNEL_ID } })).unreachableAt).toBeNull();
        const [after] = await tickAt('2026-12-02T08:31:00Z');
        expect(cardText(cardOf(after))).toContain('Uppföljning av planen');
      });

      it('sends nothing to a stored reference whose service host is not allowed', async () => {
        await db().conversationReference.update({
          where: { conversationId: CHANNEL_ID },
          data: { serviceUrl: 'https://attacker.example.com/', reference: JSON.stringify({ serviceUrl: 'https://attacker.example.com/', conversation: { id: CHANNEL_ID }, channelId: 'msteams', bot: BOT }) },
        });
        await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'plan_follow_up', startDay: '2026-12-02', time: '09:00', recurrence: { kind: 'once' }, memberIds: [] }, actor(), at('2026-11-25T07:00:00Z'));
        expect(await tickAt('2026-12-02T08:00:00Z')).toEqual([]);
        expect(t.connector.requests).toEqual([]);
        expect(await db().reminder.findFirstOrThrow()).toMatchObject({ status: 'failed', outcome: 'host_not_allowed' });
        // Put the channel's reference back for the tests after this one.
        expect((await t.post(messageActivity('hjälp', where()))).status).toBe(200);
      });
    });

    describe('the crisis plan', () => {
      const planWritten = (createdAt: string) =>
        db().crisisPlan.create({
          data: { groupId, currentVersion: 1, createdAt: at(createdAt), versions: { create: [{ version: 1, content: JSON.stringify({ triggers: ['Ensamhet i helgerna'] }), authorMemberId: ids.sara }] } },
        });

      it('reminds the case manager to review it six months after it was written, at 08:00 on that working day, without its content', async () => {
        await planWritten('2026-06-03T12:00:00Z');
        expect(await tickAt('2026-12-03T06:59:00Z')).toEqual([]);
        const [review] = await tickAt('2026-12-03T07:00:00Z');
        expect(review!.conversationId).toBe(`a:opened-${USERS.sara.id}`);
        const card = cardOf(review);
        expect(adaptiveCardErrors(card)).toEqual([]);
        expect(cardText(card)).toContain('Det är dags att gå igenom krisplanen med individen (senast 3 dec. 2026).');
        expect(JSON.stringify(card)).not.toContain('Ensamhet');
        expect(card.actions).toEqual(expect.arrayContaining([expect.objectContaining({ verb: 'crisisPlanShow', data: { groupId } })]));
        expect(await db().auditEvent.count({ where: { groupId, action: 'reminder.sent', entityType: 'Reminder' } })).toBeGreaterThan(0);
      });

      it('a review made before the reminder goes out moves it six months on', async () => {
        const plan = await planWritten('2026-06-04T12:00:00Z');
        await tickAt('2026-12-03T07:00:00Z'); // planned for Friday 4 December, within the horizon
        expect(await db().reminder.count({ where: { kind: 'crisis_plan_review', status: 'pending' } })).toBe(1);
        await markCrisisPlanReviewed(db(), groupId, plan.currentVersion, actor(), at('2026-12-03T10:00:00Z'));
        expect(await tickAt('2026-12-04T07:00:00Z')).toEqual([]);
        expect(await db().reminder.findFirstOrThrow({ where: { kind: 'crisis_plan_review', occurrenceKey: { endsWith: ':2026-12-04' } } })).toMatchObject({ status: 'cancelled', outcome: 'obsolete' });
        // The review marked the plan for planning: the next tick planned the next review, six months on.
        expect(await db().reminder.findFirstOrThrow({ where: { kind: 'crisis_plan_review', occurrenceKey: { endsWith: ':2027-06-03' } } })).toMatchObject({ status: 'pending' });
        expect(await tickAt('2027-06-03T06:00:00Z')).toHaveLength(1); // 08:00 summer time, six months after the review
      });
    });

    describe('`uppföljning`', () => {
      it('schedules a follow-up from the form, lists it, and cancelling it cancels its reminders', async () => {
        clock = new Date();
        const form = await execute('followUpNewForm', {});
        expect(adaptiveCardErrors(form.card)).toEqual([]);
        const past = await execute('followUpCreate', { kind: 'sip_meeting', day: '2020-01-01', time: '09:00', repeat: 'once' });
        expect(cardText(past.card)).toContain('Den tiden har redan passerat.');
        expect(await db().followUp.count()).toBe(0);
        const day = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
        const created = await execute('followUpCreate', { kind: 'sip_meeting', day, time: '13:15', repeat: 'monthly', members: ids.anna });
        expect(cardText(created.card)).toContain('Uppföljningen är planerad.');
        expect(cardText(created.card)).toContain('SIP-möte (samordnad individuell plan)');
        expect(cardText(created.card)).toMatch(/Den (första|andra|tredje|fjärde|sista) [a-zåäö]+ i månaden · påminner Anna Berg/);
        const followUp = await db().followUp.findFirstOrThrow();
        expect(followUp).toMatchObject({ startDay: day, time: '13:15', audience: 'members', audienceMemberIds: JSON.stringify([ids.anna]) });
        // Change: the form comes filled in; saving moves the schedule and cancels what was planned from the old one.
        await db().reminder.create({ data: { groupId, kind: 'follow_up', occurrenceKey: 'old', followUpId: followUp.id, destination: memberDestination(ids.anna), dueAt: new Date(), sendAfter: new Date() } });
        const editForm = await execute('followUpEditForm', { followUpId: followUp.id });
        expect(cardText(editForm.card)).toContain('Ändra uppföljningen');
        expect(JSON.stringify(editForm.card)).toContain('"value":"13:15"');
        const changed = await execute('followUpCreate', { followUpId: followUp.id, kind: 'sip_meeting', day, time: '14:00', repeat: 'weekly:2', members: '' });
        expect(cardText(changed.card)).toContain('Uppföljningen är ändrad.');
        expect(await db().followUp.count()).toBe(1);
        expect(await db().followUp.findFirstOrThrow()).toMatchObject({ time: '14:00', recurrence: 'weekly:2', audience: 'channel', audienceMemberIds: null, nextDay: day });
        expect(await db().reminder.findFirstOrThrow({ where: { occurrenceKey: 'old' } })).toMatchObject({ status: 'cancelled', outcome: 'follow_up_changed' });
        await db().reminder.create({ data: { groupId, kind: 'follow_up', occurrenceKey: 'x', followUpId: followUp.id, destination: memberDestination(ids.anna), dueAt: new Date(), sendAfter: new Date() } });
        const cancelled = await execute('followUpCancel', { followUpId: followUp.id });
        expect(cardText(cancelled.card)).toContain('Uppföljningen är avbokad.');
        expect(await db().reminder.findFirstOrThrow({ where: { occurrenceKey: 'x' } })).toMatchObject({ status: 'cancelled' });
        expect(await db().auditEvent.count({ where: { groupId, entityId: followUp.id, action: { in: ['followup.create', 'followup.change', 'followup.cancel'] } } })).toBe(3);
      });

      it('a change that keeps an occurrence already planned plans it again under the new schedule, and sends it once', async () => {
        clock = at('2026-12-01T07:00:00Z');
        const created = await execute('followUpCreate', { kind: 'sip_meeting', day: '2026-12-04', time: '10:00', repeat: 'once', members: '' });
        expect(cardText(created.card)).toContain('Uppföljningen är planerad.');
        const followUp = await db().followUp.findFirstOrThrow();
        await planAll(db(), { now: clock, horizonMs: DEFAULT_SCHEDULER_OPTIONS.horizonMs * 3 });
        expect(await db().reminder.count({ where: { followUpId: followUp.id, status: 'pending' } })).toBe(2); // the meeting and its agenda
        // Planned, not yet happened: `uppföljning` still lists it, with change and cancel.
        const listed = await execute('followUpsShow', {});
        expect(cardText(listed.card)).toContain('Nästa: 4 dec. 2026 10:00');
        expect(JSON.stringify(listed.card)).toContain(`"followUpId":"${followUp.id}"`);
        // Same day and time, now every other week: what was planned is cancelled, and the same occurrence planned anew.
        const changed = await execute('followUpCreate', { followUpId: followUp.id, kind: 'sip_meeting', day: '2026-12-04', time: '10:00', repeat: 'weekly:2', members: '' });
        expect(cardText(changed.card)).toContain('Uppföljningen är ändrad.');
        expect(await db().reminder.count({ where: { followUpId: followUp.id, status: 'cancelled', outcome: 'follow_up_changed' } })).toBe(2);
        const [agenda] = await tickAt('2026-12-03T07:00:00Z');
        expect(cardText(cardOf(agenda))).toContain('Dagordning inför SIP-möte (samordnad individuell plan) 4 dec. 2026 10:00.');
        const [reminder, ...more] = await tickAt('2026-12-04T09:00:00Z');
        expect(cardText(cardOf(reminder))).toContain('SIP-möte (samordnad individuell plan) 4 dec. 2026 10:00.');
        expect(more).toEqual([]);
        expect(await db().reminder.count({ where: { followUpId: followUp.id, status: 'sent' } })).toBe(2);
        expect(await db().followUp.findUniqueOrThrow({ where: { id: followUp.id } })).toMatchObject({ revision: 1, nextDay: '2026-12-18' });
      });

      it('the case manager sets the working time, holidays and the weekly digest; others are refused; bad input changes nothing', async () => {
        const settingsSavedBefore = await db().auditEvent.count({ where: { groupId, action: 'group.reminder_settings', outcome: 'allowed' } });
        const refused = await execute('reminderSettingsForm', {}, USERS.anna);
        expect(refused.message).toBe('Du har inte behörighet att göra det här.');
        const bad = await execute('reminderSettingsSave', { workDays: '', start: '17:00', end: '08:00', leadDays: '0' });
        expect(cardText(bad.card)).toContain('Arbetsdagen måste sluta efter att den börjar.');
        expect(cardText(bad.card)).toContain('Välj minst en arbetsdag.');
        expect(await db().resourceGroup.findUniqueOrThrow({ where: { id: groupId } })).toMatchObject({ workDays: '1,2,3,4,5', workdayStartMinute: 480, workdayEndMinute: 1020 });
        const saved = await execute('reminderSettingsSave', { workDays: '1,2,3,4,5,6,7', start: '00:00', end: '23:59', observeHolidays: 'false', weeklyDigest: 'true', leadDays: '2', escalateDays: '5' });
        expect(cardText(saved.card)).toContain('Inställningarna är sparade.');
        expect(await db().resourceGroup.findUniqueOrThrow({ where: { id: groupId } })).toMatchObject({ workDays: '1,2,3,4,5,6,7', workdayStartMinute: 0, workdayEndMinute: 1440, observeHolidays: false, weeklyDigest: true, reminderLeadDays: 2, escalateAfterDays: 5 });
        // With the whole week as working time, a follow-up on Christmas Eve at 22:00 goes out at 22:00.
        await db().resourceGroup.update({ where: { id: groupId }, data: { weeklyDigest: false } });
        await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'plan_follow_up', startDay: '2026-12-24', time: '22:00', recurrence: { kind: 'once' }, memberIds: [] }, actor(), at('2026-12-01T07:00:00Z'));
        expect(await tickAt('2026-12-24T21:00:00Z')).toHaveLength(1);
        expect(await db().auditEvent.count({ where: { groupId, action: 'group.reminder_settings', outcome: 'allowed' } })).toBe(settingsSavedBefore + 1);
      });

      it('sends the weekly digest on Monday morning and, to those who ask, their own agreements of the week', async () => {
        await db().resourceGroup.update({ where: { id: groupId }, data: { weeklyDigest: true } });
        await agreementDue('2026-11-27', 'Försenad sak');
        const monday = await tickAt('2026-11-30T07:00:00Z');
        const digest = monday.find((a) => a.conversationId === CHANNEL_ID);
        expect(cardText(cardOf(digest))).toContain('Veckans översikt');
        expect(JSON.stringify(cardOf(digest))).not.toMatch(/K\.L\.|Försenad sak/);
        const view = await execute('digestShow', {});
        expect(cardText(view.card)).toContain('Försenade överenskommelser');
        expect(cardText(view.card)).toContain('Försenad sak');
        const on = await execute('personalDigestToggle', { on: 'true' }, USERS.anna);
        expect(cardText(on.card)).toContain('Du får dina överenskommelser för veckan');
        expect(await db().member.findUniqueOrThrow({ where: { id: ids.anna } })).toMatchObject({ personalDigest: true });
        const nextMonday = await tickAt('2026-12-07T07:00:00Z');
        const personal = nextMonday.filter((a) => a.conversationId === `a:opened-${USERS.anna.id}` && cardText(cardOf(a)).includes('Dina överenskommelser den här veckan'));
        expect(personal).toHaveLength(1);
        await execute('personalDigestToggle', { on: 'false' }, USERS.anna);
        expect(await db().member.findUniqueOrThrow({ where: { id: ids.anna } })).toMatchObject({ personalDigest: false });
      });

      it('plans the same instants whatever the server\'s own TZ is', async () => {
        const saved = process.env.TZ;
        const results: string[][] = [];
        try {
          for (const tz of ['UTC', 'America/New_York', 'Europe/Stockholm']) {
            process.env.TZ = tz;
            await db().reminder.deleteMany({});
            await db().followUp.deleteMany({});
            await db().agreement.deleteMany({});
            await createFollowUp(db(), groupId, 'Europe/Stockholm', { kind: 'plan_follow_up', startDay: '2026-03-23', time: '08:30', recurrence: { kind: 'weekly', everyWeeks: 1 }, memberIds: [] }, actor(), at('2026-03-20T12:00:00Z'));
            await agreementDue('2026-12-28');
            await planAll(db(), { now: at('2026-12-22T00:00:00Z'), horizonMs: 2 * 86_400_000 });
            await planAll(db(), { now: at('2026-03-31T00:00:00Z'), horizonMs: 0 });
            results.push((await db().reminder.findMany({ orderBy: { dueAt: 'asc' } })).map((r) => `${r.kind} ${r.dueAt.toISOString()} ${r.sendAfter.toISOString()}`));
          }
        } finally {
          process.env.TZ = saved;
        }
        expect(results[0]).toContain('agreement_due 2026-12-23T07:00:00.000Z 2026-12-23T07:00:00.000Z');
        expect(results[0]).toContain('follow_up 2026-03-30T06:30:00.000Z 2026-03-30T06:30:00.000Z');
        expect(results[1]).toEqual(results[0]);
        expect(results[2]).toEqual(results[0]);
      });

      it('a snooze of someone else\'s personal reminder is refused', async () => {
        const reminder = await db().reminder.create({ data: { groupId, kind: 'follow_up', occurrenceKey: 'y', memberId: ids.anna, destination: memberDestination(ids.anna), dueAt: new Date(), sendAfter: new Date() } });
        const answer = await execute('reminderSnooze', { reminderId: reminder.id, for: 'week' }, USERS.sara);
        expect(answer.message).toBe('Du har inte behörighet att göra det här.');
        expect(await db().reminder.count({ where: { snoozedFromId: reminder.id } })).toBe(0);
      });
    });
  });
}
