/**
 * The FACT board over HTTP, against the real server and database with a fake Bot Connector and an
 * injected clock: who sees which entries across a team's FACT groups (consented membership, per group),
 * putting on and taking off with history, the polite answer for other models, `tavla här`, the daily
 * board card on working days only, the "can they come off?" question, and nothing about individuals in
 * any channel post.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CARD_BUDGET_BYTES, jsonBytes } from '../src/cards/budget';
import { silentLogger } from '../src/logger';
import { NO_RATE_LIMITS } from '../src/reminders/rate-limit';
import { createReminderScheduler, DEFAULT_SCHEDULER_OPTIONS } from '../src/reminders/scheduler';
import { CHANNEL_ID, messageActivity, TEAM_ID, USERS, type TestUser } from './support/activities';
import { createTestGroup, startTestBot, talkTo, type TestBot } from './support/bot';
import { adaptiveCardErrors } from './support/cards';
import { testProviders } from './support/databases';
import { cardOf, cardText, type CapturedActivity } from './support/fake-connector';

const at = (iso: string) => new Date(iso);
const user = (name: string, letter: string): TestUser => ({ id: `29:${name.toLowerCase()}`, name, aadObjectId: `00000000-0000-4000-8000-0000000000${letter}` });
const OTTO = user('Otto', 'f1'); // case manager of M.N.'s group only
const EVE = user('Eve', 'f2'); // in the channel, never a member
const PER = user('Per', 'f3'); // case manager of a group that is not FACT
const MN_CHANNEL = '19:channel-mn@thread.tacv2';
const PQ_CHANNEL = '19:channel-pq@thread.tacv2';
const GROUP_CHAT = '19:groupchat-kl@thread.v2';
const BOARD_CHANNEL = '19:channel-tavla@thread.tacv2';
const OTHER_TEAM = '19:team-other@thread.tacv2';

const REASON_TEXT = 'Hör röster igen sedan i helgen';
const INTERVENTIONS = 'Hembesök varje dag (Anna), läkarbesök på torsdag';
const NOTE = 'Stabil igen, äter medicinen';

/** What a post shows and carries (as discretion.http.test.ts reads it). */
function contentOf(activity: CapturedActivity['activity']): string {
  const { text, summary, attachments } = activity;
  return JSON.stringify({ text, summary, attachments });
}

/** An activity moved into another channel of the same team. */
function inChannel<T extends { conversation: { id: string }; channelData: Record<string, unknown> }>(activity: T, channelId: string): T {
  return { ...activity, conversation: { ...activity.conversation, id: `${channelId};messageid=1` }, channelData: { ...activity.channelData, channel: { id: channelId } } };
}

for (const provider of testProviders()) {
  describe(`the FACT board over HTTP on ${provider}`, () => {
    let t: TestBot;
    let clock = at('2026-12-01T09:00:00Z'); // a Tuesday, 10:00 in Stockholm
    let ids: { kl: string; mn: string; pq: string; sara: string; otto: string };
    const db = () => t.bot.database.db;
    const { execute, say, where } = talkTo(() => t);
    const everything: CapturedActivity[] = [];
    const keep = () => everything.push(...t.connector.activities, ...t.connector.updates);
    const testClock = { now: () => clock.getTime(), sleep: async (ms: number) => void (clock = new Date(clock.getTime() + ms)) };

    /** What a tick at `iso` posted into channels (the board card), leaving out personal reminders. */
    const channelTick = async (iso: string) => (await tickAt(iso)).filter((a) => !a.conversationId.startsWith('a:'));

    async function tickAt(iso: string): Promise<CapturedActivity[]> {
      clock = at(iso);
      keep();
      t.connector.clear();
      await createReminderScheduler({ db: db(), logger: silentLogger, now: () => clock, sender: t.bot.bot.reminderSender, clock: testClock, owner: 'process-a' }, { ...DEFAULT_SCHEDULER_OPTIONS, limits: NO_RATE_LIMITS }).tick();
      return [...t.connector.activities];
    }

    const put = (groupId: string, from: TestUser = USERS.sara, extra: Record<string, unknown> = {}) =>
      execute('boardAdd', { groupId, reasonCode: 'relapse_risk', reasonText: REASON_TEXT, interventions: INTERVENTIONS, ...extra }, from);
    const takeOff = (groupId: string, from: TestUser = USERS.sara, note = NOTE) => execute('boardRemove', { groupId, note }, from);

    beforeAll(async () => {
      t = await startTestBot(provider, [USERS.sara, USERS.anna, USERS.omar, USERS.lars, OTTO, EVE, PER], {}, () => clock);
      const kl = await createTestGroup(t, USERS.sara);
      const mn = await createTestGroup(t, OTTO, { conversationId: MN_CHANNEL, alias: 'M.N.' });
      const pq = await createTestGroup(t, PER, { conversationId: PQ_CHANNEL, alias: 'P.Q.' });
      await db().resourceGroup.updateMany({ where: { id: { in: [kl.id, mn.id] } }, data: { caseManagementModel: 'FACT' } });
      await db().resourceGroup.updateMany({ data: { weeklyDigest: false, createdAt: at('2026-01-01T00:00:00Z') } });
      const consent = at('2026-01-01T00:00:00Z');
      const add = (groupId: string, who: TestUser, role: string, consented = true) =>
        db().member.create({ data: { groupId, teamsUserId: who.id, aadObjectId: who.aadObjectId, displayName: who.name, role, principal: 'region', consentRecordedAt: consented ? consent : null } });
      await add(kl.id, USERS.anna, 'housing_support');
      await add(kl.id, USERS.omar, 'social_worker', false);
      await add(mn.id, USERS.sara, 'nurse');
      await add(pq.id, USERS.lars, 'relative');
      ids = {
        kl: kl.id,
        mn: mn.id,
        pq: pq.id,
        sara: (await db().member.findFirstOrThrow({ where: { groupId: kl.id, isCaseManager: true } })).id,
        otto: (await db().member.findFirstOrThrow({ where: { groupId: mn.id, isCaseManager: true } })).id,
      };
      // The K.L. channel speaks once, so the bot has its conversation reference for proactive posts.
      expect((await t.post(messageActivity('hjälp', where()))).status).toBe(200);
      await db().processedActivity.deleteMany({});
    });
    afterAll(async () => {
      keep();
      // Nothing the board holds ever reached a channel: no alias of a group on it, no reason, no interventions, no note.
      const channelPosts = everything.filter((a) => !a.conversationId.startsWith('a:'));
      expect(channelPosts.length).toBeGreaterThan(0);
      for (const post of channelPosts) {
        const content = contentOf(post.activity);
        for (const secret of ['K.L.', 'M.N.', REASON_TEXT, INTERVENTIONS, NOTE, 'Hembesök']) expect(content, secret).not.toContain(secret);
      }
      await t?.stop();
    });
    beforeEach(async () => {
      keep();
      t.connector.clear();
      clock = at('2026-12-01T09:00:00Z');
      await db().boardEntry.deleteMany({});
      await db().boardTeam.deleteMany({});
      await db().reminder.deleteMany({});
      await db().sendLease.deleteMany({});
      // The test's clock goes back between tests: the daily sweep starts again.
      await db().sweepCursor.deleteMany({});
    });

    describe('who sees the board', () => {
      it('each viewer sees only the groups where they are a member with consent; the others are refused and audited', async () => {
        expect((await put(ids.kl)).card).toBeDefined();
        // Otto's M.N. is not on the board: his view offers to put them on; Anna's, of K.L. only, offers nothing.
        const ottoBefore = await execute('boardShow', { teamId: TEAM_ID }, OTTO);
        expect(JSON.stringify(ottoBefore.card)).toContain(`"verb":"boardAddForm","title":"M.N.","data":{"groupId":"${ids.mn}"}`);
        expect(JSON.stringify((await execute('boardShow', { teamId: TEAM_ID }, USERS.anna)).card)).not.toContain('boardAddForm');
        expect((await put(ids.mn, OTTO)).card).toBeDefined();
        clock = at('2026-12-04T09:00:00Z');

        const sara = await execute('boardShow', { teamId: TEAM_ID }, USERS.sara);
        expect(adaptiveCardErrors(sara.card!, { literalUserText: [REASON_TEXT, INTERVENTIONS] })).toEqual([]);
        const saraText = cardText(sara.card);
        expect(saraText).toContain('K.L.');
        expect(saraText).toContain('M.N.');
        expect(saraText).toContain('3 dagar på tavlan');
        expect(saraText).toContain(REASON_TEXT);
        expect(saraText).toContain(INTERVENTIONS);
        expect(saraText).toContain('Ökade symtom eller risk för återfall');

        const anna = cardText((await execute('boardShow', { teamId: TEAM_ID }, USERS.anna)).card);
        expect(anna).toContain('K.L.');
        expect(anna).not.toContain('M.N.');
        const otto = cardText((await execute('boardShow', { teamId: TEAM_ID }, OTTO, { locale: 'en-US' })).card);
        expect(otto).toContain('M.N.');
        expect(otto).not.toContain('K.L.');
        expect(otto).toContain('3 days on the board');

        // Without consent, not a member, or a member of a group that is not FACT: nothing of the board.
        for (const who of [USERS.omar, EVE, USERS.lars, PER]) {
          const refused = await execute('boardShow', { teamId: TEAM_ID }, who);
          expect(refused.card === undefined || !JSON.stringify(refused.card).includes('K.L.'), who.name).toBe(true);
          expect(JSON.stringify(refused)).not.toContain('M.N.');
        }
        const reads = await db().auditEvent.findMany({ where: { action: 'board.read', at: { gte: clock } } });
        expect(reads.filter((r) => r.outcome === 'allowed' && r.actorAadObjectId === USERS.sara.aadObjectId).map((r) => r.groupId).sort()).toEqual([ids.kl, ids.mn].sort());
        expect(reads.filter((r) => r.outcome === 'allowed' && r.actorAadObjectId === USERS.anna.aadObjectId).map((r) => r.groupId)).toEqual([ids.kl]);
        expect(reads.filter((r) => r.outcome === 'denied').map((r) => r.reason).sort()).toEqual(['no_consent', 'not_a_member', 'not_a_member', 'not_a_member']);
      });

      it('the board card itself names nobody in the channel: a shell with the count that refreshes for the caller only', async () => {
        await put(ids.kl);
        await put(ids.mn, OTTO);
        const posted = await say('tavla', USERS.anna);
        const card = cardOf(posted);
        expect(adaptiveCardErrors(card)).toEqual([]);
        expect(cardText(card)).toContain('2 på tavlan.');
        expect(contentOf(posted.activity)).not.toMatch(/K\.L\.|M\.N\./);
        expect((card.refresh as { userIds: string[] }).userIds).toEqual([USERS.anna.id]);
        // A non-member gets the neutral refusal, and no count.
        expect(cardText(cardOf(await say('tavla', EVE)))).not.toContain('tavlan');
        // In personal chat the board itself.
        const personal = cardText(cardOf(await say('tavla', USERS.anna, { scope: 'personal' })));
        expect(personal).toContain('K.L.');
        expect(personal).not.toContain('M.N.');
      });

      it('in personal chat, someone in two FACT teams switches between their boards', async () => {
        await put(ids.kl);
        const other = await db().resourceGroup.create({
          data: {
            conversationId: '19:channel-team2@thread.tacv2',
            conversationType: 'channel',
            teamId: OTHER_TEAM,
            individualAlias: 'T.U.',
            caseManagementModel: 'FACT',
            weeklyDigest: false,
            members: { create: { teamsUserId: USERS.sara.id, aadObjectId: USERS.sara.aadObjectId, displayName: USERS.sara.name, role: 'case_manager', isCaseManager: true, principal: 'region', consentRecordedAt: at('2026-01-01T00:00:00Z') } },
            boardEntries: { create: { placedAt: clock, reasonCode: 'housing_crisis', interventions: 'Boendestöd dagligen' } },
          },
        });
        try {
          const first = cardOf(await say('tavla', USERS.sara, { scope: 'personal' }));
          expect(cardText(first)).toContain('K.L.');
          expect(cardText(first)).toContain('Dina andra FACT-team:');
          expect(JSON.stringify(first)).toContain(OTHER_TEAM);
          const second = await execute('boardShow', { teamId: OTHER_TEAM }, USERS.sara, { scope: 'personal' });
          expect(cardText(second.card)).toContain('T.U.');
          expect(cardText(second.card)).not.toContain('K.L.');
          // Anna is in no group of that team: nothing of it.
          expect((await execute('boardShow', { teamId: OTHER_TEAM }, USERS.anna, { scope: 'personal' })).card).toBeUndefined();
        } finally {
          await db().resourceGroup.delete({ where: { id: other.id } });
        }
      });

      it('a long board comes a page at a time, each page within the card budget', async () => {
        const many = await Promise.all(
          Array.from({ length: 25 }, (_, i) =>
            db().resourceGroup.create({
              data: {
                conversationId: `19:channel-many-${i}@thread.tacv2`,
                conversationType: 'channel',
                teamId: TEAM_ID,
                individualAlias: `X${i}.`,
                caseManagementModel: 'FACT',
                weeklyDigest: false,
                members: { create: { teamsUserId: USERS.sara.id, aadObjectId: USERS.sara.aadObjectId, displayName: USERS.sara.name, role: 'nurse', principal: 'region', consentRecordedAt: at('2026-01-01T00:00:00Z') } },
                boardEntries: { create: { placedAt: new Date(clock.getTime() - i * 86_400_000), reasonCode: 'other', reasonText: 'å'.repeat(300), interventions: 'ä'.repeat(500) } },
              },
            }),
          ),
        );
        try {
          const first = await execute('boardShow', { teamId: TEAM_ID }, USERS.sara);
          expect(jsonBytes(first.card)).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
          expect(adaptiveCardErrors(first.card!)).toEqual([]);
          const text = cardText(first.card);
          expect(text).toContain('X24.'); // longest on the board first
          expect(text).not.toContain('X0.');
          const next = (JSON.stringify(first.card).match(/"verb":"boardShow","title":"[^"]+","data":(\{[^}]*"offset":\d+\})/) ?? [])[1];
          expect(next).toBeDefined();
          const second = await execute('boardShow', JSON.parse(next!) as Record<string, unknown>, USERS.sara);
          expect(jsonBytes(second.card)).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
          expect(cardText(second.card)).not.toContain('X24.');
        } finally {
          await db().resourceGroup.deleteMany({ where: { id: { in: many.map((g) => g.id) } } });
        }
      });

      it('a group that is not FACT gets a polite answer, and cannot be put on the board', async () => {
        const reply = await t.post(inChannel(messageActivity('tavla', where(PER)), PQ_CHANNEL));
        expect(reply.status).toBe(200);
        const [answer] = await t.connector.waitForActivities(1);
        expect(cardText(cardOf(answer))).toContain('FACT-tavlan finns för grupper som arbetar enligt FACT.');
        const refused = await execute('boardAddForm', { groupId: ids.pq }, PER);
        expect(refused.message).toContain('FACT-tavlan finns för grupper som arbetar enligt FACT.');
        expect(await db().boardEntry.count()).toBe(0);
      });
    });

    describe('on and off the board', () => {
      it('puts on with a reason and interventions, takes off with a note, twice; the history keeps every stay, audited without text', async () => {
        const earlier = new Set((await db().auditEvent.findMany({ select: { id: true } })).map((a) => a.id));
        const form = await execute('boardAddForm', { groupId: ids.kl }, USERS.anna);
        expect(cardText(form.card)).toContain('Sätt upp på FACT-tavlan:');
        expect(adaptiveCardErrors(form.card!)).toEqual([]);
        // The form again, with what is missing.
        const invalid = await put(ids.kl, USERS.anna, { reasonCode: 'other', reasonText: '', interventions: '' });
        expect(cardText(invalid.card)).toContain('Skriv kort om anledningen när du väljer Annat.');
        expect(cardText(invalid.card)).toContain('Skriv vilka insatser ni har kommit överens om');

        const added = await put(ids.kl, USERS.anna);
        expect(cardText(added.card)).toContain('K.L. är uppsatt på FACT-tavlan.');
        expect((await put(ids.kl)).message).toBe('Individen är redan på FACT-tavlan.');
        // Omar (no consent) and Otto (another group) cannot take K.L. off.
        for (const who of [USERS.omar, OTTO]) {
          const refused = await takeOff(ids.kl, who);
          expect(refused.card === undefined || !cardText(refused.card).includes('borttagen')).toBe(true);
        }
        clock = at('2026-12-03T09:00:00Z');
        const removeForm = await execute('boardRemoveForm', { groupId: ids.kl }, USERS.sara);
        expect(cardText(removeForm.card)).toContain('På tavlan sedan');
        expect(cardText((await takeOff(ids.kl, USERS.sara, '')).card)).toContain('Skriv en kort anteckning.');
        expect(cardText((await takeOff(ids.kl)).card)).toContain('K.L. är borttagen från FACT-tavlan.');
        expect((await takeOff(ids.kl)).message).toBe('Individen är inte på FACT-tavlan.');

        clock = at('2026-12-10T09:00:00Z');
        await put(ids.kl, USERS.sara, { reasonCode: 'after_discharge', reasonText: '' });
        clock = at('2026-12-15T09:00:00Z');
        await takeOff(ids.kl, USERS.anna, 'Tillbaka i planen');

        const entries = await db().boardEntry.findMany({ where: { groupId: ids.kl }, orderBy: { placedAt: 'asc' } });
        expect(entries).toHaveLength(2);
        expect(entries.map((e) => [e.reasonCode, e.placedByMemberId !== null, e.removedAt !== null])).toEqual([
          ['relapse_risk', true, true],
          ['after_discharge', true, true],
        ]);
        const history = await execute('boardHistory', { groupId: ids.kl }, USERS.anna);
        expect(adaptiveCardErrors(history.card!, { literalUserText: [REASON_TEXT, INTERVENTIONS, NOTE] })).toEqual([]);
        const text = cardText(history.card);
        expect(text).toContain('Efter utskrivning från slutenvård');
        expect(text).toContain(NOTE);
        expect(text).toContain('Tillbaka i planen');
        expect(text).toContain('Anna Berg');
        expect(text).toContain('Sara Lind');
        expect((await execute('boardHistory', { groupId: ids.kl }, EVE)).card).toBeUndefined();

        const audit = await db().auditEvent.findMany({ where: { action: { in: ['board.add', 'board.remove'] }, outcome: 'allowed' }, orderBy: { at: 'asc' } });
        expect(audit.filter((a) => !earlier.has(a.id)).map((a) => a.action)).toEqual(['board.add', 'board.remove', 'board.add', 'board.remove']);
        const allAudit = JSON.stringify(await db().auditEvent.findMany({}));
        for (const secret of [REASON_TEXT, INTERVENTIONS, NOTE, 'Tillbaka i planen']) expect(allAudit).not.toContain(secret);

        // The statistics count both stays: over the weeks, and on average 2 and 5 days.
        const stats = cardText((await execute('boardStats', { teamId: TEAM_ID }, USERS.anna)).card);
        expect(stats).toContain('På tavlan per vecka (12 veckor)');
        expect(stats).toContain('I snitt 3,5 dagar på tavlan (2 perioder).');
      });

      it('two adds at once (two members pressing, or a redelivery racing its original): one current entry, the other gets the polite answer', async () => {
        const [first, second] = await Promise.all([put(ids.kl, USERS.sara), put(ids.kl, USERS.anna)]);
        const answers = [first, second].map((a) => (a.card ? cardText(a.card) : (a.message ?? '')));
        expect(answers.filter((text) => text.includes('K.L. är uppsatt på FACT-tavlan.'))).toHaveLength(1);
        expect(answers.filter((text) => text === 'Individen är redan på FACT-tavlan.')).toHaveLength(1);
        const current = await db().boardEntry.findMany({ where: { groupId: ids.kl, removedAt: null } });
        expect(current).toHaveLength(1);
        expect(current[0]!.currentGroupId).toBe(ids.kl);

        // Taken off, the group can be put on again: the old entry no longer holds the unique slot.
        await takeOff(ids.kl);
        expect((await db().boardEntry.findUniqueOrThrow({ where: { id: current[0]!.id } })).currentGroupId).toBeNull();
        expect(cardText((await put(ids.kl)).card)).toContain('K.L. är uppsatt på FACT-tavlan.');
        expect(await db().boardEntry.count({ where: { groupId: ids.kl, removedAt: null } })).toBe(1);
      });
    });

    describe('the daily board card', () => {
      it('tavla här: only a case manager of one of the team\'s FACT groups chooses the channel', async () => {
        expect(cardText(cardOf(await say('tavla här', USERS.anna)))).toContain('Bara case manager för en FACT-grupp i teamet');
        expect(await db().boardTeam.count()).toBe(0);
        const set = cardText(cardOf(await say('tavla här', USERS.sara)));
        expect(set).toContain('Den dagliga FACT-tavlan kommer hit arbetsdagar kl. 08:30.');
        expect(await db().boardTeam.findUniqueOrThrow({ where: { teamId: TEAM_ID } })).toMatchObject({ channelConversationId: CHANNEL_ID, dailyTime: '08:30', askAfterDays: 14, channelSetByMemberId: ids.sara });
        expect(await db().auditEvent.count({ where: { action: 'board.channel', outcome: 'allowed', groupId: ids.kl } })).toBe(1);
        // The settings: time and days, by a case manager.
        const saved = await execute('boardSettingsSave', { teamId: TEAM_ID, dailyTime: '09:15', dailyEnabled: 'true', askAfterDays: '10' }, OTTO);
        expect(cardText(saved.card)).toContain('Inställningarna är sparade.');
        expect(await db().boardTeam.findUniqueOrThrow({ where: { teamId: TEAM_ID } })).toMatchObject({ dailyTime: '09:15', askAfterDays: 10 });
        const refused = await execute('boardSettingsSave', { teamId: TEAM_ID, dailyTime: '06:00', dailyEnabled: 'true', askAfterDays: '1' }, USERS.anna);
        expect(refused.card).toBeUndefined();
        expect(await db().boardTeam.findUniqueOrThrow({ where: { teamId: TEAM_ID } })).toMatchObject({ dailyTime: '09:15' });
      });

      it('posts a content-free card with the count at the time on working days, never on a weekend or holiday; each member\'s view shows their groups', async () => {
        clock = at('2026-11-30T16:00:00Z');
        await say('tavla här', USERS.sara);
        await put(ids.kl);
        await put(ids.mn, OTTO);

        expect(await channelTick('2026-12-01T07:29:00Z')).toEqual([]); // 08:29 in Stockholm
        const posted = await channelTick('2026-12-01T07:30:00Z');
        expect(posted).toHaveLength(1);
        const [daily] = posted;
        expect(daily!.conversationId).toBe(CHANNEL_ID);
        const card = cardOf(daily);
        expect(adaptiveCardErrors(card)).toEqual([]);
        expect(cardText(card)).toContain('Dagens FACT-tavla');
        expect(cardText(card)).toContain('2 på tavlan');
        expect(contentOf(daily!.activity)).not.toMatch(/K\.L\.|M\.N\./);
        // Refreshed for the members with consent of the groups on the board: not Omar (no consent), not Eve, not Per.
        const userIds = (card.refresh as { userIds: string[] }).userIds.sort();
        expect(userIds).toEqual([USERS.anna.id, USERS.sara.id, OTTO.id].sort());
        const refresh = (card.refresh as { action: { verb: string; data: Record<string, unknown> } }).action;
        const annaView = await execute(refresh.verb, refresh.data, USERS.anna, { trigger: 'automatic' });
        expect(cardText(annaView.card)).toContain('Dagens FACT-tavla');
        expect(cardText(annaView.card)).toContain('K.L.');
        expect(cardText(annaView.card)).not.toContain('M.N.');
        expect(cardText(annaView.card)).toContain('I dag:');
        expect(await db().auditEvent.count({ where: { action: 'board.read', trigger: 'automatic', actorAadObjectId: USERS.anna.aadObjectId } })).toBe(1);

        expect(await channelTick('2026-12-01T12:00:00Z')).toEqual([]); // once a day
        expect(await channelTick('2026-12-05T07:30:00Z')).toEqual([]); // Saturday
        expect(await channelTick('2026-12-06T07:30:00Z')).toEqual([]); // Sunday
        expect(await channelTick('2026-12-07T07:30:00Z')).toHaveLength(1); // Monday
        expect(await channelTick('2026-12-24T07:30:00Z')).toEqual([]); // julafton
        expect(await channelTick('2026-12-25T07:30:00Z')).toEqual([]); // juldagen
        expect(await channelTick('2026-12-28T07:30:00Z')).toHaveLength(1); // the Monday after
      });

      it('the board channel can be a channel of the team that is no group\'s: the card goes there', async () => {
        clock = at('2026-11-30T16:00:00Z');
        expect((await t.post(inChannel(messageActivity('tavla här', where(USERS.sara)), BOARD_CHANNEL))).status).toBe(200);
        const [answer] = await t.connector.waitForActivities(1);
        expect(cardText(cardOf(answer))).toContain('Den dagliga FACT-tavlan kommer hit');
        expect((await db().boardTeam.findUniqueOrThrow({ where: { teamId: TEAM_ID } })).channelConversationId).toBe(BOARD_CHANNEL);
        await put(ids.mn, OTTO);
        const [daily] = await channelTick('2026-12-01T07:30:00Z');
        expect(daily!.conversationId).toBe(BOARD_CHANNEL);
        expect(cardText(cardOf(daily))).toContain('1 på tavlan');
        // `tavla` there shows the team's board to a member, by the channel's team.
        expect((await t.post(inChannel(messageActivity('tavla', where(OTTO)), BOARD_CHANNEL))).status).toBe(200);
        const posts = await t.connector.waitForActivities(2);
        expect(cardText(cardOf(posts.at(-1)))).toContain('1 på tavlan.');
      });

      it('a time before working hours waits for the working day to start; off means no card', async () => {
        clock = at('2026-11-30T16:00:00Z');
        await say('tavla här', USERS.sara);
        await db().boardTeam.update({ where: { teamId: TEAM_ID }, data: { dailyTime: '07:00' } });
        expect(await tickAt('2026-12-01T06:00:00Z')).toEqual([]); // 07:00 local, before 08:00
        expect(await tickAt('2026-12-01T07:00:00Z')).toHaveLength(1); // 08:00 local
        await db().boardTeam.update({ where: { teamId: TEAM_ID }, data: { dailyEnabled: false } });
        expect(await tickAt('2026-12-02T07:00:00Z')).toEqual([]);
      });
    });

    describe('a group chat joins a FACT team', () => {
      it('its case manager chooses among the teams of their own FACT groups; then its individual is on that team\'s board', async () => {
        const chat = await createTestGroup(t, USERS.sara, { conversationId: GROUP_CHAT, conversationType: 'groupChat', alias: 'R.S.' });
        await db().resourceGroup.update({ where: { id: chat.id }, data: { caseManagementModel: 'FACT', teamId: null, weeklyDigest: false } });
        await db().member.create({ data: { groupId: chat.id, teamsUserId: USERS.anna.id, aadObjectId: USERS.anna.aadObjectId, displayName: USERS.anna.name, role: 'nurse', principal: 'region', consentRecordedAt: at('2026-01-01T00:00:00Z') } });
        try {
          expect(cardText(cardOf(await say('tavla', USERS.anna, { scope: 'groupChat' })))).toContain('hör inte till något FACT-team än');
          const shell = cardOf(await say('tavla team', USERS.sara, { scope: 'groupChat' }));
          expect(contentOf({ type: 'message', attachments: [{ contentType: 'x', content: shell }] })).not.toContain('R.S.');
          const form = await execute('boardTeamForm', { groupId: chat.id }, USERS.sara, { scope: 'groupChat' });
          expect(adaptiveCardErrors(form.card!)).toEqual([]);
          expect(JSON.stringify(form.card)).toContain(TEAM_ID);
          // Anna is not the case manager; a team that is not one of Sara's is refused whatever the card says.
          expect((await execute('boardTeamSave', { groupId: chat.id, teamId: TEAM_ID }, USERS.anna, { scope: 'groupChat' })).card).toBeUndefined();
          expect(cardText((await execute('boardTeamSave', { groupId: chat.id, teamId: '19:other-team@thread.tacv2' }, USERS.sara, { scope: 'groupChat' })).card)).toContain('Välj ett team.');
          expect((await db().resourceGroup.findUniqueOrThrow({ where: { id: chat.id } })).teamId).toBeNull();
          const saved = await execute('boardTeamSave', { groupId: chat.id, teamId: TEAM_ID }, USERS.sara, { scope: 'groupChat' });
          expect(cardText(saved.card)).toContain('Gruppchatten är kopplad till teamet.');
          expect((await db().resourceGroup.findUniqueOrThrow({ where: { id: chat.id } })).teamId).toBe(TEAM_ID);
          expect(await db().auditEvent.count({ where: { action: 'board.team', outcome: 'allowed', groupId: chat.id } })).toBe(1);
          await put(chat.id, USERS.anna);
          const board = cardText((await execute('boardShow', { teamId: TEAM_ID }, USERS.anna)).card);
          expect(board).toContain('R.S.');
        } finally {
          await db().resourceGroup.delete({ where: { id: chat.id } });
        }
      });
    });

    describe('the question after 14 days', () => {
      it('asks the case manager in personal chat whether the individual can come off, with the take-off form', async () => {
        await put(ids.kl, USERS.anna); // Tuesday 1 December
        expect((await tickAt('2026-12-14T07:00:00Z')).filter((a) => a.conversationId.startsWith('a:'))).toEqual([]);
        const asked = (await tickAt('2026-12-15T07:00:00Z')).filter((a) => a.conversationId.startsWith('a:'));
        expect(asked).toHaveLength(1);
        expect(asked[0]!.conversationId).toContain(USERS.sara.id);
        const card = cardOf(asked[0]);
        expect(adaptiveCardErrors(card)).toEqual([]);
        expect(cardText(card)).toContain('Kan hen tas bort från tavlan?');
        expect(cardText(card)).toContain('Ta bort från tavlan');
        const show = (card.actions as Array<{ verb: string; data: Record<string, unknown> }>).find((a) => a.verb === 'boardRemoveForm')!;
        const form = await execute(show.verb, show.data, USERS.sara, { scope: 'personal' });
        expect(cardText(form.card)).toContain('Ta bort från FACT-tavlan:');
        // Taken off before its time: no question.
        await db().reminder.deleteMany({});
        await takeOff(ids.kl);
        clock = at('2026-12-16T09:00:00Z');
        await put(ids.kl);
        await execute('boardRemove', { groupId: ids.kl, note: NOTE }, USERS.sara);
        expect((await tickAt('2026-12-30T07:00:00Z')).filter((a) => a.conversationId.startsWith('a:'))).toEqual([]);
      });
    });
  });
}
