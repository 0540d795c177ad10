import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_ALIAS, loadDemoGroup, readPlaygroundConfig } from '../scripts/demo';
import { MEMBER_ROLES, PRINCIPALS } from '../src/domain/members';
import { AGREEMENT_STATUSES, GOAL_STATUSES, LIFE_AREAS } from '../src/domain/plan';
import { openDatabase, type Database } from '../src/storage/database';
import { createTestDatabaseUrl, type TestDatabase } from './support/databases';

describe('npm run demo', () => {
  let testDb: TestDatabase;
  let database: Database;
  afterEach(async () => {
    await database?.close();
    await testDb?.drop();
  });

  it('loads a fictional group bound to the Playground channel, with a living plan, once', async () => {
    testDb = await createTestDatabaseUrl('sqlite');
    database = await openDatabase(testDb.url);
    const playground = readPlaygroundConfig();
    const now = new Date('2026-11-23T09:00:00Z');
    const groupId = await loadDemoGroup(database.db, playground, { reset: false, now });
    expect(groupId).toBeDefined();

    const group = await database.db.resourceGroup.findUniqueOrThrow({
      where: { id: groupId },
      include: { members: true, goals: { include: { subGoals: true, updates: true } }, agreements: { include: { events: true } }, followUps: true, crisisPlan: true },
    });
    expect(group).toMatchObject({ conversationId: playground.team.channels[0]!.id, individualAlias: DEMO_ALIAS, caseManagementModel: 'IP' });
    expect(group.members).toHaveLength(playground.users.length + 2);
    expect(group.members.filter((m) => m.isCaseManager).map((m) => m.aadObjectId)).toEqual([playground.currentUser.aadObjectId]);
    for (const member of group.members) {
      expect(MEMBER_ROLES).toContain(member.role);
      expect(PRINCIPALS).toContain(member.principal);
    }
    expect(group.goals.length).toBeGreaterThanOrEqual(3);
    for (const goal of group.goals) {
      expect(LIFE_AREAS).toContain(goal.lifeArea);
      expect(GOAL_STATUSES).toContain(goal.status);
    }
    expect(group.goals.find((g) => g.lifeArea === 'housing')?.updates).toHaveLength(3);
    for (const agreement of group.agreements) expect(AGREEMENT_STATUSES).toContain(agreement.status);
    expect(group.agreements.every((a) => a.events.some((e) => e.kind === 'created'))).toBe(true);
    expect(group.crisisPlan?.currentVersion).toBe(1);
    // The monthly meeting is scheduled from its next occurrence (the first Tuesday of December, 09:00 Stockholm).
    expect(group.followUps).toEqual([expect.objectContaining({ kind: 'group_meeting', status: 'active', nextDay: '2026-12-01', recurrence: 'monthly:1:2' })]);
    expect(group.followUps[0]!.nextAt?.toISOString()).toBe('2026-12-01T08:00:00.000Z');

    expect(await loadDemoGroup(database.db, playground, { reset: false, now })).toBeUndefined();
    const again = await loadDemoGroup(database.db, playground, { reset: true, now });
    expect(again).not.toBe(groupId);
    expect(await database.db.resourceGroup.count()).toBe(1);
  });
});
