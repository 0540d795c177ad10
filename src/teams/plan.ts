import type { TurnContext } from 'botbuilder';
import { formValue, isoDay } from '../cards/format';
import { goalCard, goalFormCard, goalUpdateFormCard, planCard, subGoalFormCard } from '../cards/plan';
import { isDomainError } from '../domain/errors';
import { integerField, todayIn } from '../domain/forms';
import { validateGoalInput, validateGoalUpdate, validateSubGoalInput } from '../domain/plan';
import { translate } from '../locales';
import { offsetOf, PAGE_SIZES, shorten, STATIC_CHOICES } from '../cards/paging';
import {
  createGoal,
  createSubGoal,
  findGoal,
  findGoalForUpdate,
  findGoalsForUpdate,
  findPlanPage,
  findRecentGoals,
  isGoalOfGroup,
  searchGoals,
  updateGoal,
} from '../storage/goals';
import type { BotDeps, Feature } from './feature';
import { announce, auditRead, consentedTeamsUserIds, memberChoices, postShell, requireGroupAccess, type GroupTurn } from './group-context';

/**
 * `plan`, `nytt mål` / `new goal`: the plan's goals and sub-goals, goal updates with history and trend.
 * Views are user-specific (returned to an Action.Execute from a member with consent); what is posted
 * into the conversation is a neutral shell.
 */
export function planFeature(deps: BotDeps): Feature {
  const { db, logger, now } = deps;

  const today = (turn: GroupTurn) => todayIn(turn.group.timeZone, now());

  async function planView(turn: GroupTurn, offset = 0) {
    const page = await findPlanPage(db, turn.group.id, offset, PAGE_SIZES.plan);
    await auditRead(db, turn, 'plan.read', 'ResourceGroup', turn.group.id);
    return planCard(turn.locale, page.goals, {
      alias: turn.group.individualAlias,
      timeZone: turn.group.timeZone,
      userIds: await consentedTeamsUserIds(db, turn.group.id),
      offset: page.offset,
      total: page.total,
    });
  }

  async function goalView(turn: GroupTurn, goalId: string, notice?: { text: string; color: 'Good' | 'Warning' }, historyOffset = 0) {
    const goal = await findGoal(db, turn.group.id, goalId, historyOffset, PAGE_SIZES.goalHistory);
    await auditRead(db, turn, 'goal.read', 'Goal', goal.id);
    return goalCard(turn.locale, goal, {
      timeZone: turn.group.timeZone,
      userIds: await consentedTeamsUserIds(db, turn.group.id),
      notice: notice?.text,
      noticeColor: notice?.color,
      historyOffset,
    });
  }

  /**
   * The goals a goal pick list offers in the card: the one asked for, or the most recently changed
   * (with `include` added when it is not among them, so a preselected goal is always a choice). The
   * typeahead search finds every other goal.
   */
  async function offeredGoals(groupId: string, options: { only?: string; include?: string } = {}) {
    if (options.only) {
      const goal = await findGoalForUpdate(db, groupId, options.only);
      return goal ? [goal] : [];
    }
    const goals = await findRecentGoals(db, groupId, STATIC_CHOICES);
    if (options.include && !goals.some((g) => g.id === options.include)) {
      const extra = await findGoalForUpdate(db, groupId, options.include);
      if (extra) goals.push(extra);
    }
    return goals.map((g) => ({ ...g, text: shorten(g.text) }));
  }

  /** Tells the group that a goal is new (a new post) or changed (its post updated in place), without saying what. */
  const announceGoal = (context: TurnContext, turn: GroupTurn, goalId: string, kind: 'new' | 'update') =>
    announce(deps, context, turn, {
      entity: { type: 'Goal', id: goalId },
      titleKey: kind === 'new' ? 'shell.goalCreated.title' : 'shell.goalUpdated.title',
      verb: 'goalShow',
      data: { goalId },
      kind,
    });

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
      planShow: async (context, data) => planView(await requireGroupAccess(db, context, 'consented', 'plan.read'), offsetOf(data.offset)),

      goalShow: async (context, data) =>
        goalView(await requireGroupAccess(db, context, 'consented', 'goal.read'), formValue(data.goalId), undefined, offsetOf(data.offset)),

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
        await announceGoal(context, turn, goal.id, 'new');
        return goalView(turn, goal.id, { text: translate(turn.locale, 'plan.goalCreated'), color: 'Good' });
      },

      subGoalNewForm: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'subgoal.create');
        const goals = (await offeredGoals(turn.group.id, { include: formValue(data.goalId) })).map((g) => ({ id: g.id, text: g.text }));
        return subGoalFormCard(turn.locale, goals, await memberChoices(db, turn.group.id), isoDay(today(turn)), { goalId: data.goalId });
      },

      subGoalCreate: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'subgoal.create');
        const goalId = formValue(data.goalId);
        const members = await memberChoices(db, turn.group.id);
        const ofGroup = (await isGoalOfGroup(db, turn.group.id, goalId)) ? [goalId] : [];
        const validation = validateSubGoalInput(data, ofGroup, members.map((m) => m.id), today(turn));
        const goals = async () => (await offeredGoals(turn.group.id, { include: ofGroup[0] })).map((g) => ({ id: g.id, text: g.text }));
        if (!validation.ok) return subGoalFormCard(turn.locale, await goals(), members, isoDay(today(turn)), data, validation.fieldErrors);
        await createSubGoal(db, turn.group.id, validation.value, turn.actor, now());
        logger.info('subgoal.created', { groupId: turn.group.id, goalId: validation.value.goalId });
        await announceGoal(context, turn, validation.value.goalId, 'update');
        return goalView(turn, validation.value.goalId, { text: translate(turn.locale, 'plan.subGoalCreated'), color: 'Good' });
      },

      goalUpdateForm: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'goal.update');
        const goalId = formValue(data.goalId) || undefined;
        const goals = await offeredGoals(turn.group.id, { only: goalId });
        if (goalId && goals.length === 0) return goalView(turn, goalId); // not this group's goal: not_found
        return goalUpdateFormCard(turn.locale, goals, { goalId });
      },

      goalUpdate: async (context, data) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'goal.update');
        const goalId = formValue(data.goalId);
        const versions = (data.versions && typeof data.versions === 'object' ? data.versions : {}) as Record<string, unknown>;
        if (goalId && !(goalId in versions)) {
          // A goal found by typing was not in the form, so the form knew nothing of its state: show it
          // with its current status and version, and let the member save again knowingly.
          const found = await findGoalForUpdate(db, turn.group.id, goalId);
          if (found) {
            const { goalId: _chosen, status: _status, progress: _progress, ...kept } = data;
            return goalUpdateFormCard(turn.locale, [{ ...found, text: shorten(found.text) }], kept, { goalId: 'updateForm.confirmGoal' });
          }
        }
        const submitted = { ...data, version: versions[goalId] };
        const validation = validateGoalUpdate(submitted, (await isGoalOfGroup(db, turn.group.id, goalId)) ? [goalId] : []);
        if (!validation.ok) {
          // Show the same form again: the goals it offered, at the versions it was made from, so that a
          // correction cannot overwrite an update someone else saved in between.
          const offered = await findGoalsForUpdate(db, turn.group.id, Object.keys(versions));
          const asSubmitted = offered.map((g) => ({ ...g, text: shorten(g.text), version: integerField(versions[g.id], 1, Number.MAX_SAFE_INTEGER) ?? 0 }));
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
        await announceGoal(context, turn, goalId, 'update');
        return goalView(turn, goalId, { text: translate(turn.locale, 'plan.goalUpdated'), color: 'Good' });
      },
    },
    searches: {
      // The goal pick lists of the goal-update and sub-goal forms: the caller's group's goals only.
      goals: async (context, query) => {
        const turn = await requireGroupAccess(db, context, 'consented', 'goals.search');
        // answerSearch (search.ts) has bounded skip and count already.
        const goals = await searchGoals(db, turn.group.id, query.text, query.skip + query.count);
        await auditRead(db, turn, 'goals.search', 'ResourceGroup', turn.group.id);
        return goals.slice(query.skip).map((g) => ({ title: shorten(g.text), value: g.id }));
      },
    },
  };
}
