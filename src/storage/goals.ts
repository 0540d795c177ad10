/**
 * Persistence of the plan: goals, sub-goals and the goal-update history. Goal updates use optimistic
 * concurrency (the goal's version), so two members updating at once never lose an update silently:
 * the second is told the card was stale and sees the current state.
 */
import { OPEN_AGREEMENT_STATUSES } from '../domain/agreements';
import { DomainError } from '../domain/errors';
import { LIFE_AREAS, TREND_LENGTH, type GoalInput, type GoalUpdateInput, type SubGoalInput } from '../domain/plan';
import { recordChange } from './audit';
import type { Db } from './database';
import type { Actor } from './members';
import type { Agreement, Goal, GoalUpdate, Member, SubGoal } from '../generated/sqlite/client';
import { AGREEMENT_ROW, columnsOf, GOAL_ROW, GOAL_UPDATE_ROW, MEMBER_ROW, SUB_GOAL_ROW } from './rows';
import { dateOf, placeholders, rowOf, sqlOf } from './sql';

const HISTORY_LENGTH = 12;

/** How many of a goal's open agreements the plan lists under it (the rest are counted). */
export const PLAN_AGREEMENTS_SHOWN = 3;

/** How many sub-goals the goal view lists (by due date; the rest are counted). */
export const GOAL_SUBGOALS_SHOWN = 20;

/** How many open agreements the goal view lists (by due date; the rest are counted, and in `mina`). */
export const GOAL_AGREEMENTS_SHOWN = 20;

const OPEN_AGREEMENT_WHERE = { status: { in: [...OPEN_AGREEMENT_STATUSES] } };

/**
 * Goal updates that set a status or a rating: every history entry except "added a sub-goal" (which
 * has `subGoalId`). Trends and "last updated" read only these.
 */
const STATUS_OR_RATING_UPDATE = { subGoalId: null };

// Counts are read by their own indexed queries, never as Prisma `_count` in an include: for a count
// with a condition, Prisma aggregates the whole table and joins the result (35 ms a plan page at
// 100,000 agreements, `npm run bench`).

/** A row of a window query, without its rank and count columns. */
function withoutWindow(row: Record<string, unknown>): Record<string, unknown> {
  const { rank: _rank, openCount: _openCount, ...rest } = row;
  return rest;
}

/**
 * One page of a group's plan, in the order the plan card shows it (life area, then oldest goal first),
 * and how many goals there are. Only the page's goals are loaded with their details.
 *
 * Plain SQL (sql.ts), checked against the Prisma include it replaced (the oracle of "the plan page in
 * plain SQL…" in storage.test.ts): the page's goals, and per goal its next open sub-goal, its latest status and rating
 * updates and its first open agreements with their count, each one statement with a window per goal,
 * then the members they name in one more. Prisma took 8 calls and 20 ms a page at scale (`npm run bench`).
 */
export async function findPlanPage(db: Db, groupId: string, offset: number, size: number) {
  const sql = sqlOf(db);
  const order = await sql.all<{ id: string; lifeArea: string; createdAt: unknown }>('SELECT "id", "lifeArea", "createdAt" FROM "Goal" WHERE "groupId" = ?', [groupId]);
  const area = (lifeArea: string) => {
    const index = (LIFE_AREAS as readonly string[]).indexOf(lifeArea);
    return index < 0 ? LIFE_AREAS.length : index;
  };
  const sorted = order
    .map((g) => ({ id: g.id, area: area(g.lifeArea), createdAt: dateOf(g.createdAt).getTime() }))
    .sort((a, b) => a.area - b.area || a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  const start = clampOffset(offset, sorted.length, size);
  // A page's ids: a bounded list (at most `size`), never the whole plan.
  const pageIds = sorted.slice(start, start + size).map((g) => g.id);
  if (pageIds.length === 0) return { goals: [], offset: start, total: sorted.length };
  const ids = placeholders(pageIds.length);
  const open = placeholders(OPEN_AGREEMENT_STATUSES.length);
  const [goalRows, subGoalRows, updateRows, agreementRows] = await Promise.all([
    sql.all(`SELECT ${columnsOf(GOAL_ROW)} FROM "Goal" WHERE "groupId" = ? AND "id" IN ${ids}`, [groupId, ...pageIds]),
    sql.all(
      `SELECT ${columnsOf(SUB_GOAL_ROW)} FROM (SELECT ${columnsOf(SUB_GOAL_ROW, 's')}, ROW_NUMBER() OVER (PARTITION BY "goalId" ORDER BY "targetDate" ASC, "createdAt" ASC, "id" ASC) AS "rank" ` +
        `FROM "SubGoal" s WHERE "goalId" IN ${ids} AND "status" NOT IN ('achieved', 'ended')) ranked WHERE "rank" <= 1`,
      pageIds,
    ),
    sql.all(
      `SELECT ${columnsOf(GOAL_UPDATE_ROW)} FROM (SELECT ${columnsOf(GOAL_UPDATE_ROW, 'u')}, ROW_NUMBER() OVER (PARTITION BY "goalId" ORDER BY "createdAt" DESC, "id" DESC) AS "rank" ` +
        `FROM "GoalUpdate" u WHERE "goalId" IN ${ids} AND "subGoalId" IS NULL) ranked WHERE "rank" <= ? ORDER BY "createdAt" DESC, "id" DESC`,
      [...pageIds, HISTORY_LENGTH],
    ),
    sql.all(
      `SELECT ${columnsOf(AGREEMENT_ROW)}, "openCount" FROM (SELECT ${columnsOf(AGREEMENT_ROW, 'a')}, ROW_NUMBER() OVER (PARTITION BY "goalId" ORDER BY "dueDate" ASC, "id" ASC) AS "rank", COUNT(*) OVER (PARTITION BY "goalId") AS "openCount" ` +
        `FROM "Agreement" a WHERE "goalId" IN ${ids} AND "status" IN ${open}) ranked WHERE "rank" <= ? ORDER BY "dueDate" ASC, "id" ASC`,
      [...pageIds, ...OPEN_AGREEMENT_STATUSES, PLAN_AGREEMENTS_SHOWN],
    ),
  ]);
  const goals = goalRows.map((row) => rowOf<Goal>(row, GOAL_ROW));
  const subGoals = subGoalRows.map((row) => rowOf<SubGoal>(withoutWindow(row), SUB_GOAL_ROW));
  const updates = updateRows.map((row) => rowOf<GoalUpdate>(withoutWindow(row), GOAL_UPDATE_ROW));
  const agreements = agreementRows.map((row) => rowOf<Agreement>(withoutWindow(row), AGREEMENT_ROW));
  const openOf = new Map(agreementRows.map((row) => [row.goalId as string, Number(row.openCount)]));
  const memberIds = [
    ...new Set(
      [...goals.map((g) => g.responsibleMemberId), ...subGoals.map((s) => s.responsibleMemberId), ...updates.map((u) => u.authorMemberId), ...agreements.map((a) => a.responsibleMemberId)].filter(
        (id): id is string => id !== null,
      ),
    ),
  ];
  const memberRows = memberIds.length > 0 ? await sql.all(`SELECT ${columnsOf(MEMBER_ROW)} FROM "Member" WHERE "id" IN ${placeholders(memberIds.length)}`, memberIds) : [];
  const members = new Map(memberRows.map((row) => [row.id as string, rowOf<Member>(row, MEMBER_ROW)]));
  const member = (id: string | null) => (id === null ? null : (members.get(id) ?? null));
  const of = <T extends { goalId: string | null }>(rows: T[], goalId: string) => rows.filter((row) => row.goalId === goalId);
  const byId = new Map(
    goals.map((g) => [
      g.id,
      {
        ...g,
        responsible: member(g.responsibleMemberId),
        subGoals: of(subGoals, g.id).map((s) => ({ ...s, responsible: member(s.responsibleMemberId) })),
        updates: of(updates, g.id).map((u) => ({ ...u, author: member(u.authorMemberId) })),
        agreements: of(agreements, g.id).map((a) => ({ ...a, responsible: member(a.responsibleMemberId)! })),
        _count: { agreements: openOf.get(g.id) ?? 0 },
      },
    ]),
  );
  return { goals: pageIds.flatMap((id) => byId.get(id) ?? []), offset: start, total: sorted.length };
}

export type PlanGoal = Awaited<ReturnType<typeof findPlanPage>>['goals'][number];

/** An offset inside the list: past the end means the last page. */
export function clampOffset(offset: number, total: number, size: number): number {
  if (offset < total) return offset;
  return total === 0 ? 0 : Math.floor((total - 1) / size) * size;
}

/** What the goal view shows: sub-goals by due date, one page of the history (newest first), and the counts. */
function goalViewDetails(historyOffset: number, historySize: number) {
  return {
    responsible: true,
    subGoals: { orderBy: [{ targetDate: 'asc' as const }, { createdAt: 'asc' as const }], take: GOAL_SUBGOALS_SHOWN, include: { responsible: true } },
    updates: { orderBy: [{ createdAt: 'desc' as const }, { id: 'desc' as const }], skip: historyOffset, take: historySize, include: { author: true } },
    agreements: { where: OPEN_AGREEMENT_WHERE, orderBy: [{ dueDate: 'asc' as const }, { id: 'asc' as const }], take: GOAL_AGREEMENTS_SHOWN, include: { responsible: true } },
  };
}

/**
 * One goal of the group with its sub-goals, its open agreements and a page of its history (newest
 * first; an entry that added a sub-goal carries that sub-goal's text), plus the latest ratings for its
 * trend; not_found for another group's goal or an unknown id.
 */
export async function findGoal(db: Db, groupId: string, goalId: string, historyOffset = 0, historySize = HISTORY_LENGTH) {
  const found = await db.goal.findFirst({ where: { id: goalId, groupId }, include: goalViewDetails(historyOffset, historySize) });
  if (!found) throw new DomainError('not_found');
  const [subGoals, updates, agreements] = await Promise.all([
    db.subGoal.count({ where: { goalId } }),
    db.goalUpdate.count({ where: { goalId } }),
    db.agreement.count({ where: { goalId, ...OPEN_AGREEMENT_WHERE } }),
  ]);
  const goal = { ...found, _count: { subGoals, updates, agreements } };
  const rated = await db.goalUpdate.findMany({
    where: { goalId: goal.id, ...STATUS_OR_RATING_UPDATE, progress: { not: null } },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: TREND_LENGTH,
    select: { progress: true },
  });
  // A page's sub-goal ids: at most historySize.
  const addedIds = goal.updates.flatMap((u) => (u.subGoalId ? [u.subGoalId] : []));
  const added = addedIds.length === 0 ? [] : await db.subGoal.findMany({ where: { id: { in: addedIds }, goalId: goal.id }, select: { id: true, text: true } });
  const addedText = new Map(added.map((s) => [s.id, s.text]));
  return {
    ...goal,
    updates: goal.updates.map((u) => ({ ...u, subGoalText: u.subGoalId ? (addedText.get(u.subGoalId) ?? null) : null })),
    ratings: rated.map((u) => u.progress!).reverse(),
  };
}

export type GoalDetails = Awaited<ReturnType<typeof findGoal>>;

/** Whether the goal belongs to the group (to validate a submitted goal id against). */
export async function isGoalOfGroup(db: Db, groupId: string, goalId: string): Promise<boolean> {
  if (!goalId) return false;
  return (await db.goal.count({ where: { id: goalId, groupId } })) === 1;
}

/** What the goal-update form needs of a goal. */
const GOAL_FOR_UPDATE = { id: true, text: true, version: true, status: true, progress: true } as const;

/** A goal of the group with what the goal-update form needs, or undefined. */
export function findGoalForUpdate(db: Db, groupId: string, goalId: string) {
  return db.goal.findFirst({ where: { id: goalId, groupId }, select: GOAL_FOR_UPDATE });
}

/** How many goal ids from submitted card data one query takes at most (a form offers fewer). */
const SUBMITTED_IDS_MAX = 50;

/** Goals of the group named in a submitted form (its `versions`), bounded: card data is not trusted to be small. */
export function findGoalsForUpdate(db: Db, groupId: string, goalIds: readonly string[]) {
  return db.goal.findMany({
    where: { groupId, id: { in: goalIds.slice(0, SUBMITTED_IDS_MAX) } },
    orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
    select: GOAL_FOR_UPDATE,
  });
}

/**
 * The goals a pick list offers without searching: the most recently changed first, at most `take`.
 * Any other goal is found by the typeahead search.
 */
export function findRecentGoals(db: Db, groupId: string, take: number) {
  return db.goal.findMany({
    where: { groupId },
    orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
    take,
    select: GOAL_FOR_UPDATE,
  });
}

/** How many rows a search reads at a time while it looks for matches. */
const SEARCH_BATCH = 200;

/**
 * The group's goals whose text contains `query` (case-insensitive, in any language), newest first, at
 * most `limit`. Matching is done here rather than in SQL because SQLite's LIKE folds only ASCII case.
 */
export async function searchGoals(db: Db, groupId: string, query: string, limit: number) {
  return searchInBatches(limit, query, (skip) =>
    db.goal.findMany({ where: { groupId }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], skip, take: SEARCH_BATCH, select: { id: true, text: true } }),
  );
}

/** The group's goals and sub-goals whose text contains `query`, newest first, at most `limit`. */
export async function searchGoalsAndSubGoals(db: Db, groupId: string, query: string, limit: number) {
  const goals = await searchGoals(db, groupId, query, limit);
  const subGoals = await searchInBatches(limit, query, (skip) =>
    db.subGoal.findMany({ where: { goal: { groupId } }, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], skip, take: SEARCH_BATCH, select: { id: true, text: true, goalId: true } }),
  );
  return { goals, subGoals };
}

async function searchInBatches<T extends { text: string }>(limit: number, query: string, read: (skip: number) => Promise<T[]>): Promise<T[]> {
  const needle = query.trim().toLocaleLowerCase();
  const found: T[] = [];
  for (let skip = 0; found.length < limit; skip += SEARCH_BATCH) {
    const batch = await read(skip);
    for (const row of batch) {
      if (found.length < limit && row.text.toLocaleLowerCase().includes(needle)) found.push(row);
    }
    if (batch.length < SEARCH_BATCH) break;
  }
  return found;
}

/** A goal or sub-goal link ("goal:<id>" / "subgoal:<id>") of the group, resolved, or undefined. */
export async function resolvePlanLink(db: Db, groupId: string, link: string): Promise<{ goalId: string; subGoalId?: string; text: string } | undefined> {
  const [kind, id] = link.split(':');
  if (!id) return undefined;
  if (kind === 'goal') {
    const goal = await db.goal.findFirst({ where: { id, groupId }, select: { id: true, text: true } });
    return goal ? { goalId: goal.id, text: goal.text } : undefined;
  }
  if (kind === 'subgoal') {
    const sub = await db.subGoal.findFirst({ where: { id, goal: { groupId } }, select: { goalId: true, text: true } });
    return sub ? { goalId: sub.goalId, subGoalId: id, text: sub.text } : undefined;
  }
  return undefined;
}

/** The goals and sub-goals a link pick list offers without searching: the most recently changed. */
export async function findRecentPlanLinks(db: Db, groupId: string, take: number) {
  const goals = await db.goal.findMany({ where: { groupId }, orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }], take, select: { id: true, text: true } });
  const subGoals = await db.subGoal.findMany({
    where: { goal: { groupId }, status: { notIn: ['achieved', 'ended'] } },
    orderBy: [{ updatedAt: 'desc' }, { id: 'asc' }],
    take,
    select: { id: true, text: true },
  });
  return { goals, subGoals };
}

/** Creates a goal with its first history entry, audited. */
export async function createGoal(db: Db, groupId: string, input: GoalInput, actor: Actor, now: Date) {
  return db.$transaction(async (tx) => {
    const goal = await tx.goal.create({
      data: {
        groupId,
        lifeArea: input.lifeArea,
        text: input.text,
        responsibleMemberId: input.responsibleMemberId ?? null,
        targetDate: input.targetDate ?? null,
        individualAgreedAt: input.individualAgreed ? now : null,
        createdByMemberId: actor.memberId,
        createdAt: now,
        updates: { create: [{ authorMemberId: actor.memberId, status: 'not_started', createdAt: now }] },
      },
    });
    await recordChange(tx, 'goal.create', groupId, actor, 'Goal', goal.id, now);
    return goal;
  });
}

/**
 * Adds a sub-goal to a goal of the group, with an entry in the goal's history (status and rating
 * unchanged), bumping the goal's version so open cards refresh.
 */
export async function createSubGoal(db: Db, groupId: string, input: SubGoalInput, actor: Actor, now: Date) {
  return db.$transaction(async (tx) => {
    const goal = await tx.goal.findFirst({ where: { id: input.goalId, groupId } });
    if (!goal) throw new DomainError('not_found');
    const subGoal = await tx.subGoal.create({
      data: { goalId: goal.id, text: input.text, responsibleMemberId: input.responsibleMemberId, targetDate: input.targetDate, createdAt: now },
    });
    await tx.goalUpdate.create({ data: { goalId: goal.id, authorMemberId: actor.memberId, subGoalId: subGoal.id, createdAt: now } });
    await tx.goal.update({ where: { id: goal.id }, data: { version: { increment: 1 } } });
    await recordChange(tx, 'subgoal.create', groupId, actor, 'SubGoal', subGoal.id, now);
    return subGoal;
  });
}

/**
 * Records a goal update: the history entry and the goal's new status and progress, only if the goal is
 * still at the version the member's card showed. Throws DomainError('stale_card') otherwise.
 */
export async function updateGoal(db: Db, groupId: string, input: GoalUpdateInput, actor: Actor, now: Date) {
  return db.$transaction(async (tx) => {
    const goal = await tx.goal.findFirst({ where: { id: input.goalId, groupId } });
    if (!goal) throw new DomainError('not_found');
    // The guarded update claims the version: of two concurrent updates from the same version, one matches.
    const claimed = await tx.goal.updateMany({
      where: { id: goal.id, version: input.version },
      data: { status: input.status, progress: input.progress ?? goal.progress, version: { increment: 1 } },
    });
    if (claimed.count !== 1) throw new DomainError('stale_card');
    const update = await tx.goalUpdate.create({
      data: {
        goalId: goal.id,
        authorMemberId: actor.memberId,
        previousStatus: goal.status,
        status: input.status,
        progress: input.progress ?? null,
        comment: input.comment ?? null,
        createdAt: now,
      },
    });
    await recordChange(tx, 'goal.update', groupId, actor, 'Goal', goal.id, now);
    return update;
  });
}
