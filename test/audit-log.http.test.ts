/**
 * The access log (`logg`) and the log extract (*loggutdrag*) over HTTP against the real server and
 * database, with a fake Bot Connector and a loopback server standing in for OneDrive's upload URL: what
 * the case manager sees, what everyone else is refused, the extract as a card, as lines and as a file
 * through Teams' file consent flow, and that deleting a group leaves its audit rows.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CARD_BUDGET_BYTES, jsonBytes } from '../src/cards/budget';
import { ConfigError, loadConfig } from '../src/config';
import { EXTRACT_BATCH } from '../src/storage/audit-log';
import { isAllowedUploadUrl, isExtractAction, toCsv, validateExtractPeriod } from '../src/domain/audit-log';
import { localDayOf, wallClockToInstant } from '../src/domain/working-time';
import { recordAudit, type AuditEntry } from '../src/storage/audit';
import { messageActivity, USERS, type TestUser } from './support/activities';
import { createTestGroup, startTestBot, talkTo, type TestBot } from './support/bot';
import { adaptiveCardErrors } from './support/cards';
import { testProviders } from './support/databases';
import { cardOf, cardText } from './support/fake-connector';

const TZ = 'Europe/Stockholm';
const NEUTRAL = 'Det här kan jag inte visa här. Skriv till mig direkt för att se varför.\nVarför?';
const FORBIDDEN = 'Du har inte behörighet att göra det här.';
const FILE_CONSENT = 'application/vnd.microsoft.teams.card.file.consent';
const FILE_INFO = 'application/vnd.microsoft.teams.card.file.info';
const CSV_HEADER = 'Tid (UTC, ISO 8601);Tid (Europe/Stockholm);Person;Roll;Organisation;Vad;Öppnad av;Varifrån;Utfall';

/** A calendar day `days` from today in Stockholm (negative: in the past). */
function dayFromToday(days: number): string {
  const today = localDayOf(new Date(), TZ);
  return new Date(Date.parse(`${today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}
const localTime = (day: string, time: string) => wallClockToInstant(day, time, TZ);

interface ShownEntry {
  who: string;
  when: string;
  what: string;
  line: string;
}

/** The entries a log or extract card shows: each a Container whose first item names who and when. */
function entriesOf(card: Record<string, unknown> | undefined): ShownEntry[] {
  const body = (card?.body ?? []) as Array<{ type: string; items?: Array<{ type: string; text?: string; inlines?: Array<{ text: string }> }> }>;
  return body
    .filter((e) => e.type === 'Container' && e.items?.[0]?.type === 'RichTextBlock' && e.items[0].inlines?.length === 2)
    .map((e) => {
      const items = e.items!;
      return { who: items[0]!.inlines![0]!.text, when: items[0]!.inlines![1]!.text.slice(3), what: items.at(-2)!.text!, line: items.at(-1)!.text! };
    });
}

/** The lines of an extract shown for copying. */
function copyLinesOf(card: Record<string, unknown> | undefined): string[] {
  const texts: string[] = [];
  const visit = (node: unknown) => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (node && typeof node === 'object') {
      const obj = node as Record<string, unknown>;
      if (obj.type === 'TextRun' && obj.fontType === 'Monospace') texts.push(obj.text as string);
      Object.values(obj).forEach(visit);
    }
  };
  visit(card?.body);
  return texts;
}

/** The pager line of a paged card ("Visar 1–25 av 300"), if any. */
const showingOf = (card: Record<string, unknown> | undefined) => cardText(card).match(/Visar \d+–\d+ av \d+/)?.[0];

/** A loopback server standing in for OneDrive's upload session: records every request; answers 201, or as told. */
async function startUploadServer(host = '127.0.0.1', answer: { status?: number; delayMs?: number } = {}) {
  const requests: Array<{ method: string; url: string; headers: Record<string, string | string[] | undefined>; body: Buffer }> = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      setTimeout(() => {
        res.writeHead(answer.status ?? 201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'file-1' }));
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  return { port, requests, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

/** An address of this machine that is not loopback, or undefined when it has none. */
function nonLoopbackAddress(): string | undefined {
  return Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;
}

describe('the log extract\'s rules', () => {
  it('uploads only to SharePoint Online over https (loopback only in local mode)', () => {
    for (const url of ['https://contoso-my.sharepoint.com/personal/x/_api/upload?guid=1', 'https://agency-my.sharepoint.us/x', 'https://dod-my.sharepoint-mil.us/x']) expect(isAllowedUploadUrl(url, false), url).toBe(true);
    for (const url of ['http://contoso-my.sharepoint.com/x', 'https://contoso-my.sharepoint.com:8443/x', 'https://user@contoso-my.sharepoint.com/x', 'https://sharepoint.com/x', 'https://contoso-my.sharepoint.com.evil.example/x', 'https://evilsharepoint.com/x', 'http://127.0.0.1:9/x', 'not a url', undefined]) {
      expect(isAllowedUploadUrl(url, false), String(url)).toBe(false);
    }
    expect(isAllowedUploadUrl('http://127.0.0.1:9/x', true)).toBe(true);
    expect(isAllowedUploadUrl('https://contoso-my.sharepoint.com/x', true)).toBe(false);
  });

  it('lists reads of the crisis plan and the plan only', () => {
    expect(['crisisplan.read', 'crisisplan.section.read', 'crisisplan.versions.read', 'crisisplan.version.read', 'crisisplan.search', 'plan.read', 'plan.search', 'goal.read', 'goals.search', 'agreement.read'].every(isExtractAction)).toBe(true);
    expect(['crisisplan.change', 'goal.update', 'members.read', 'agreements.mine.read', 'agreements.summary.read', 'log.read', 'log.extract'].some(isExtractAction)).toBe(false);
  });

  it('writes CSV for Swedish Excel: BOM, semicolons, quotes where needed, no formulas', () => {
    expect(toCsv([['Tid', 'Person'], ['2026-01-01', 'Anna; "A" Berg'], ['=HYPERLINK("x")', 'rad\nbryt']])).toBe('\uFEFFTid;Person\r\n2026-01-01;"Anna; ""A"" Berg"\r\n"\'=HYPERLINK(""x"")";"rad\nbryt"\r\n');
  });

  it('checks a period: real dates, in order, not in the future', () => {
    expect(validateExtractPeriod({ from: '2026-01-01', to: '2026-01-01' }, '2026-01-01')).toEqual({ ok: true, value: { from: '2026-01-01', to: '2026-01-01' } });
    expect(validateExtractPeriod({ from: '2026-01-02', to: '2026-01-01' }, '2026-03-01')).toEqual({ ok: false, fieldErrors: { to: 'log.extract.error.order' } });
    expect(validateExtractPeriod({ from: '2026-02-29', to: '2026-03-02' }, '2026-03-01')).toEqual({ ok: false, fieldErrors: { from: 'log.extract.error.dateInvalid', to: 'log.extract.error.future' } });
  });

  it('the upload timeout is a setting with bounds', () => {
    expect(loadConfig({}).uploadTimeoutMs).toBe(10_000);
    expect(loadConfig({ UPLOAD_TIMEOUT_MS: '3000' }).uploadTimeoutMs).toBe(3000);
    expect(() => loadConfig({ UPLOAD_TIMEOUT_MS: '60000' })).toThrow(ConfigError);
    expect(() => loadConfig({ UPLOAD_TIMEOUT_MS: '60000' })).toThrow(/UPLOAD_TIMEOUT_MS is "60000": set a whole number from 100 to 12000/);
  });
});

for (const provider of testProviders()) {
  describe(`the access log on ${provider}`, () => {
    let t: TestBot;
    let groupId: string;
    let ids: { sara: string; anna: string; omar: string; lars: string };
    const db = () => t.bot.database.db;
    const { execute, say, where } = talkTo(() => t);
    const outsider: TestUser = { id: '29:eve', name: 'Eve Outsider', aadObjectId: '00000000-0000-4000-8000-0000000000ee' };

    /** Seeds one audit row of the group at a chosen moment. */
    const seed = (at: Date, entry: Partial<AuditEntry> & { action: string }) => recordAudit(db(), { outcome: 'allowed', groupId, ...entry }, at);
    const byAnna = () => ({ actorMemberId: ids.anna, actorAadObjectId: USERS.anna.aadObjectId });

    /** Teams' answer to the file consent card, as it arrives: an invoke in the person's personal chat. */
    function fileConsentActivity(from: TestUser, action: 'accept' | 'decline', context: unknown, uploadUrl?: string) {
      return {
        ...messageActivity('', where(from, { scope: 'personal' })),
        type: 'invoke',
        name: 'fileConsent/invoke',
        text: undefined,
        value: {
          type: 'fileUpload',
          action,
          context,
          uploadInfo: uploadUrl
            ? { name: 'loggutdrag.csv', uploadUrl, contentUrl: 'https://contoso-my.sharepoint.com/personal/sara/Documents/loggutdrag.csv', uniqueId: 'unique-1', fileType: 'csv' }
            : undefined,
        },
      };
    }

    beforeAll(async () => {
      // A short upload timeout, so that a OneDrive that hangs can be tested.
      t = await startTestBot(provider, [USERS.sara, USERS.anna, USERS.omar, USERS.lars], { UPLOAD_TIMEOUT_MS: '800' });
      groupId = (await createTestGroup(t, USERS.sara)).id;
      const consent = new Date();
      const add = (user: TestUser, role: string, principal: string, consented: boolean) =>
        db().member.create({ data: { groupId, teamsUserId: user.id, aadObjectId: user.aadObjectId, displayName: user.name, role, principal, consentRecordedAt: consented ? consent : null } });
      ids = {
        sara: (await db().member.findFirstOrThrow({ where: { groupId, isCaseManager: true } })).id,
        anna: (await add(USERS.anna, 'housing_support', 'kommun', true)).id,
        omar: (await add(USERS.omar, 'social_worker', 'kommun', false)).id,
        lars: (await add(USERS.lars, 'relative', 'private', true)).id,
      };
    });
    afterAll(async () => t?.stop());
    beforeEach(() => t.connector.clear());

    describe('the case manager\'s view', () => {
      it('shows the group\'s entries newest first: who, what (opened or shown automatically), from where, allowed or refused', async () => {
        // Anna's personal chat with the bot is known; another conversation is not a personal chat.
        await say('hjälp', USERS.anna, { scope: 'personal' });
        await seed(localTime(dayFromToday(-3), '10:00'), { action: 'crisisplan.read', ...byAnna(), trigger: 'manual', conversationId: `a:personal-${USERS.anna.id}` });
        await seed(localTime(dayFromToday(-3), '11:00'), { action: 'crisisplan.section.read', outcome: 'denied', reason: 'no_crisis_plan_access', actorMemberId: ids.lars, actorAadObjectId: USERS.lars.aadObjectId, trigger: 'manual', conversationId: '19:somewhere-else@thread.v2' });
        // Then real views, now: Teams refreshing Anna's plan, Anna opening it, an outsider refused.
        await execute('planShow', {}, USERS.anna, { trigger: 'automatic' });
        await execute('planShow', {}, USERS.anna);
        await execute('planShow', {}, outsider);

        const shell = await say('logg');
        const shellCard = cardOf(shell);
        expect(JSON.stringify(shellCard)).toContain('"verb":"logShow"');
        expect((shellCard.refresh as { userIds: string[] }).userIds).toEqual([USERS.sara.id]);
        expect(JSON.stringify({ ...shell.activity, recipient: undefined })).not.toMatch(/Anna|Lars|Eve|K\.L\.|krisplan/i);

        const view = await execute('logShow', {}, USERS.sara);
        expect(adaptiveCardErrors(view.card)).toEqual([]);
        const entries = entriesOf(view.card);
        const told = entries.map((e) => [e.who, e.what, e.line]);
        expect(told.slice(0, 3)).toEqual([
          ['okänd person', 'försökte öppna planen', 'i gruppens konversation · nekades: inte medlem i gruppen'],
          ['Anna Berg', 'öppnade planen', 'i gruppens konversation · tillåtet'],
          ['Anna Berg', 'Teams visade planen automatiskt', 'i gruppens konversation · tillåtet'],
        ]);
        // Then the group's set-up (made in storage, not from a conversation), then the rows of three days ago.
        expect(told.slice(3, -2)).toEqual(expect.arrayContaining([['Sara Lind', 'startade resursgruppen', 'plats inte registrerad · tillåtet']]));
        expect(told.slice(-2)).toEqual([
          ['Lars Lundqvist', 'försökte öppna ett avsnitt i krisplanen', 'i en annan konversation · nekades: har inte tillgång till krisplanen'],
          ['Anna Berg', 'öppnade krisplanen', 'i en personlig chatt med boten · tillåtet'],
        ]);
        // When: in the group's time zone.
        expect(entries.at(-1)!.when).toMatch(/ 10:00$/);
        // No ids anywhere in the view, only names.
        expect(JSON.stringify(view.card)).not.toMatch(/00000000-0000|29:anna|29:eve/);
        // Reading the log is itself audited, from the group's conversation.
        const read = await db().auditEvent.findFirstOrThrow({ where: { groupId, action: 'log.read' }, orderBy: { at: 'desc' } });
        expect(read).toMatchObject({ outcome: 'allowed', actorMemberId: ids.sara, trigger: 'manual', conversationId: expect.stringMatching(/^19:channel-kl/) });

        const english = await execute('logShow', {}, USERS.sara, { locale: 'en-US', trigger: 'automatic' });
        // The newest entry is the case manager's own first look at the log.
        expect(entriesOf(english.card)[0]).toMatchObject({ who: 'Sara Lind', what: 'opened the access log', line: "in the group's conversation · allowed" });
        expect(entriesOf(english.card).map((e) => e.what)).toContain('tried to open the plan');
        expect(entriesOf(english.card).map((e) => e.who)).toContain('someone not in the group');
      });

      it('filters by what: crisis plan, plan, members, changes', async () => {
        await seed(localTime(dayFromToday(-2), '09:00'), { action: 'goal.update', ...byAnna(), entityType: 'Goal', entityId: 'g1' });
        await seed(localTime(dayFromToday(-2), '09:05'), { action: 'subgoal.create', outcome: 'denied', reason: 'no_consent', actorMemberId: ids.omar, actorAadObjectId: USERS.omar.aadObjectId });
        await seed(localTime(dayFromToday(-2), '09:10'), { action: 'crisisplan.change', actorMemberId: ids.sara, actorAadObjectId: USERS.sara.aadObjectId });
        const whats = async (what: string) => entriesOf((await execute('logShow', { what, member: 'all' }, USERS.sara)).card).map((e) => e.what);

        expect(await whats('crisisPlan')).toEqual(['ändrade krisplanen', 'försökte öppna ett avsnitt i krisplanen', 'öppnade krisplanen']);
        const plan = await whats('plan');
        expect(plan).toEqual(expect.arrayContaining(['lade till ett delmål', 'uppdaterade ett mål', 'öppnade planen', 'Teams visade planen automatiskt', 'försökte öppna planen']));
        expect(plan.some((w) => /krisplan|medlem|logg/.test(w))).toBe(false);
        const members = await whats('members');
        expect(members.length).toBeGreaterThan(0);
        expect(members.every((w) => /medlem|samtycke/.test(w))).toBe(true);
        // Changes: allowed, and not reads (the refused sub-goal and every read are left out).
        const changes = await whats('changes');
        expect(changes).toEqual(expect.arrayContaining(['ändrade krisplanen', 'uppdaterade ett mål', 'startade resursgruppen']));
        expect(changes.some((w) => /öppna|visade|försökte|lade till ett delmål/.test(w))).toBe(false);
      });

      it('filters by member, including their refusals before they had a membership', async () => {
        await seed(localTime(dayFromToday(-1), '08:00'), { action: 'plan.read', outcome: 'denied', reason: 'not_a_member', actorAadObjectId: USERS.anna.aadObjectId, trigger: 'automatic' });
        const view = await execute('logShow', { what: 'all', member: ids.anna }, USERS.sara);
        const entries = entriesOf(view.card);
        expect(entries.length).toBeGreaterThan(3);
        expect(new Set(entries.map((e) => e.who))).toEqual(new Set(['Anna Berg']));
        expect(entries.map((e) => e.what)).toContain('Teams försökte visa planen automatiskt');
        // The pick list offers the group's members and keeps the choice.
        const picker = JSON.stringify(view.card);
        for (const name of ['Sara Lind', 'Anna Berg', 'Omar Said', 'Lars Lundqvist', 'Alla personer']) expect(picker).toContain(name);
        expect(picker).toContain(`"value":"${ids.anna}"`);
        // Member and what together.
        const crisis = entriesOf((await execute('logShow', { what: 'crisisPlan', member: ids.anna }, USERS.sara)).card);
        expect(crisis.map((e) => e.what)).toEqual(['öppnade krisplanen']);
      });
    });

    describe('everyone but the case manager is refused', () => {
      it('a member with consent, one without and a non-member: neutral in the channel, refused on a press, audited', async () => {
        const since = new Date();
        for (const who of [USERS.anna, USERS.omar, outsider]) {
          const reply = cardOf(await say('logg', who));
          expect(cardText(reply), who.name).toBe(NEUTRAL);
          expect(JSON.stringify(reply)).not.toMatch(/logg|K\.L\./i);
        }
        expect((await execute('logShow', {}, USERS.anna)).message).toBe(FORBIDDEN);
        expect((await execute('logShow', {}, USERS.lars, { trigger: 'automatic' })).message).toBe(FORBIDDEN);
        expect((await execute('logExtractShow', { from: dayFromToday(-30), to: dayFromToday(0) }, outsider)).message).toContain('Du är inte registrerad medlem');
        expect((await execute('logExtractFile', { from: dayFromToday(-30), to: dayFromToday(0) }, USERS.omar)).message).toBe(FORBIDDEN);
        const refusals = await db().auditEvent.findMany({ where: { groupId, outcome: 'denied', at: { gte: since }, action: { startsWith: 'log.' } }, orderBy: { at: 'asc' } });
        expect(refusals.map((r) => [r.action, r.actorAadObjectId, r.reason])).toEqual([
          ['log.read', USERS.anna.aadObjectId, 'forbidden'],
          ['log.read', USERS.omar.aadObjectId, 'forbidden'],
          ['log.read', outsider.aadObjectId, 'not_a_member'],
          ['log.read', USERS.anna.aadObjectId, 'forbidden'],
          ['log.read', USERS.lars.aadObjectId, 'forbidden'],
          ['log.extract', outsider.aadObjectId, 'not_a_member'],
          ['log.extract', USERS.omar.aadObjectId, 'forbidden'],
        ]);
        expect(t.connector.activities.every((a) => !JSON.stringify(a.activity).includes(FILE_CONSENT))).toBe(true);
      });
    });

    it('a removed member and the case manager of another group are refused the log and the extract, audited', async () => {
      const since = new Date();
      const former: TestUser = { id: '29:former', name: 'Fredrik Former', aadObjectId: '00000000-0000-4000-8000-0000000000f1' };
      await db().member.create({
        data: { groupId, teamsUserId: former.id, aadObjectId: former.aadObjectId, displayName: former.name, role: 'nurse', principal: 'region', consentRecordedAt: new Date(), isCaseManager: false, removedAt: new Date() },
      });
      // Case manager of a group of their own, in another channel.
      const elsewhere: TestUser = { id: '29:maria', name: 'Maria Annan', aadObjectId: '00000000-0000-4000-8000-0000000000f2' };
      await createTestGroup(t, elsewhere, { conversationId: '19:channel-elsewhere@thread.tacv2', alias: 'X.Y.' });
      for (const who of [former, elsewhere]) {
        expect(cardText(cardOf(await say('logg', who))), who.name).toBe(NEUTRAL);
        expect((await execute('logShow', {}, who)).message, who.name).toContain('Du är inte registrerad medlem');
        expect((await execute('logExtractShow', { from: dayFromToday(-30), to: dayFromToday(0) }, who)).message).toContain('Du är inte registrerad medlem');
      }
      const refusals = await db().auditEvent.findMany({ where: { groupId, outcome: 'denied', at: { gte: since } }, orderBy: { at: 'asc' } });
      expect(refusals.map((r) => [r.action, r.actorAadObjectId, r.reason])).toEqual([
        ['log.read', former.aadObjectId, 'not_a_member'],
        ['log.read', former.aadObjectId, 'not_a_member'],
        ['log.extract', former.aadObjectId, 'not_a_member'],
        ['log.read', elsewhere.aadObjectId, 'not_a_member'],
        ['log.read', elsewhere.aadObjectId, 'not_a_member'],
        ['log.extract', elsewhere.aadObjectId, 'not_a_member'],
      ]);
    });

    describe('the log extract', () => {
      const from = dayFromToday(-60);
      const to = dayFromToday(-31);

      beforeAll(async () => {
        // In the period (its first minutes and its last, in Stockholm): reads of the crisis plan and the plan.
        await seed(localTime(from, '00:05'), { action: 'crisisplan.read', ...byAnna(), trigger: 'manual', conversationId: '19:channel-kl@thread.tacv2' });
        await seed(localTime(dayFromToday(-50), '12:00'), { action: 'crisisplan.section.read', outcome: 'denied', reason: 'no_crisis_plan_access', actorMemberId: ids.lars, actorAadObjectId: USERS.lars.aadObjectId, trigger: 'manual' });
        await seed(localTime(dayFromToday(-45), '12:00'), { action: 'plan.read', ...byAnna(), trigger: 'automatic' });
        await seed(localTime(dayFromToday(-40), '12:00'), { action: 'goal.read', ...byAnna(), trigger: 'manual', entityType: 'Goal', entityId: 'g1' });
        await seed(localTime(dayFromToday(-35), '12:00'), { action: 'agreement.read', outcome: 'denied', reason: 'not_a_member', actorAadObjectId: outsider.aadObjectId, trigger: 'manual' });
        await seed(localTime(to, '23:55'), { action: 'goals.search', ...byAnna() });
        // In the period but not looks at the plan or crisis plan; and looks outside the period.
        await seed(localTime(dayFromToday(-44), '12:00'), { action: 'members.read', ...byAnna() });
        await seed(localTime(dayFromToday(-43), '12:00'), { action: 'goal.update', ...byAnna() });
        await seed(localTime(dayFromToday(-42), '12:00'), { action: 'agreements.mine.read', actorAadObjectId: USERS.anna.aadObjectId });
        await seed(localTime(dayFromToday(-41), '12:00'), { action: 'log.read', actorMemberId: ids.sara });
        await seed(new Date(localTime(from, '00:00').getTime() - 60_000), { action: 'crisisplan.read', ...byAnna() });
        await seed(localTime(dayFromToday(-30), '00:00'), { action: 'crisisplan.read', ...byAnna() });
      });

      it('the form offers the last 12 months; the card lists exactly the reads in the period, oldest first, and is audited', async () => {
        const form = await execute('logExtractForm', {}, USERS.sara);
        expect(adaptiveCardErrors(form.card)).toEqual([]);
        const inputs = JSON.stringify(form.card);
        expect(inputs).toContain(`"id":"from","label":"Från och med","isRequired":true,"max":"${dayFromToday(0)}","errorMessage"`);
        const lastYear = new Date(Date.parse(`${dayFromToday(0)}T00:00:00Z`));
        lastYear.setUTCFullYear(lastYear.getUTCFullYear() - 1);
        expect(inputs).toContain(`"value":"${lastYear.toISOString().slice(0, 10)}"`);

        const answer = await execute('logExtractShow', { from, to }, USERS.sara);
        expect(adaptiveCardErrors(answer.card)).toEqual([]);
        expect(cardText(answer.card)).toContain('6 händelser');
        expect(entriesOf(answer.card).map((e) => [e.who, e.what, e.line])).toEqual([
          ['Anna Berg', 'öppnade krisplanen', 'i gruppens konversation · tillåtet'],
          ['Lars Lundqvist', 'försökte öppna ett avsnitt i krisplanen', 'plats inte registrerad · nekades: har inte tillgång till krisplanen'],
          ['Anna Berg', 'Teams visade planen automatiskt', 'plats inte registrerad · tillåtet'],
          ['Anna Berg', 'öppnade ett mål i planen', 'plats inte registrerad · tillåtet'],
          ['okänd person', 'försökte öppna en överenskommelse', 'plats inte registrerad · nekades: inte medlem i gruppen'],
          ['Anna Berg', 'sökte bland planens mål', 'plats inte registrerad · tillåtet'],
        ]);
        expect(cardText(answer.card)).toContain('Boendestödjare · Kommun');
        const audit = await db().auditEvent.findFirstOrThrow({ where: { groupId, action: 'log.extract' }, orderBy: { at: 'desc' } });
        expect(audit).toMatchObject({ outcome: 'allowed', reason: `${from}..${to}`, actorMemberId: ids.sara, entityType: 'ResourceGroup', entityId: groupId });
      });

      it('includes reads made through the real views today', async () => {
        await execute('planShow', {}, USERS.anna);
        await execute('membersShow', {}, USERS.anna);
        const today = dayFromToday(0);
        const entries = entriesOf((await execute('logExtractShow', { from: today, to: today }, USERS.sara)).card);
        expect(entries.filter((e) => e.who === 'Anna Berg').map((e) => e.what)).toEqual(['Teams visade planen automatiskt', 'öppnade planen', 'öppnade planen']);
        expect(entries.some((e) => /medlemslistan|åtkomstloggen|loggutdrag/.test(e.what))).toBe(false);
      });

      it('shows the same rows as lines for copying, header first', async () => {
        const answer = await execute('logExtractText', { from, to }, USERS.sara);
        expect(adaptiveCardErrors(answer.card)).toEqual([]);
        const lines = copyLinesOf(answer.card);
        expect(lines).toHaveLength(7);
        expect(lines[0]).toBe(CSV_HEADER.split(';').join('; '));
        expect(lines[1]).toMatch(new RegExp(`^${localTime(from, '00:05').toISOString().replace(/[.]/g, '\\.')}; ${from} 00:05; Anna Berg; Boendestödjare; Kommun; öppnade krisplanen; personen själv; i gruppens konversation; tillåtet$`));
        expect(lines[6]).toContain('; sökte bland planens mål; –; ');
      });

      it('answers a bad period politely with the form, and produces nothing', async () => {
        const before = await db().auditEvent.count();
        const cases: Array<[Record<string, unknown>, string]> = [
          [{ from: to, to: from }, 'Slutdatumet ligger före startdatumet.'],
          [{ from, to: dayFromToday(1) }, 'Datumet har inte kommit än.'],
          [{ from: '2026-02-30', to }, 'Datumet kunde inte läsas.'],
          [{ from: 'igår', to: '' }, 'Datumet kunde inte läsas.'],
        ];
        for (const [data, message] of cases) {
          for (const verb of ['logExtractShow', 'logExtractText', 'logExtractFile']) {
            const answer = await execute(verb, data, USERS.sara);
            expect(adaptiveCardErrors(answer.card), verb).toEqual([]);
            expect(cardText(answer.card), `${verb} ${JSON.stringify(data)}`).toContain(message);
            expect(cardText(answer.card)).toContain('Perioden behöver rättas innan jag kan ta fram loggutdraget.');
          }
        }
        expect(await db().auditEvent.count()).toBe(before);
        expect(t.connector.activities).toEqual([]);
      });

      describe('as a file through Teams\' file consent card', () => {
        let upload: Awaited<ReturnType<typeof startUploadServer>>;
        beforeAll(async () => {
          upload = await startUploadServer();
        });
        afterAll(async () => upload?.close());
        beforeEach(() => void (upload.requests.length = 0));

        /** Offers the file from the channel and returns the consent card's attachment. */
        async function offer() {
          const answer = await execute('logExtractFile', { from, to }, USERS.sara);
          expect(answer.message).toBe('Jag har skickat filen till vår personliga chatt. Godkänn den där, så sparas den i din OneDrive.');
          const [posted] = await t.connector.waitForActivities(1);
          expect(posted!.conversationId).toBe(`a:personal-${USERS.sara.id}`);
          t.connector.clear();
          return posted!.activity.attachments![0]!;
        }

        it('without a personal chat with the bot, the case manager is told to write to it first; nothing goes to the channel', async () => {
          const answer = await execute('logExtractFile', { from, to }, USERS.sara);
          expect(answer.message).toContain('Filen skickas bara i en personlig chatt med mig, aldrig här.');
          expect(t.connector.activities).toEqual([]);
        });

        it('sends a consent card with no data in personal chat; accepting uploads the CSV once and shows the file', async () => {
          await say('hjälp', USERS.sara, { scope: 'personal' });
          t.connector.clear();
          const consent = await offer();
          expect(consent.contentType).toBe(FILE_CONSENT);
          expect(consent.name).toBe(`loggutdrag-${from}-${to}.csv`);
          const context = { kind: 'logExtract', groupId, from, to };
          expect(consent.content).toMatchObject({ acceptContext: context, declineContext: context, description: expect.stringContaining('Loggutdrag') });
          expect(consent.content.sizeInBytes).toBeGreaterThan(CSV_HEADER.length);
          expect(JSON.stringify(consent)).not.toMatch(/Anna|Lars|Boendestöd|krisplanen|K\.L\.|00000000-0000/);

          const response = await t.post(fileConsentActivity(USERS.sara, 'accept', consent.content.acceptContext, `http://127.0.0.1:${upload.port}/upload/session-1`));
          expect(response.status).toBe(200);
          expect(upload.requests).toHaveLength(1);
          const [put] = upload.requests;
          const size = put!.body.length;
          expect(put!.method).toBe('PUT');
          expect(put!.url).toBe('/upload/session-1');
          expect(put!.headers['content-range']).toBe(`bytes 0-${size - 1}/${size}`);
          expect(put!.headers['content-length']).toBe(String(size));
          expect(size).toBe(consent.content.sizeInBytes);
          expect([...put!.body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
          const csv = put!.body.toString('utf8').slice(1).split('\r\n');
          expect(csv[0]).toBe(CSV_HEADER);
          expect(csv[1]).toBe(`${localTime(from, '00:05').toISOString()};${from} 00:05;Anna Berg;Boendestödjare;Kommun;öppnade krisplanen;personen själv;i gruppens konversation;tillåtet`);
          expect(csv).toHaveLength(8); // header, 6 rows, and the final line end

          const [info] = await t.connector.waitForActivities(1);
          expect(info!.conversationId).toBe(`a:personal-${USERS.sara.id}`);
          expect(info!.activity.attachments![0]).toMatchObject({
            contentType: FILE_INFO,
            name: 'loggutdrag.csv',
            contentUrl: 'https://contoso-my.sharepoint.com/personal/sara/Documents/loggutdrag.csv',
            content: { uniqueId: 'unique-1', fileType: 'csv' },
          });
          const audit = await db().auditEvent.findFirstOrThrow({ where: { groupId, action: 'log.extract' }, orderBy: { at: 'desc' } });
          expect(audit).toMatchObject({ outcome: 'allowed', reason: `${from}..${to}`, actorMemberId: ids.sara, conversationId: `a:personal-${USERS.sara.id}` });
          expect(t.logs.some((line) => line.includes('log.extract.uploaded'))).toBe(true);
        });

        it('declining gets a short message and no upload', async () => {
          const consent = await offer();
          const response = await t.post(fileConsentActivity(USERS.sara, 'decline', consent.content.declineContext));
          expect(response.status).toBe(200);
          const [reply] = await t.connector.waitForActivities(1);
          expect(reply!.activity.text).toBe('Okej, jag sparade ingen fil.');
          expect(upload.requests).toEqual([]);
        });

        it('an upload URL on a host that is not allowed is refused, audited and logged, and never called', async () => {
          const consent = await offer();
          const elsewhere = await startUploadServer('0.0.0.0');
          try {
            const address = nonLoopbackAddress();
            const urls = [...(address ? [`http://${address}:${elsewhere.port}/upload`] : []), 'https://contoso-my.sharepoint.com.evil.example/upload'];
            for (const url of urls) {
              const since = new Date();
              t.connector.clear();
              expect((await t.post(fileConsentActivity(USERS.sara, 'accept', consent.content.acceptContext, url))).status).toBe(200);
              const [reply] = await t.connector.waitForActivities(1);
              expect(reply!.activity.text).toContain('Teams angav en adress för uppladdningen som jag inte skickar filer till');
              const audit = await db().auditEvent.findFirstOrThrow({ where: { groupId, action: 'log.extract', at: { gte: since } } });
              expect(audit).toMatchObject({ outcome: 'denied', reason: 'upload_host_not_allowed' });
            }
            expect(elsewhere.requests).toEqual([]);
            expect(upload.requests).toEqual([]);
            expect(t.logs.some((line) => line.includes('log.extract.upload_refused') && line.includes('upload_host_not_allowed'))).toBe(true);
          } finally {
            await elsewhere.close();
          }
        });

        it('an upload that fails or hangs past the timeout is told, audited as failed, and not retried', async () => {
          const consent = await offer();
          const failing = await startUploadServer('127.0.0.1', { status: 500 });
          const hanging = await startUploadServer('127.0.0.1', { delayMs: 5_000 });
          try {
            for (const [server, reason] of [[failing, 'upload_status_500'], [hanging, 'upload_timeout']] as const) {
              const since = new Date();
              t.connector.clear();
              const started = Date.now();
              expect((await t.post(fileConsentActivity(USERS.sara, 'accept', consent.content.acceptContext, `http://127.0.0.1:${server.port}/upload`))).status).toBe(200);
              expect(Date.now() - started).toBeLessThan(4_000);
              expect(server.requests).toHaveLength(1);
              const [reply] = await t.connector.waitForActivities(1);
              expect(reply!.activity.text).toBe('Jag kunde inte spara filen i din OneDrive. Försök igen om en stund.');
              expect(reply!.activity.attachments ?? []).toEqual([]);
              expect(await db().auditEvent.findFirstOrThrow({ where: { groupId, action: 'log.extract', at: { gte: since } } })).toMatchObject({ outcome: 'failed', reason });
            }
          } finally {
            await failing.close();
            await hanging.close();
          }
        });

        it('a forged accept from anyone but the case manager is refused from their own identity: no upload', async () => {
          const consent = await offer();
          for (const [who, message] of [[USERS.anna, FORBIDDEN], [outsider, 'Du är inte registrerad medlem']] as const) {
            t.connector.clear();
            const response = await t.post(fileConsentActivity(who, 'accept', consent.content.acceptContext, `http://127.0.0.1:${upload.port}/upload/forged`));
            expect(response.status).toBe(200);
            const [reply] = await t.connector.waitForActivities(1);
            expect(reply!.conversationId).toBe(`a:personal-${who.id}`);
            expect(cardText(cardOf(reply))).toContain(message);
          }
          expect(upload.requests).toEqual([]);
          const refused = await db().auditEvent.findMany({ where: { groupId, action: 'log.extract', outcome: 'denied', reason: { in: ['forbidden', 'not_a_member'] }, conversationId: { startsWith: 'a:personal-' } } });
          expect(refused.map((r) => r.actorAadObjectId).sort()).toEqual([USERS.anna.aadObjectId, outsider.aadObjectId].sort());
          // A context that is not ours, or names no group, changes nothing either.
          t.connector.clear();
          await t.post(fileConsentActivity(USERS.sara, 'accept', { kind: 'logExtract', groupId: 'no-such-group', from, to }, `http://127.0.0.1:${upload.port}/upload/x`));
          await t.post(fileConsentActivity(USERS.sara, 'accept', { kind: 'somethingElse' }, `http://127.0.0.1:${upload.port}/upload/x`));
          await t.connector.waitForActivities(2);
          expect(upload.requests).toEqual([]);
        });

        it('a file longer than one batch holds every read of the period once, oldest first (read and written 2,000 rows at a time)', async () => {
          // In the period (60 to 31 days ago), a read a second.
          const start = localTime(dayFromToday(-33), '08:00').getTime();
          const many = 2 * EXTRACT_BATCH + 500;
          await db().auditEvent.createMany({
            data: Array.from({ length: many }, (_, i) => ({ action: i % 2 ? 'crisisplan.read' : 'plan.read', outcome: 'allowed', groupId, ...byAnna(), trigger: 'manual', at: new Date(start + i * 1000) })),
          });
          await say('hjälp', USERS.sara, { scope: 'personal' });
          t.connector.clear();
          const consent = await offer();
          await t.post(fileConsentActivity(USERS.sara, 'accept', consent.content.acceptContext, `http://127.0.0.1:${upload.port}/upload/session-many`));
          const [put] = upload.requests;
          expect(put!.body.length).toBe(consent.content.sizeInBytes);
          const csv = put!.body.toString('utf8').slice(1).split('\r\n');
          expect(csv[0]).toBe(CSV_HEADER);
          expect(csv.at(-1)).toBe('');
          const rows = csv.slice(1, -1);
          // The six reads of the period seeded before, and the new ones.
          expect(rows).toHaveLength(6 + many);
          const times = rows.map((row) => row.split(';')[0]!);
          expect([...times].sort()).toEqual(times);
          const mine = new Set(times.filter((at) => Date.parse(at) >= start && Date.parse(at) < start + many * 1000));
          expect(mine.size).toBe(many);
          expect(rows.filter((row) => row.includes('öppnade krisplanen')).length).toBeGreaterThanOrEqual(many / 2);
        });
      });
    });

    describe('paging', () => {
      it('pages through 300 more entries, 25 at a time, every page under the card budget', async () => {
        const start = localTime(dayFromToday(-200), '08:00').getTime();
        for (let i = 0; i < 300; i++) {
          await seed(new Date(start + i * 60_000), { action: i % 3 === 0 ? 'crisisplan.read' : i % 3 === 1 ? 'goal.update' : 'members.read', ...byAnna(), trigger: i % 2 ? 'automatic' : 'manual' });
        }
        const total = await db().auditEvent.count({ where: { groupId } });
        let data: Record<string, unknown> = {};
        let pages = 0;
        let seen = 0;
        for (;;) {
          const answer = await execute('logShow', data, USERS.sara);
          expect(jsonBytes(answer.card)).toBeLessThanOrEqual(CARD_BUDGET_BYTES);
          const shown = entriesOf(answer.card).length;
          if (pages === 0) expect(showingOf(answer.card)).toBe(`Visar 1–25 av ${total}`);
          seen += shown;
          pages++;
          const next = JSON.stringify(answer.card).match(/"verb":"logShow","title":"Visa fler","data":(\{[^}]*\})/);
          if (!next) break;
          data = JSON.parse(next[1]!) as Record<string, unknown>;
        }
        // Each page read is audited as it is shown, after its rows were read: the total grew by one per page.
        expect(seen).toBe(total + pages - 1);
        expect(pages).toBe(Math.ceil((total + pages - 1) / 25));
        const crisis = await execute('logShow', { what: 'crisisPlan', member: ids.anna, offset: 25 }, USERS.sara);
        expect(showingOf(crisis.card)).toMatch(/^Visar 26–50 av \d+$/);
      });
    });

    describe('retention', () => {
      it('deleting a resource group leaves its audit rows, and the audit log refuses deletion', async () => {
        const other = await createTestGroup(t, USERS.sara, { conversationId: '19:channel-other@thread.tacv2', alias: 'M.N.' });
        const member = await db().member.create({ data: { groupId: other.id, teamsUserId: USERS.anna.id, aadObjectId: USERS.anna.aadObjectId, displayName: USERS.anna.name, role: 'nurse', principal: 'region' } });
        await db().goal.create({ data: { groupId: other.id, lifeArea: 'housing', text: 'Eget boende', createdByMemberId: member.id } });
        await recordAudit(db(), { action: 'crisisplan.read', outcome: 'allowed', groupId: other.id, actorMemberId: member.id });
        const rows = await db().auditEvent.findMany({ where: { groupId: other.id }, orderBy: { id: 'asc' } });
        expect(rows.length).toBeGreaterThanOrEqual(4);

        await db().resourceGroup.delete({ where: { id: other.id } });
        expect(await db().member.count({ where: { groupId: other.id } })).toBe(0);
        expect(await db().auditEvent.findMany({ where: { groupId: other.id }, orderBy: { id: 'asc' } })).toEqual(rows);
        await expect(db().auditEvent.deleteMany({ where: { groupId: other.id } })).rejects.toThrow();
        expect(await db().auditEvent.count({ where: { groupId: other.id } })).toBe(rows.length);
      });
    });
  });
}
