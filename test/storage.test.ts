import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DomainError } from '../src/domain/errors';
import { openDatabase, type Database } from '../src/storage/database';
import { applyMigrations, migrationsDir, readMigrations } from '../src/storage/migrations';
import { appendAudit, findAuditEvents, recordAudit } from '../src/storage/audit';
import { findMemberByCaller } from '../src/storage/access';
import { claimDueReminders } from '../src/storage/reminders';
import { claimRosterChecks, findConversationReference, saveConversationReference } from '../src/storage/conversations';
import { pruneProcessedActivities } from '../src/storage/activities';
import { createResourceGroup, findCaseManager, findGroupByConversation, type CreateResourceGroupInput } from '../src/storage/groups';
import { clampOffset, createGoal, createSubGoal, findGoal, findPlanPage, updateGoal } from '../src/storage/goals';
import { findAgreement, findOpenAgreementsOf, hasDoneAgreementsOf } from '../src/storage/agreements';
import { consentedMemberWhere, consentedTeamsUserIdsOf, listMembers } from '../src/storage/members';
import { findChannelPost, saveChannelPost } from '../src/storage/channel-posts';
import { createTestDatabaseUrl, testProviders, type TestDatabase } from './support/databases';
import { all, run } from '../src/storage/sql';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { derivePostgresSchema } = require('../scripts/prisma-generate.mjs') as { derivePostgresSchema(s: string): string };

const setupInput = (conversationId: string): CreateResourceGroupInput => ({
  conversation: { conversationId, conversationType: 'channel', teamId: '19:team', channelId: conversationId, tenantId: 't' },
  setup: { individualAlias: 'K.L.', caseManagementModel: 'FACT', caseManagerUserId: '29:sara', locale: 'sv' },
  timeZone: 'Europe/Stockholm',
  actor: { teamsUserId: '29:anna', aadObjectId: 'aad-anna', name: 'Anna Berg' },
  caseManager: { teamsUserId: '29:sara', aadObjectId: 'aad-sara', name: 'Sara Lind' },
});

describe('schema variants', () => {
  it('the PostgreSQL schema is derived from the SQLite source of truth and differs only in datasource and output', () => {
    const source = readFileSync(path.join('prisma', 'schema.prisma'), 'utf8');
    const derived = readFileSync(path.join('prisma', 'postgresql', 'schema.prisma'), 'utf8');
    expect(derived).toBe(derivePostgresSchema(source));
    const models = (text: string) => text.slice(text.indexOf('/// A resource group'));
    expect(models(derived)).toBe(models(source));
  });

  it('the newest migration was made from the current schema (a schema change without a migration fails here)', () => {
    const newest = readMigrations(migrationsDir('sqlite')).at(-1)!;
    const snapshot = readFileSync(path.join(migrationsDir('sqlite'), newest.name, 'schema.prisma'), 'utf8');
    expect(snapshot, 'run: npm run db:new-migration -- <name>').toBe(readFileSync(path.join('prisma', 'schema.prisma'), 'utf8'));
  });

  it('both migration histories have the same migrations, each creating the same tables', () => {
    const sqlite = readMigrations(migrationsDir('sqlite'));
    const postgres = readMigrations(migrationsDir('postgresql'));
    expect(sqlite.map((m) => m.name)).toEqual(postgres.map((m) => m.name));
    // SQLite changes a table by creating "new_<table>" and renaming it: that is not a new table.
    const tables = (sql: string) => [...sql.matchAll(/CREATE TABLE "(\w+)"/g)].map((m) => m[1]!).filter((name) => !name.startsWith('new_')).sort();
    for (let i = 0; i < sqlite.length; i++) expect(tables(sqlite[i]!.sql)).toEqual(tables(postgres[i]!.sql));
  });
});

for (const provider of testProviders()) {
  describe(`storage on ${provider}`, () => {
    let testDb: TestDatabase | undefined;
    let database: Database | undefined;

    async function open(): Promise<Database> {
      testDb = await createTestDatabaseUrl(provider);
      database = await openDatabase(testDb.url);
      return database;
    }

    afterEach(async () => {
      await database?.close();
      await testDb?.drop();
      database = undefined;
      testDb = undefined;
    });

    it('applies the migrations once, recorded in Prisma\'s history table, and not again on restart', async () => {
      const names = readMigrations(migrationsDir(provider)).map((m) => m.name);
      expect(names[0]).toBe('20261123000000_init');
      const first = await open();
      expect(first.migration.applied).toEqual(names);
      const again = await applyMigrations(provider, testDb!.url);
      expect(again).toEqual({ applied: [], alreadyApplied: names });
      const rows = await first.db.$queryRawUnsafe<Array<{ migration_name: string; checksum: string }>>(
        'SELECT migration_name, checksum FROM "_prisma_migrations" ORDER BY migration_name',
      );
      expect(rows).toEqual(readMigrations(migrationsDir(provider)).map((m) => ({ migration_name: m.name, checksum: m.checksum })));
    });

    it('leaves a history that Prisma\'s own `migrate status` reads as up to date', async () => {
      await open();
      const output = execFileSync(path.join('node_modules', '.bin', 'prisma'), ['migrate', 'status'], {
        encoding: 'utf8',
        env: { ...process.env, DATABASE_URL: testDb!.url, PRISMA_PROVIDER: provider },
      });
      expect(output).toContain('Database schema is up to date!');
    });

    it('creates a resource group with its case manager and the person who set it up, audited', async () => {
      const { db } = await open();
      const group = await createResourceGroup(db, setupInput('19:channel-a'));
      const stored = await findGroupByConversation(db, '19:channel-a');
      expect(stored).toMatchObject({ individualAlias: 'K.L.', caseManagementModel: 'FACT', locale: 'sv', timeZone: 'Europe/Stockholm', teamId: '19:team' });
      expect(await findCaseManager(db, group.id)).toMatchObject({ displayName: 'Sara Lind', aadObjectId: 'aad-sara', isCaseManager: true });
      const members = await db.member.findMany({ where: { groupId: group.id }, orderBy: { displayName: 'asc' } });
      expect(members.map((m) => [m.displayName, m.isCaseManager, m.consentRecordedAt !== null])).toEqual([
        ['Anna Berg', false, false],
        ['Sara Lind', true, true],
      ]);
      const anna = members.find((m) => m.displayName === 'Anna Berg')!;
      expect(members.find((m) => m.isCaseManager)?.consentRecordedBy).toBe(anna.id);
      const audit = await findAuditEvents(db, group.id);
      expect(audit.map((a) => a.action).sort()).toEqual(['group.setup', 'member.add', 'member.add', 'member.consent.record']);
      expect(audit.every((a) => a.actorAadObjectId === 'aad-anna' && a.actorMemberId === anna.id && a.outcome === 'allowed')).toBe(true);
    });

    it('refuses a second group in the same conversation, also when two set-ups race, leaving one group', async () => {
      const { db } = await open();
      const results = await Promise.allSettled([createResourceGroup(db, setupInput('19:race')), createResourceGroup(db, setupInput('19:race'))]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(rejected.reason).toBeInstanceOf(DomainError);
      expect((rejected.reason as DomainError).code).toBe('group_exists');
      expect(await db.resourceGroup.count()).toBe(1);
      expect(await db.member.count()).toBe(2);
    });

    it('keeps the audit log append-only: the database refuses update and delete', async () => {
      const { db } = await open();
      await recordAudit(db, { action: 'plan.read', outcome: 'denied', actorAadObjectId: 'aad-x', reason: 'not_a_member' });
      await expect(db.auditEvent.updateMany({ data: { outcome: 'allowed' } })).rejects.toThrow(/append-only/);
      await expect(db.auditEvent.deleteMany({})).rejects.toThrow(/append-only/);
      expect(await db.auditEvent.findMany()).toMatchObject([{ action: 'plan.read', outcome: 'denied', reason: 'not_a_member' }]);
    });

    it('plain SQL (the hot paths) reads the rows Prisma reads, and writes rows Prisma reads back the same', async () => {
      const { db } = await open();
      const group = await createResourceGroup(db, setupInput('19:plain@thread.tacv2'));
      await db.resourceGroup.update({ where: { id: group.id }, data: { observeHolidays: false, weeklyDigest: true } });
      const member = await db.member.findFirstOrThrow({ where: { groupId: group.id, aadObjectId: 'aad-sara' } });
      await db.member.update({ where: { id: member.id }, data: { consentRecordedAt: new Date('2026-03-29T01:30:00.123Z'), crisisPlanAccess: false, personalDigest: true } });
      // Reads: the same objects, dates as Dates and booleans as booleans, on both databases.
      expect(await findGroupByConversation(db, '19:plain@thread.tacv2')).toEqual(await db.resourceGroup.findUnique({ where: { conversationId: '19:plain@thread.tacv2' } }));
      expect(await findMemberByCaller(db, group.id, { teamsUserId: '29:sara', aadObjectId: 'aad-sara' })).toEqual(await db.member.findUnique({ where: { id: member.id } }));
      expect(await findMemberByCaller(db, group.id, { teamsUserId: '29:x', aadObjectId: 'aad-nobody' })).toBeNull();
      // The refresh list: current members with consent, the case manager first (withdrawn consent and removal left out).
      await db.member.createMany({
        data: [
          { groupId: group.id, teamsUserId: '29:w', displayName: 'W', role: 'other', principal: 'other', consentRecordedAt: new Date('2026-01-01T00:00:00Z'), consentWithdrawnAt: new Date('2026-02-01T00:00:00Z') },
          { groupId: group.id, teamsUserId: '29:r', displayName: 'R', role: 'other', principal: 'other', consentRecordedAt: new Date('2026-01-01T00:00:00Z'), removedAt: new Date('2026-02-01T00:00:00Z') },
          { groupId: group.id, teamsUserId: '29:again', displayName: 'A', role: 'other', principal: 'other', consentWithdrawnAt: new Date('2026-01-01T00:00:00Z'), consentRecordedAt: new Date('2026-02-01T00:00:00Z') },
        ],
      });
      const refreshOracle = await db.member.findMany({
        where: { groupId: group.id, removedAt: null, teamsUserId: { not: null }, ...consentedMemberWhere(db) },
        orderBy: [{ isCaseManager: 'desc' }, { createdAt: 'asc' }, { id: 'asc' }],
        select: { teamsUserId: true },
      });
      expect(await consentedTeamsUserIdsOf(db, group.id, 60)).toEqual(refreshOracle.map((m) => m.teamsUserId));
      expect(await consentedTeamsUserIdsOf(db, group.id, 60)).toEqual(['29:sara', '29:again']);
      // Writes: an audit row and a claimed reminder, read back by Prisma exactly as written.
      const at = new Date('2026-10-25T00:30:00.007Z');
      await appendAudit(db, [{ action: 'plan.read', outcome: 'allowed', groupId: group.id, actorMemberId: member.id, trigger: 'manual', conversationId: '19:plain@thread.tacv2' }], at);
      expect(await db.auditEvent.findFirstOrThrow({ where: { action: 'plan.read' } })).toMatchObject({ at, groupId: group.id, actorMemberId: member.id, trigger: 'manual', reason: null });
      expect(await db.auditEvent.count({ where: { action: 'plan.read', at: { gte: at, lte: at } } })).toBe(1);
      const reminder = await db.reminder.create({ data: { groupId: group.id, kind: 'follow_up', occurrenceKey: 'k', destination: 'group:x', dueAt: at, sendAfter: at } });
      const leaseUntil = new Date(at.getTime() + 60_000);
      const [claimed] = await claimDueReminders(db, 'group:x', 'me', new Date(at.getTime() + 1), leaseUntil, 10);
      expect(claimed).toEqual(await db.reminder.findUniqueOrThrow({ where: { id: reminder.id } }));
      expect(claimed).toMatchObject({ status: 'sending', leaseOwner: 'me', leaseUntil, attempts: 1, dueAt: at });
      // Prisma's own comparisons see the dates plain SQL wrote.
      expect(await db.reminder.count({ where: { leaseUntil: { gt: at, lte: leaseUntil } } })).toBe(1);
    });

    it('`mina` in plain SQL pages exactly as the Prisma query it replaced: consent, removal, status, one group, past the end', async () => {
      const { db } = await open();
      const groups = await Promise.all(['19:m1@thread.tacv2', '19:m2@thread.tacv2', '19:m3@thread.tacv2'].map((c) => createResourceGroup(db, setupInput(c))));
      const sara = await Promise.all(groups.map((g) => db.member.findFirstOrThrow({ where: { groupId: g.id, aadObjectId: 'aad-sara' } })));
      const at = new Date('2026-06-01T08:00:00.000Z');
      await db.member.update({ where: { id: sara[0]!.id }, data: { consentRecordedAt: at } });
      await db.member.update({ where: { id: sara[1]!.id }, data: { consentRecordedAt: at, consentWithdrawnAt: new Date(at.getTime() + 1) } });
      await db.member.update({ where: { id: sara[2]!.id }, data: { consentRecordedAt: at, removedAt: new Date(at.getTime() + 1) } });
      const statuses = ['proposed', 'accepted', 'declined', 'done', 'cancelled'];
      for (const [g, group] of groups.entries()) {
        await db.agreement.createMany({
          data: Array.from({ length: 40 }, (_, i) => ({ groupId: group.id, responsibleMemberId: sara[g]!.id, what: `Sak ${g}-${i}`, status: statuses[i % 5]!, dueDate: new Date(Date.UTC(2026, 11, 1 + (i % 7))) })),
        });
      }
      const oracle = async (groupId: string | undefined, offset: number, take: number) => {
        const where = { status: { in: ['proposed', 'accepted', 'declined'] }, responsible: { aadObjectId: 'aad-sara', removedAt: null, ...consentedMemberWhere(db), ...(groupId ? { groupId } : {}) } };
        const total = await db.agreement.count({ where });
        const clamped = clampOffset(offset, total, take);
        const agreements = await db.agreement.findMany({ where, include: { group: { select: { id: true, individualAlias: true } } }, orderBy: [{ dueDate: 'asc' }, { id: 'asc' }], skip: clamped, take });
        return { agreements, offset: clamped, total };
      };
      for (const groupId of [undefined, groups[0]!.id, groups[1]!.id]) {
        for (const offset of [0, 10, 20, 400]) {
          const found = await findOpenAgreementsOf(db, 'aad-sara', { groupId, offset, take: 10 });
          expect(found).toEqual(await oracle(groupId, offset, 10));
        }
      }
      // Only the consented, current membership counts: 24 open of group 1's 40.
      expect((await findOpenAgreementsOf(db, 'aad-sara', { offset: 0, take: 10 })).total).toBe(24);
    });

    it('an agreement\'s view in plain SQL reads what Prisma\'s includes did: member, goal, sub-goal, a page of events and their count', async () => {
      const { db } = await open();
      const group = await createResourceGroup(db, setupInput('19:view@thread.tacv2'));
      const sara = await db.member.findFirstOrThrow({ where: { groupId: group.id, aadObjectId: 'aad-sara' } });
      const goal = await db.goal.create({ data: { groupId: group.id, lifeArea: 'housing', text: 'Eget boende', progress: 4, targetDate: new Date('2027-01-31T00:00:00Z'), responsibleMemberId: sara.id } });
      const subGoal = await db.subGoal.create({ data: { goalId: goal.id, text: 'Ansöka om lägenhet', targetDate: new Date('2026-12-20T00:00:00Z') } });
      const linked = await db.agreement.create({ data: { groupId: group.id, responsibleMemberId: sara.id, what: 'Ringa hyresvärden', dueDate: new Date('2026-12-10T00:00:00Z'), goalId: goal.id, subGoalId: subGoal.id } });
      const plain = await db.agreement.create({ data: { groupId: group.id, responsibleMemberId: sara.id, what: 'Boka tid', dueDate: new Date('2026-12-11T00:00:00Z') } });
      await db.agreementEvent.createMany({ data: Array.from({ length: 7 }, (_, i) => ({ agreementId: linked.id, kind: i === 0 ? 'created' : 'due_date_changed', actorMemberId: sara.id, details: i === 0 ? null : '{"from":"a","to":"b"}', createdAt: new Date(Date.UTC(2026, 10, 1 + i)) })) });
      const oracle = async (agreementId: string, offset: number, size: number) => {
        const found = await db.agreement.findFirstOrThrow({
          where: { id: agreementId, groupId: group.id },
          include: { responsible: true, goal: true, subGoal: true, events: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], skip: offset, take: size }, _count: { select: { events: true } } },
        });
        return { ...found, events: found.events.reverse() };
      };
      for (const [id, offset] of [[linked.id, 0], [linked.id, 5], [plain.id, 0]] as const) expect(await findAgreement(db, group.id, id, offset, 5)).toEqual(await oracle(id, offset, 5));
      await expect(findAgreement(db, 'another-group', linked.id)).rejects.toThrow(DomainError);
    });

    it('the plan page in plain SQL reads what Prisma\'s include did: goals in plan order, next open sub-goal, latest updates, first open agreements and their count', async () => {
      const { db } = await open();
      const group = await createResourceGroup(db, setupInput('19:plan-sql@thread.tacv2'));
      const other = await createResourceGroup(db, setupInput('19:plan-other@thread.tacv2'));
      const sara = await db.member.findFirstOrThrow({ where: { groupId: group.id, aadObjectId: 'aad-sara' } });
      const anna = await db.member.findFirstOrThrow({ where: { groupId: group.id, aadObjectId: 'aad-anna' } });
      const day = (d: number) => new Date(Date.UTC(2026, 10, d, 9, 0, 0, 7));
      // Goals in three life areas, created out of order; one without a responsible member; another group's goal.
      const areas = ['health', 'housing', 'work', 'housing', 'other', 'health', 'work'];
      const goals = [];
      for (const [i, lifeArea] of areas.entries()) {
        goals.push(await db.goal.create({ data: { groupId: group.id, lifeArea, text: `Mål ${i}`, createdAt: day(20 - i), responsibleMemberId: i === 2 ? null : i % 2 ? sara.id : anna.id, targetDate: i % 3 ? day(28) : null } }));
      }
      await db.goal.create({ data: { groupId: other.id, lifeArea: 'housing', text: 'Annans mål' } });
      for (const [i, goal] of goals.entries()) {
        // Sub-goals: achieved and ended ones are never next; one without a date; dates out of order.
        await db.subGoal.createMany({
          data: [
            { goalId: goal.id, text: `Klar ${i}`, status: 'achieved', targetDate: day(1) },
            { goalId: goal.id, text: `Avslutad ${i}`, status: 'ended', targetDate: day(2) },
            { goalId: goal.id, text: `Senare ${i}`, targetDate: day(25), createdAt: day(3), responsibleMemberId: sara.id },
            { goalId: goal.id, text: `Tidigare ${i}`, status: 'in_progress', targetDate: day(10 + i), createdAt: day(4), responsibleMemberId: i % 2 ? anna.id : null },
            // Without a date: where it sorts is the database's (first on SQLite, last on PostgreSQL), as it was with Prisma.
            ...(i === 1 ? [{ goalId: goal.id, text: 'Utan datum', createdAt: day(5) }] : []),
          ],
        });
        // 14 updates (two more than shown), one of them the record of a sub-goal added, some without an author.
        await db.goalUpdate.createMany({
          data: Array.from({ length: 14 }, (_, u) => ({
            goalId: goal.id,
            authorMemberId: u % 4 === 0 ? null : u % 2 ? sara.id : anna.id,
            status: u % 3 ? 'in_progress' : null,
            previousStatus: u % 3 ? 'not_started' : null,
            progress: u % 2 ? u % 11 : null,
            comment: u % 5 ? null : `Kommentar ${u}`,
            subGoalId: u === 13 ? 'sub-goal-record' : null,
            createdAt: new Date(day(1).getTime() + (i * 100 + u) * 60_000),
          })),
        });
        // Open agreements (i + 1 of them; three are shown) and closed ones that are not counted.
        await db.agreement.createMany({
          data: [
            ...Array.from({ length: i + 1 }, (_, a) => ({ groupId: group.id, goalId: goal.id, responsibleMemberId: a % 2 ? sara.id : anna.id, what: `Sak ${i}-${a}`, status: ['proposed', 'accepted', 'declined'][a % 3]!, dueDate: day(30 - a) })),
            { groupId: group.id, goalId: goal.id, responsibleMemberId: sara.id, what: `Gjord ${i}`, status: 'done', dueDate: day(1) },
            { groupId: group.id, goalId: goal.id, responsibleMemberId: sara.id, what: `Struken ${i}`, status: 'cancelled', dueDate: day(2) },
          ],
        });
      }
      // The Prisma query findPlanPage was before it was plain SQL.
      const oracle = async (offset: number, size: number) => {
        const order = await db.goal.findMany({ where: { groupId: group.id }, select: { id: true, lifeArea: true, createdAt: true } });
        const area = (lifeArea: string) => ['work', 'housing', 'relations', 'leisure', 'health', 'substance_use', 'finances', 'education', 'other'].indexOf(lifeArea);
        order.sort((a, b) => area(a.lifeArea) - area(b.lifeArea) || a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
        const start = clampOffset(offset, order.length, size);
        const pageIds = order.slice(start, start + size).map((g) => g.id);
        const open = { status: { in: ['proposed', 'accepted', 'declined'] } };
        const found = await db.goal.findMany({
          where: { id: { in: pageIds }, groupId: group.id },
          include: {
            responsible: true,
            subGoals: { where: { status: { notIn: ['achieved', 'ended'] } }, orderBy: [{ targetDate: 'asc' }, { createdAt: 'asc' }], take: 1, include: { responsible: true } },
            updates: { where: { subGoalId: null }, orderBy: { createdAt: 'desc' }, take: 12, include: { author: true } },
            agreements: { where: open, orderBy: { dueDate: 'asc' }, take: 3, include: { responsible: true } },
          },
        });
        const counted = await Promise.all(pageIds.map((id) => db.agreement.count({ where: { goalId: id, ...open } })));
        const byId = new Map(found.map((g) => [g.id, g]));
        return { goals: pageIds.map((id, i) => ({ ...byId.get(id)!, _count: { agreements: counted[i] } })), offset: start, total: order.length };
      };
      for (const [offset, size] of [[0, 3], [3, 3], [6, 3], [400, 3], [0, 10]] as const) {
        const found = await findPlanPage(db, group.id, offset, size);
        expect(found).toEqual(await oracle(offset, size));
      }
      const first = await findPlanPage(db, group.id, 0, 10);
      // What the card shows, spelled out: work first, the oldest goal first within an area, 12 updates, 3 of 7 agreements.
      expect(first.goals.map((g) => g.text)).toEqual(['Mål 6', 'Mål 2', 'Mål 3', 'Mål 1', 'Mål 5', 'Mål 0', 'Mål 4']);
      expect(first.goals[0]!.subGoals.map((s) => s.text)).toEqual(['Tidigare 6']);
      expect(first.goals[0]!.updates).toHaveLength(12);
      expect(first.goals[0]!.agreements.map((a) => a.what)).toEqual(['Sak 6-6', 'Sak 6-5', 'Sak 6-4']);
      expect(first.goals[0]!._count.agreements).toBe(7);
      expect(await findPlanPage(db, other.id, 0, 10)).toMatchObject({ total: 1, goals: [{ text: 'Annans mål', subGoals: [], updates: [], agreements: [], _count: { agreements: 0 } }] });
    });

    it('the member list and a channel post in plain SQL read and write what Prisma did: current members, case manager first, then by name; one post per entity', async () => {
      const { db } = await open();
      const group = await createResourceGroup(db, setupInput('19:members-sql@thread.tacv2'));
      await db.member.createMany({
        data: [
          { groupId: group.id, principal: 'p:0', displayName: 'Örjan Ek', role: 'relative' },
          { groupId: group.id, principal: 'p:1', displayName: 'Bo Ahl', role: 'nurse', consentRecordedAt: new Date('2026-06-01T08:00:00.001Z') },
          { groupId: group.id, principal: 'p:2', displayName: 'Cilla Dahl', role: 'social_worker', removedAt: new Date('2026-06-02T08:00:00Z') },
          { groupId: group.id, principal: 'p:3', displayName: 'Ada Berg', role: 'psychiatrist', isCaseManager: true },
        ],
      });
      const oracle = await db.member.findMany({ where: { groupId: group.id, removedAt: null }, orderBy: [{ isCaseManager: 'desc' }, { displayName: 'asc' }] });
      const listed = await listMembers(db, group.id);
      expect(listed).toEqual(oracle);
      expect(listed.map((m) => m.displayName)).not.toContain('Cilla Dahl');
      expect(listed.filter((m) => m.isCaseManager).map((m) => m.displayName)).toEqual(['Ada Berg', 'Sara Lind']);
      expect(await findChannelPost(db, 'Agreement', 'a1')).toBeNull();
      await saveChannelPost(db, { groupId: group.id, entityType: 'Agreement', entityId: 'a1', conversationId: '19:members-sql@thread.tacv2;messageid=1', activityId: 'act-1' });
      await saveChannelPost(db, { groupId: group.id, entityType: 'Goal', entityId: 'a1', conversationId: '19:members-sql@thread.tacv2', activityId: 'act-2' });
      expect(await findChannelPost(db, 'Agreement', 'a1')).toEqual(await db.channelPost.findUnique({ where: { entityType_entityId: { entityType: 'Agreement', entityId: 'a1' } } }));
      expect(await findChannelPost(db, 'Agreement', 'a1')).toMatchObject({ activityId: 'act-1', conversationId: '19:members-sql@thread.tacv2;messageid=1' });
      // Saved again (a new post after a failed update): replaced in place, the same row, one per entity.
      const first = await db.channelPost.findUniqueOrThrow({ where: { entityType_entityId: { entityType: 'Agreement', entityId: 'a1' } } });
      await saveChannelPost(db, { groupId: group.id, entityType: 'Agreement', entityId: 'a1', conversationId: '19:members-sql@thread.tacv2;messageid=9', activityId: 'act-9' });
      const replaced = await db.channelPost.findUniqueOrThrow({ where: { entityType_entityId: { entityType: 'Agreement', entityId: 'a1' } } });
      expect(replaced).toMatchObject({ id: first.id, groupId: group.id, createdAt: first.createdAt, activityId: 'act-9', conversationId: '19:members-sql@thread.tacv2;messageid=9' });
      expect(replaced.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
      expect(await db.channelPost.count()).toBe(2);
    });

    it('a plain-SQL transaction is all or nothing, and waits for a Prisma transaction that holds the write lock', async () => {
      const { db, sql } = await open();
      const insert = (key: string) => run('INSERT INTO "ProcessedActivity" ("activityId", "processedAt") VALUES (?, ?)', [key, new Date('2026-12-03T08:00:00.000Z')]);
      const keys = async () => (await db.processedActivity.findMany({ orderBy: { activityId: 'asc' } })).map((row) => row.activityId);
      // An error thrown by the work, after two statements: neither stays.
      await expect(
        sql.transaction(function* () {
          yield* insert('a');
          yield* insert('b');
          throw new DomainError('stale_card');
        }),
      ).rejects.toThrow(DomainError);
      expect(await keys()).toEqual([]);
      // A statement the database refuses (a duplicate key), after one that succeeded: neither stays.
      await db.processedActivity.create({ data: { activityId: 'taken' } });
      await expect(
        sql.transaction(function* () {
          yield* insert('c');
          yield* insert('taken');
        }),
      ).rejects.toThrow();
      expect(await keys()).toEqual(['taken']);
      // Committed: the work reads its own writes and returns its result.
      const counted = await sql.transaction(function* () {
        yield* insert('d');
        const changed = yield* run('UPDATE "ProcessedActivity" SET "committedAt" = ? WHERE "activityId" = ?', [new Date('2026-12-03T08:00:01.000Z'), 'd']);
        const rows = yield* all<{ activityId: string }>('SELECT "activityId" FROM "ProcessedActivity" WHERE "committedAt" IS NOT NULL');
        return { changed, rows: rows.map((r) => r.activityId) };
      });
      expect(counted).toEqual({ changed: 1, rows: ['d'] });
      // Prisma's interactive transaction holds the write lock across turns of the event loop (on
      // SQLite); ours waits for it, without blocking the event loop, and commits after it.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const prisma = db.$transaction(async (tx) => {
        await tx.processedActivity.create({ data: { activityId: 'prisma' } });
        await held;
      });
      await new Promise((wake) => setTimeout(wake, 50));
      const ours = sql.transaction(function* () {
        yield* insert('ours');
        return 'committed';
      });
      await new Promise((wake) => setTimeout(wake, 100));
      release();
      await prisma;
      expect(await ours).toBe('committed');
      expect(await keys()).toEqual(['d', 'ours', 'prisma', 'taken']);
    });

    it('the plain-SQL connections outlive the server closing them while idle (a restart or failover), without crashing the process', async () => {
      const { db, sql } = await open();
      await sql.all('SELECT 1 AS "one"');
      if (provider === 'postgresql') {
        // Every other backend of this database: the plain-SQL pool's idle connections among them.
        const closed = await db.$queryRawUnsafe<Array<{ closed: boolean }>>(
          'SELECT pg_terminate_backend(pid) AS "closed" FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        expect(closed.length).toBeGreaterThan(0);
        await new Promise((wake) => setTimeout(wake, 200));
      }
      // An uncaught 'error' from the pool would fail this run; the next statements reconnect.
      expect(await sql.all<{ one: number }>('SELECT 1 AS "one"')).toEqual([{ one: 1 }]);
      expect(await sql.transaction(function* () {
        return (yield* all<{ one: number }>('SELECT 1 AS "one"'))[0]!.one;
      })).toBe(1);
    });

    it('stores and refreshes a conversation reference', async () => {
      const { db } = await open();
      const reference = { conversation: { id: '19:c' }, serviceUrl: 'http://127.0.0.1:1/', bot: { id: '28:b' } };
      await saveConversationReference(db, { conversationId: '19:c', serviceUrl: 'http://127.0.0.1:1/', reference });
      await saveConversationReference(db, { conversationId: '19:c', serviceUrl: 'http://127.0.0.1:2/', reference: { ...reference, serviceUrl: 'http://127.0.0.1:2/' } });
      expect(await db.conversationReference.count()).toBe(1);
      expect(await findConversationReference(db, '19:c')).toMatchObject({ serviceUrl: 'http://127.0.0.1:2/', reference: { serviceUrl: 'http://127.0.0.1:2/' } });
    });

    it('holds the whole data model: goals, agreements with events, follow-ups, crisis-plan versions, board entries', async () => {
      const { db } = await open();
      const group = await createResourceGroup(db, setupInput('19:model'));
      const member = (await findCaseManager(db, group.id))!;
      const goal = await db.goal.create({
        data: { groupId: group.id, lifeArea: 'housing', text: 'Eget boende', responsibleMemberId: member.id, subGoals: { create: [{ text: 'Ansökan', responsibleMemberId: member.id }] } },
      });
      await db.goalUpdate.create({ data: { goalId: goal.id, authorMemberId: member.id, status: 'in_progress', progress: 4 } });
      await db.agreement.create({
        data: { groupId: group.id, responsibleMemberId: member.id, what: 'Ringa FK', dueDate: new Date('2026-12-01'), goalId: goal.id, events: { create: [{ kind: 'created', actorMemberId: member.id }] } },
      });
      await db.followUp.create({ data: { groupId: group.id, kind: 'sip_meeting', startDay: '2026-11-30', time: '09:00', timeZone: 'Europe/Stockholm', recurrence: 'weekly:4' } });
      await db.crisisPlan.create({ data: { groupId: group.id, currentVersion: 1, versions: { create: [{ version: 1, content: '{}', authorMemberId: member.id }] } } });
      await db.boardEntry.create({ data: { groupId: group.id, placedByMemberId: member.id } });
      const loaded = await db.resourceGroup.findUniqueOrThrow({
        where: { id: group.id },
        include: { goals: { include: { subGoals: true, updates: true, agreements: { include: { events: true } } } }, followUps: true, crisisPlan: { include: { versions: true } }, boardEntries: true },
      });
      expect(loaded.goals[0]).toMatchObject({ text: 'Eget boende', status: 'not_started', version: 1, subGoals: [{ text: 'Ansökan' }], updates: [{ progress: 4 }] });
      expect(loaded.goals[0]!.agreements[0]).toMatchObject({ what: 'Ringa FK', status: 'proposed', events: [{ kind: 'created' }] });
      expect(loaded.followUps[0]).toMatchObject({ kind: 'sip_meeting', status: 'active', recurrence: 'weekly:4' });
      expect(loaded.crisisPlan?.versions[0]).toMatchObject({ version: 1 });
      expect(loaded.boardEntries[0]?.removedAt).toBeNull();
      await expect(db.crisisPlanVersion.create({ data: { crisisPlanId: loaded.crisisPlan!.id, version: 1, content: '{}' } })).rejects.toThrow();
    });

    it('adding a sub-goal leaves an entry in the goal\'s history that the trend and "last updated" pass over', async () => {
      const { db } = await open();
      const group = await createResourceGroup(db, setupInput('19:subgoal'));
      const sara = (await findCaseManager(db, group.id))!;
      const actor = { memberId: sara.id, aadObjectId: 'aad-sara' };
      const day = (d: number) => new Date(`2026-11-${d}T10:00:00Z`);
      const goal = await createGoal(db, group.id, { lifeArea: 'housing', text: 'Eget boende', individualAgreed: false }, actor, day(20));
      await updateGoal(db, group.id, { goalId: goal.id, version: 1, status: 'in_progress', progress: 3 }, actor, day(21));
      await updateGoal(db, group.id, { goalId: goal.id, version: 2, status: 'in_progress', progress: 5 }, actor, day(22));
      const subGoal = await createSubGoal(db, group.id, { goalId: goal.id, text: 'Skicka ansökan', responsibleMemberId: sara.id, targetDate: new Date('2026-12-01T00:00:00Z') }, actor, day(23));

      const entries = await db.goalUpdate.findMany({ where: { goalId: goal.id, subGoalId: { not: null } } });
      expect(entries).toMatchObject([{ subGoalId: subGoal.id, authorMemberId: sara.id, previousStatus: null, status: null, progress: null, comment: null, createdAt: day(23) }]);
      expect(await db.goal.findUniqueOrThrow({ where: { id: goal.id } })).toMatchObject({ status: 'in_progress', progress: 5, version: 4 });

      const details = await findGoal(db, group.id, goal.id);
      expect(details.updates.map((u) => u.subGoalText)).toEqual(['Skicka ansökan', null, null, null]);
      expect(details.ratings).toEqual([3, 5]);
      // The plan's "last updated" and trend read the latest status or rating, not the sub-goal.
      const [planned] = (await findPlanPage(db, group.id, 0, 10)).goals;
      expect(planned!.updates.map((u) => u.createdAt)).toEqual([day(22), day(21), day(20)]);
    });

    it('tells whether someone has done agreements where "mina" looks: their groups with consent, or one group', async () => {
      const { db } = await open();
      const group = await createResourceGroup(db, setupInput('19:done-a'));
      const other = await createResourceGroup(db, setupInput('19:done-b'));
      const sara = (await findCaseManager(db, group.id))!;
      const anna = (await db.member.findFirstOrThrow({ where: { groupId: group.id, aadObjectId: 'aad-anna' } }))!;
      const agreement = (responsibleMemberId: string, status: string) =>
        db.agreement.create({ data: { groupId: group.id, responsibleMemberId, what: 'Ringa FK', dueDate: new Date('2026-12-01T00:00:00Z'), status } });
      await agreement(sara.id, 'accepted');
      await agreement(sara.id, 'cancelled');
      expect(await hasDoneAgreementsOf(db, 'aad-sara')).toBe(false);
      await agreement(sara.id, 'done');
      expect(await hasDoneAgreementsOf(db, 'aad-sara')).toBe(true);
      expect(await hasDoneAgreementsOf(db, 'aad-sara', { groupId: group.id })).toBe(true);
      expect(await hasDoneAgreementsOf(db, 'aad-sara', { groupId: other.id })).toBe(false);
      // Anna's consent is not recorded: "mina" shows her nothing of this group, so nothing counts.
      await agreement(anna.id, 'done');
      expect(await hasDoneAgreementsOf(db, 'aad-anna')).toBe(false);
    });

    it('claims groups due for a roster check a batch at a time, each by one process, the never-checked first', async () => {
      const { db } = await open();
      const now = new Date('2026-12-07T10:00:00Z');
      const hourAgo = new Date(now.getTime() - 3_600_000);
      const ids: string[] = [];
      for (let i = 0; i < 45; i++) {
        const conversationId = `19:roster-${String(i).padStart(2, '0')}`;
        ids.push((await createResourceGroup(db, setupInput(conversationId))).id);
        await saveConversationReference(db, { conversationId, serviceUrl: 'http://127.0.0.1/', reference: { conversation: { id: conversationId } } });
      }
      // One was checked two hours ago, one ten minutes ago (not due).
      await db.resourceGroup.update({ where: { id: ids[0] }, data: { rosterCheckedAt: new Date(now.getTime() - 7_200_000) } });
      await db.resourceGroup.update({ where: { id: ids[1] }, data: { rosterCheckedAt: new Date(now.getTime() - 600_000) } });
      const a = await claimRosterChecks(db, hourAgo, now, 20);
      const b = await claimRosterChecks(db, hourAgo, now, 20);
      const c = await claimRosterChecks(db, hourAgo, now, 20);
      expect([a.claimed, b.claimed, c.claimed]).toEqual([20, 20, 4]);
      const claimed = [...a.checks, ...b.checks, ...c.checks].map((x) => x.groupId);
      expect(new Set(claimed).size).toBe(44);
      expect(claimed).not.toContain(ids[1]);
      // The never-checked come first; the one checked two hours ago last.
      expect(claimed.at(-1)).toBe(ids[0]);
      expect(c.checks.at(-1)?.reference.conversationId).toBe('19:roster-00');
      expect(await claimRosterChecks(db, hourAgo, now, 20)).toEqual({ claimed: 0, checks: [] });
    });

    it('prunes turn claims older than the retention a batch at a time, and no newer one', async () => {
      const { db } = await open();
      const old = new Date('2026-12-01T00:00:00Z');
      await db.processedActivity.createMany({ data: Array.from({ length: 1_234 }, (_, i) => ({ activityId: `old-${i}`, processedAt: old, committedAt: old })) });
      await db.processedActivity.create({ data: { activityId: 'new', processedAt: new Date('2026-12-06T00:00:00Z') } });
      expect(await pruneProcessedActivities(db, new Date('2026-12-05T00:00:00Z'), 2)).toBe(1_000);
      expect(await pruneProcessedActivities(db, new Date('2026-12-05T00:00:00Z'))).toBe(234);
      expect((await db.processedActivity.findMany()).map((r) => r.activityId)).toEqual(['new']);
    });

    it.runIf(provider === 'postgresql')('prepares a statement anew when a schema change alters its result type, instead of failing every turn', async () => {
      const { sql } = await open();
      await sql.run('CREATE TABLE "UpgradeProbe" ("id" TEXT PRIMARY KEY, "n" INTEGER)');
      await sql.run('INSERT INTO "UpgradeProbe" ("id", "n") VALUES (?, ?)', ['a', 1]);
      const read = () => sql.all<{ n: unknown }>('SELECT "n" FROM "UpgradeProbe" WHERE "id" = ?', ['a']);
      // Prepared on every pooled connection it used.
      await Promise.all([read(), read(), read(), read()]);
      await sql.run('ALTER TABLE "UpgradeProbe" ALTER COLUMN "n" TYPE TEXT');
      expect(await read()).toEqual([{ n: '1' }]);
      expect(await Promise.all([read(), read(), read(), read()])).toEqual(Array.from({ length: 4 }, () => [{ n: '1' }]));
    });
  });
}
