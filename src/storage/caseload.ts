/**
 * The caseload: the groups a person coordinates as case manager, and the groups they belong to with
 * their own open and overdue agreements ("mina grupper"). Membership is part of each query (a join), so
 * a member of a thousand groups costs no list of ids.
 */
import { OPEN_AGREEMENT_STATUSES } from '../domain/agreements';
import { todayIn } from '../domain/forms';
import { clampOffset } from './goals';
import type { Db } from './database';
import { consentedMemberWhere } from './members';

/** A person as the bot knows them across groups: the Entra object id, else the Teams user id. */
export interface PersonIdentity {
  aadObjectId?: string | null;
  teamsUserId?: string | null;
}

/** The member condition that matches a person in any group, or undefined for a contact without either id. */
function personWhere(person: PersonIdentity) {
  const or = [
    ...(person.aadObjectId ? [{ aadObjectId: person.aadObjectId }] : []),
    ...(person.teamsUserId ? [{ teamsUserId: person.teamsUserId }] : []),
  ];
  return or.length > 0 ? { OR: or } : undefined;
}

/**
 * How many groups a person coordinates now: groups where they are the current case manager (a member,
 * not removed, flagged as case manager). Undefined for a contact without a Teams account, who cannot be
 * recognised in another group.
 *
 * @example
 *   await countCoordinatedGroups(db, { aadObjectId: caseManager.aadObjectId, teamsUserId: caseManager.teamsUserId }) // 21
 */
export async function countCoordinatedGroups(db: Db, person: PersonIdentity): Promise<number | undefined> {
  const who = personWhere(person);
  if (!who) return undefined;
  return db.resourceGroup.count({ where: { members: { some: { isCaseManager: true, removedAt: null, ...who } } } });
}

/**
 * One page of the groups a person belongs to (current member), the ones they coordinate first, then by
 * alias; with how many they belong to and coordinate, and for each membership with consent how many of
 * their agreements are open and overdue (overdue: due before today in the group's time zone).
 */
export async function findMyGroupsPage(db: Db, aadObjectId: string, page: { offset: number; take: number }, now: Date) {
  const mine = { aadObjectId, removedAt: null };
  const [belonging, coordinating, coordinatingWithLimit] = await Promise.all([
    db.member.count({ where: mine }),
    db.member.count({ where: { ...mine, isCaseManager: true } }),
    db.member.count({ where: { ...mine, isCaseManager: true, group: { caseManagementModel: 'STRENGTHS' } } }),
  ]);
  const offset = clampOffset(page.offset, belonging, page.take);
  const memberships = await db.member.findMany({
    where: mine,
    select: {
      id: true,
      role: true,
      isCaseManager: true,
      consentRecordedAt: true,
      consentWithdrawnAt: true,
      group: { select: { id: true, individualAlias: true, caseManagementModel: true, timeZone: true } },
    },
    orderBy: [{ isCaseManager: 'desc' }, { group: { individualAlias: 'asc' } }, { id: 'asc' }],
    skip: offset,
    take: page.take,
  });
  // Counts only where the individual's consent stands, as "mina" shows agreements.
  const consented = await db.member.findMany({
    where: { id: { in: memberships.map((m) => m.id) }, ...consentedMemberWhere(db) },
    select: { id: true },
  });
  const consentedIds = new Set(consented.map((m) => m.id));
  const open = { status: { in: [...OPEN_AGREEMENT_STATUSES] } };
  const openCounts = await db.agreement.groupBy({
    by: ['responsibleMemberId'],
    where: { ...open, responsibleMemberId: { in: [...consentedIds] } },
    _count: { _all: true },
  });
  // "Today" is the group's own day: one query per time zone on the page (nearly always one).
  const overdueCounts = new Map<string, number>();
  for (const timeZone of new Set(memberships.map((m) => m.group.timeZone))) {
    const ids = memberships.filter((m) => m.group.timeZone === timeZone && consentedIds.has(m.id)).map((m) => m.id);
    if (ids.length === 0) continue;
    const rows = await db.agreement.groupBy({
      by: ['responsibleMemberId'],
      where: { ...open, responsibleMemberId: { in: ids }, dueDate: { lt: todayIn(timeZone, now) } },
      _count: { _all: true },
    });
    for (const row of rows) overdueCounts.set(row.responsibleMemberId, row._count._all);
  }
  const openOf = new Map(openCounts.map((row) => [row.responsibleMemberId, row._count._all]));
  return {
    belonging,
    coordinating,
    coordinatingWithLimit,
    offset,
    groups: memberships.map((m) => ({
      groupId: m.group.id,
      alias: m.group.individualAlias,
      model: m.group.caseManagementModel,
      role: m.role,
      isCaseManager: m.isCaseManager,
      consented: consentedIds.has(m.id),
      open: openOf.get(m.id) ?? 0,
      overdue: overdueCounts.get(m.id) ?? 0,
    })),
  };
}

export type MyGroupsPage = Awaited<ReturnType<typeof findMyGroupsPage>>;
export type MyGroup = MyGroupsPage['groups'][number];
