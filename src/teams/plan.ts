import type { TurnContext } from 'botbuilder';
import { formValue, isoDay } from '../cards/format';
import { goalCard, goalFormCard, goalUpdateFormCard, planCard, subGoalFormCard } from '../cards/plan';
import { isDomainError } from '../domain/errors';
import { integerField, todayIn } from '../domain/forms';
import { validateGoalInput, validateGoalUpdate, validateSubGoalInput } from '../domain/plan';
import { translate } from '../locales';
import { createGoal, createSubGoal, findGoal, findPlan, goalIdsOf, updateGoal } from '../storage/goals';
import type { BotDeps, Feature } from './feature';
import { announceChange, auditRead, consentedTeamsUserIds, groupLocale, memberChoices, postShell, requireGroupAccess, type GroupTurn } from './group-context';

/**
 * `plan`, `nytt mål` / `new goal`: the plan's goals and sub-goals, goal updates with history and trend.
 * Views are user-specific (returned to an Action.Execute from a member with consent); what is posted
 * into the conversation is a neutral shell.
 */
export function planFeature(deps: BotDeps): Feature {
  const { db, logger, now } = deps;

  const today = (turn: GroupTurn) => todayIn(turn.group.timeZone, now());

  async function planView(turn: GroupTurn) {
    const goals = await findPlan(db, turn.group.id);
    await auditRead(db, turn, 'plan.read', 'ResourceGroup', turn.group.id);
    return planCard(turn.locale, goals, {
      alias: turn.group.individualAlias,
      timeZone: turn.group.timeZone,
      userIds: await consentedTeamsUserIds(db, turn.group.id),
    });
  }

  async function goalView(turn: GroupTurn, goalId: string, notice?: { text: string; color: 'Good' | 'Warning' }) {
    const goal = await findGoal(db, turn.group.id, goalId);
    await auditRead(db, turn, 'goal.read', 'Goal', goal.id);
    return goalCard(turn.locale, goal, {
      timeZone: turn.group.timeZone,
      userIds: await consentedTeamsUserIds(db, turn.group.id),
      notice: notice?.text,
      noticeColor: notice?.color,
    });
  }

  async function updateFormGoals(groupId: string, goalId?: string) {
    const goals = await db.goal.findMany({ where: goalId ? { groupId, id: goalId } : { groupId }, orderBy: { createdAt: 'asc' } });
    return goals.map((g) => ({ id: g.id, text: g.text, version: g.version, status: g.status, progress: g.progress }));
  }

  /** Tells everyone in the conversation that the plan changed, without saying what. */
  async function announce(context: TurnContext, turn: GroupTurn, titleKey: 'shell.goalCreated.title' | 'shell.goalUpdated.title', goalId: string) {
    await announceChange(context, groupLocale(turn.group), {
      titleKey,
      byName: turn.member.displayName,
      verb: 'goalShow',
      data: { goalId },
      userIds: await consentedTeamsUserIds(db, turn.group.id),
    }, logger);
  }

  return {
    name: 'plan',
    commands: {
      plan: async (context) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'plan.read');
        await postShell(context, turn.locale, { titleKey: 'shell.plan.title', verb: 'planShow', userIds: await consentedTeamsUserIds(db, turn.group.id) });
      },
      newGoal: async (context) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'goal.create');
        // Only the person who asked gets the form by refresh; anyone else pressing "Show" is checked.
        await postShell(context, turn.locale, { titleKey: 'shell.goalNew.title', verb: 'goalNewForm', userIds: [turn.caller.teamsUserId] });
      },
    },
    actions: {
      planShow: async (context) => planView(await requireGroupAccess(db, context, 'consented', 'plan.read')),

      goalShow: async (context, data) => goalView(await requireGroupAccess(db, context, 'consented', 'goal.read'), formValue(data.goalId)),

      goalNewForm: async (context) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'goal.create');
        return goalFormCard(turn.locale, await memberChoices(db, turn.group.id), isoDay(today(turn)));
      },

      goalCreate: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'goal.create');
        const members = await memberChoices(db, turn.group.id);
        const validation = validateGoalInput(data, members.map((m) => m.id), today(turn));
        if (!validation.ok) return goalFormCard(turn.locale, members, isoDay(today(turn)), data, validation.fieldErrors);
        const goal = await createGoal(db, turn.group.id, validation.value, turn.actor, now());
        logger.info('goal.created', { groupId: turn.group.id, goalId: goal.id });
        await announce(context, turn, 'shell.goalCreated.title', goal.id);
        return goalView(turn, goal.id, { text: translate(turn.locale, 'plan.goalCreated'), color: 'Good' });
      },

      subGoalNewForm: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'subgoal.create');
        const goals = (await updateFormGoals(turn.group.id)).map((g) => ({ id: g.id, text: g.text }));
        return subGoalFormCard(turn.locale, goals, await memberChoices(db, turn.group.id), isoDay(today(turn)), { goalId: data.goalId });
      },

      subGoalCreate: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'subgoal.create');
        const goals = (await updateFormGoals(turn.group.id)).map((g) => ({ id: g.id, text: g.text }));
        const members = await memberChoices(db, turn.group.id);
        const validation = validateSubGoalInput(data, goals.map((g) => g.id), members.map((m) => m.id), today(turn));
        if (!validation.ok) return subGoalFormCard(turn.locale, goals, members, isoDay(today(turn)), data, validation.fieldErrors);
        await createSubGoal(db, turn.group.id, validation.value, turn.actor, now());
        logger.info('subgoal.created', { groupId: turn.group.id, goalId: validation.value.goalId });
        return goalView(turn, validation.value.goalId, { text: translate(turn.locale, 'plan.subGoalCreated'), color: 'Good' });
      },

      goalUpdateForm: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'goal.update');
        const goalId = formValue(data.goalId) || undefined;
        const goals = await updateFormGoals(turn.group.id, goalId);
        if (goalId && goals.length === 0) return goalView(turn, goalId); // not this group's goal: not_found
        return goalUpdateFormCard(turn.locale, goals, { goalId });
      },

      goalUpdate: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'goal.update');
        const goalId = formValue(data.goalId);
        const versions = (data.versions && typeof data.versions === 'object' ? data.versions : {}) as Record<string, unknown>;
        const submitted = { ...data, version: versions[goalId] };
        const validation = validateGoalUpdate(submitted, await goalIdsOf(db, turn.group.id));
        if (!validation.ok) {
          // Show the same form again: the goals it offered, at the versions it was made from, so that a
          // correction cannot overwrite an update someone else saved in between.
          const offered = (await updateFormGoals(turn.group.id)).filter((g) => g.id in versions);
          const asSubmitted = offered.map((g) => ({ ...g, version: integerField(versions[g.id], 1, Number.MAX_SAFE_INTEGER) ?? 0 }));
          return goalUpdateFormCard(turn.locale, asSubmitted, data, validation.fieldErrors);
        }
        try {
          await updateGoal(db, turn.group.id, validation.value, turn.actor, now());
        } catch (error) {
          if (isDomainError(error) && error.code === 'stale_card') {
            logger.info('goal.update.stale', { groupId: turn.group.id, goalId });
            return goalView(turn, goalId, { text: translate(turn.locale, 'error.stale_card'), color: 'Warning' });
          }
          throw error;
        }
        logger.info('goal.updated', { groupId: turn.group.id, goalId });
        await announce(context, turn, 'shell.goalUpdated.title', goalId);
        return goalView(turn, goalId, { text: translate(turn.locale, 'plan.goalUpdated'), color: 'Good' });
      },
    },
  };
}
