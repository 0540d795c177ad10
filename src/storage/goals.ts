/**
 * Persistence of the plan: goals, sub-goals and the goal-update history. Goal updates use optimistic
 * concurrency (the goal's version), so two members updating at once never lose an update silently:
 * the second is told the card was stale and sees the current state.
 */
import { OPEN_AGREEMENT_STATUSES } from '../domain/agreements';
import { DomainError } from '../domain/errors';
import type { GoalInput, GoalUpdateInput, SubGoalInput } from '../domain/plan';
import { recordChange } from './audit';
import type { Db } from './database';
import type { Actor } from './members';

const HISTORY_LENGTH = 12;

/** What a goal card shows: the responsible member, sub-goals by due date, the newest history entries. */
const GOAL_DETAILS = {
  responsible: true,
  subGoals: { orderBy: [{ targetDate: 'asc' as const }, { createdAt: 'asc' as const }], include: { responsible: true } },
  updates: { orderBy: { createdAt: 'desc' as const }, take: HISTORY_LENGTH, include: { author: true } },
  agreements: { where: { status: { in: [...OPEN_AGREEMENT_STATUSES] } }, orderBy: { dueDate: 'asc' as const }, include: { responsible: true } },
};

/** The whole plan of a group: goals with sub-goals, responsible members and recent updates. */
export function findPlan(db: Db, groupId: string) {
  return db.goal.findMany({
    where: { groupId },
    orderBy: [{ lifeArea: 'asc' }, { createdAt: 'asc' }],
    include: GOAL_DETAILS,
  });
}

export type PlanGoal = Awaited<ReturnType<typeof findPlan>>[number];

/** One goal of the group with its sub-goals and history; not_found for another group's goal or an unknown id. */
export async function findGoal(db: Db, groupId: string, goalId: string): Promise<PlanGoal> {
  const goal = await db.goal.findFirst({
    where: { id: goalId, groupId },
    include: GOAL_DETAILS,
  });
  if (!goal) throw new DomainError('not_found');
  return goal;
}

/** The ids of the group's goals (to validate a submitted goal id against). */
export async function goalIdsOf(db: Db, groupId: string): Promise<string[]> {
  return (await db.goal.findMany({ where: { groupId }, select: { id: true } })).map((g) => g.id);
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

/** Adds a sub-goal to a goal of the group, bumping the goal's version so open cards refresh. */
export async function createSubGoal(db: Db, groupId: string, input: SubGoalInput, actor: Actor, now: Date) {
  return db.$transaction(async (tx) => {
    const goal = await tx.goal.findFirst({ where: { id: input.goalId, groupId } });
    if (!goal) throw new DomainError('not_found');
    const subGoal = await tx.subGoal.create({
      data: { goalId: goal.id, text: input.text, responsibleMemberId: input.responsibleMemberId, targetDate: input.targetDate, createdAt: now },
    });
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
