import type { FieldErrors } from '../domain/errors';
import type { Locale } from '../domain/locale';
import { GOAL_STATUSES, LIFE_AREAS, PROGRESS_MAX, PROGRESS_MIN, progressTrend, type GoalStatus, type LifeArea } from '../domain/plan';
import { translate } from '../locales';
import type { GoalDetails, PlanGoal } from '../storage/goals';
import { earliestDateParams, formatDate, formatDateTime, formatDay, formValue, localizeFieldErrors } from './format';
import { fitItems, PAGE_SIZES, pagerOf, shorten } from './paging';
import { renderCard, type AdaptiveCardJson } from './render';
import { MAX_REFRESH_USERS } from './shell';

export interface PlanCardOptions {
  alias: string;
  timeZone: string;
  userIds: string[];
  notice?: string;
  /** Where this page starts in the whole plan, and how many goals the plan has. */
  offset?: number;
  total?: number;
}

const statusText = (locale: Locale, status: string) => translate(locale, `status.${status as GoalStatus}`);

function goalSummary(locale: Locale, goal: { status: string; progress: number | null }): string {
  const progress = goal.progress === null ? translate(locale, 'plan.noProgress') : `${goal.progress}/${PROGRESS_MAX}`;
  return translate(locale, 'plan.goalSummary', { status: statusText(locale, goal.status), progress });
}

/** Ratings oldest first, from the newest-first history. */
function ratingsOf(goal: PlanGoal): number[] {
  return goal.updates.flatMap((u) => (u.progress === null ? [] : [u.progress])).reverse();
}

/**
 * The latest progress ratings (0–10, oldest first), labelled as such, with their direction; null for
 * fewer than two ratings (one is no trend, and the summary line shows it already).
 */
function trendLine(locale: Locale, ratings: readonly number[]): string | null {
  const trend = progressTrend(ratings);
  if (trend.direction === 'none') return null;
  return translate(locale, 'goal.trend', { values: trend.values, direction: translate(locale, `goal.trend.${trend.direction}`) });
}

/**
 * One page of the plan overview: goals grouped by life area, with status, latest progress, latest
 * update, the next sub-goal due and a few open agreements, texts shortened (the goal view has them
 * whole). Only ever returned to a member with consent (a user-specific view).
 */
export function planCard(locale: Locale, goals: PlanGoal[], options: PlanCardOptions): AdaptiveCardJson {
  const offset = options.offset ?? 0;
  const total = options.total ?? goals.length;
  return fitItems(goals, (shown) => {
    const areas = LIFE_AREAS.map((area) => ({ area, goals: shown.filter((g) => g.lifeArea === area) }))
      .filter((entry) => entry.goals.length > 0)
      .map(({ area, goals: inArea }) => ({
        title: translate(locale, `lifeArea.${area}`),
        goals: inArea.map((goal) => {
          const latest = goal.updates[0];
          const next = goal.subGoals.find((s) => s.status !== 'achieved' && s.status !== 'ended');
          const openAgreements = goal._count?.agreements ?? goal.agreements.length;
          return {
            id: goal.id,
            text: shorten(goal.text),
            summary: goalSummary(locale, goal),
            trend: trendLine(locale, ratingsOf(goal)),
            latest: latest
              ? translate(locale, 'plan.latest', { date: formatDate(latest.createdAt, locale, options.timeZone), name: latest.author?.displayName ?? '–' })
              : null,
            nextSubGoal: next
              ? { label: translate(locale, 'plan.nextSubGoal'), text: shorten(next.text), due: next.targetDate ? formatDay(next.targetDate, locale) : '–' }
              : null,
            agreementsLabel: translate(locale, 'plan.openAgreements'),
            agreements: goal.agreements.map((a) => ({ what: shorten(a.what), who: a.responsible.displayName, due: formatDay(a.dueDate, locale) })),
            moreAgreements: openAgreements > goal.agreements.length ? translate(locale, 'plan.moreAgreements', { count: openAgreements - goal.agreements.length }) : null,
          };
        }),
      }));
    return renderCard('plan', {
      strings: {
        title: translate(locale, 'plan.title'),
        refresh: translate(locale, 'card.refresh'),
        empty: translate(locale, 'plan.empty'),
        newGoal: translate(locale, 'plan.newGoal'),
        newSubGoal: translate(locale, 'plan.newSubGoal'),
        updateGoal: translate(locale, 'plan.updateGoal'),
        openGoal: translate(locale, 'plan.openGoal'),
      },
      alias: options.alias,
      notice: options.notice ?? null,
      userIds: options.userIds.slice(0, MAX_REFRESH_USERS),
      offset,
      pager: pagerOf(locale, offset, shown.length, total, PAGE_SIZES.plan),
      areas,
    });
  });
}

/**
 * What a history entry changed, or null when it changed neither status nor rating (a comment only).
 * A status is named only where it was set or changed, not repeated on every update.
 */
function historyChange(locale: Locale, update: GoalDetails['updates'][number]): string | null {
  if (update.subGoalId) return translate(locale, 'goal.change.subGoalAdded');
  const parts: string[] = [];
  if (update.status && update.previousStatus && update.previousStatus !== update.status) {
    parts.push(translate(locale, 'goal.change.status', { from: statusText(locale, update.previousStatus), to: statusText(locale, update.status) }));
  } else if (update.status && !update.previousStatus) {
    const created = update.progress === null && !update.comment;
    parts.push(created ? translate(locale, 'goal.change.created') : translate(locale, 'goal.change.statusSet', { to: statusText(locale, update.status) }));
  }
  if (update.progress !== null) parts.push(translate(locale, 'goal.change.progress', { progress: update.progress }));
  return parts.length > 0 ? parts.join(' · ') : null;
}

/**
 * One goal with its sub-goals, trend and a page of its history (newest first): the goal-update card,
 * where the goal's text is shown whole. `notice` tells the reader what just happened (saved, or "this
 * card was updated").
 */
export function goalCard(
  locale: Locale,
  goal: GoalDetails,
  options: { timeZone: string; userIds: string[]; notice?: string; noticeColor?: 'Good' | 'Warning'; historyOffset?: number },
): AdaptiveCardJson {
  const historyOffset = options.historyOffset ?? 0;
  const dates = [
    goal.targetDate ? translate(locale, 'goal.target', { date: formatDay(goal.targetDate, locale) }) : null,
    goal.individualAgreedAt
      ? translate(locale, 'goal.agreed', { date: formatDate(goal.individualAgreedAt, locale, options.timeZone) })
      : translate(locale, 'goal.notAgreed'),
  ].filter(Boolean);
  const subGoalCount = goal._count?.subGoals ?? goal.subGoals.length;
  const updateCount = goal._count?.updates ?? goal.updates.length;
  const openAgreementCount = goal._count?.agreements ?? goal.agreements.length;
  return fitItems(goal.updates, (shown) =>
    renderCard('goal', {
      strings: {
        refresh: translate(locale, 'card.refresh'),
        responsible: translate(locale, 'goal.responsible'),
        subGoals: translate(locale, 'goal.subGoals'),
        history: translate(locale, 'goal.history'),
        update: translate(locale, 'goal.update'),
        newSubGoal: translate(locale, 'plan.newSubGoal'),
        plan: translate(locale, 'goal.plan'),
      },
      notice: options.notice ?? null,
      noticeColor: options.noticeColor ?? 'Good',
      userIds: options.userIds.slice(0, MAX_REFRESH_USERS),
      offset: historyOffset,
      goal: {
        id: goal.id,
        lifeArea: translate(locale, `lifeArea.${goal.lifeArea as LifeArea}`),
        text: goal.text,
        summary: goalSummary(locale, goal),
        trend: trendLine(locale, goal.ratings),
        responsible: goal.responsible?.displayName ?? null,
        dates: dates.join(' · '),
      },
      subGoals: goal.subGoals.map((s) => ({
        text: s.text,
        status: statusText(locale, s.status),
        due: s.targetDate ? formatDay(s.targetDate, locale) : '–',
        responsible: s.responsible?.displayName ?? translate(locale, 'goal.noResponsible'),
      })),
      moreSubGoals: subGoalCount > goal.subGoals.length ? translate(locale, 'goal.moreSubGoals', { count: subGoalCount - goal.subGoals.length }) : null,
      agreementsLabel: translate(locale, 'plan.openAgreements'),
      agreements: goal.agreements.map((a) => ({ id: a.id, what: shorten(a.what), who: a.responsible.displayName, due: formatDay(a.dueDate, locale) })),
      moreAgreements:
        openAgreementCount > goal.agreements.length ? translate(locale, 'plan.moreAgreements', { count: openAgreementCount - goal.agreements.length }) : null,
      history: shown.map((u) => ({
        when: formatDateTime(u.createdAt, locale, options.timeZone),
        author: u.author?.displayName ?? '–',
        change: historyChange(locale, u),
        // The sub-goal an entry added, in its own TextRun: text members typed.
        subGoal: u.subGoalId ? (u.subGoalText ?? '–') : null,
        comment: u.comment,
      })),
      pager: pagerOf(locale, historyOffset, shown.length, updateCount, PAGE_SIZES.goalHistory, { goalId: goal.id }),
    }),
  );
}

type Person = { id: string; name: string };
type GoalChoice = { id: string; text: string };

/** The new-goal form. `today` (YYYY-MM-DD) is the earliest target date offered. */
export function goalFormCard(locale: Locale, members: Person[], today: string, values: Record<string, unknown> = {}, fieldErrors: FieldErrors = {}): AdaptiveCardJson {
  const earliest = earliestDateParams(locale, today);
  return renderCard('goal-form', {
    strings: {
      title: translate(locale, 'goalForm.title'),
      intro: translate(locale, 'goalForm.intro'),
      lifeAreaLabel: translate(locale, 'goalForm.lifeAreaLabel'),
      lifeAreaRequired: translate(locale, 'plan.error.lifeAreaRequired'),
      textLabel: translate(locale, 'goalForm.textLabel'),
      textPlaceholder: translate(locale, 'goalForm.textPlaceholder'),
      textRequired: translate(locale, 'plan.error.textRequired'),
      responsibleLabel: translate(locale, 'goalForm.responsibleLabel'),
      targetDateLabel: translate(locale, 'goalForm.targetDateLabel'),
      // The date is optional: Teams shows this only for a date before `min`.
      datePast: translate(locale, 'plan.error.datePast', earliest),
      agreedLabel: translate(locale, 'goalForm.agreedLabel'),
      submit: translate(locale, 'goalForm.submit'),
    },
    errors: localizeFieldErrors(locale, fieldErrors, 'plan.error.summary', earliest),
    form: {
      lifeArea: formValue(values.lifeArea),
      text: formValue(values.text),
      responsible: formValue(values.responsible),
      targetDate: formValue(values.targetDate),
      individualAgreed: formValue(values.individualAgreed) || 'false',
    },
    today,
    lifeAreas: LIFE_AREAS.map((value) => ({ value, title: translate(locale, `lifeArea.${value}`) })),
    members,
  });
}

/** The new-sub-goal form, with the goal preselected when opened from a goal. */
export function subGoalFormCard(
  locale: Locale,
  goals: GoalChoice[],
  members: Person[],
  today: string,
  values: Record<string, unknown> = {},
  fieldErrors: FieldErrors = {},
): AdaptiveCardJson {
  const earliest = earliestDateParams(locale, today);
  return renderCard('subgoal-form', {
    strings: {
      title: translate(locale, 'subGoalForm.title'),
      goalLabel: translate(locale, 'subGoalForm.goalLabel'),
      goalSearch: translate(locale, 'form.goalSearch'),
      goalRequired: translate(locale, 'plan.error.goalRequired'),
      textLabel: translate(locale, 'subGoalForm.textLabel'),
      textRequired: translate(locale, 'plan.error.textRequired'),
      responsibleLabel: translate(locale, 'subGoalForm.responsibleLabel'),
      responsibleRequired: translate(locale, 'plan.error.responsibleRequired'),
      targetDateLabel: translate(locale, 'subGoalForm.targetDateLabel'),
      // Teams shows one message for an empty date and for one before `min`: it has to fit both.
      dateRequiredNotPast: translate(locale, 'plan.error.dateRequiredNotPast', earliest),
      submit: translate(locale, 'subGoalForm.submit'),
    },
    errors: localizeFieldErrors(locale, fieldErrors, 'plan.error.summary', earliest),
    form: {
      goalId: formValue(values.goalId),
      text: formValue(values.text),
      responsible: formValue(values.responsible),
      targetDate: formValue(values.targetDate),
    },
    today,
    goals,
    members,
  });
}

/**
 * The goal-update form: status, progress 0–10 and a comment. `versions` maps each offered goal to the
 * version this form was made from, so a submit against a goal changed since is recognised as stale.
 */
export function goalUpdateFormCard(
  locale: Locale,
  goals: Array<GoalChoice & { version: number; status: string; progress: number | null }>,
  values: Record<string, unknown> = {},
  fieldErrors: FieldErrors = {},
): AdaptiveCardJson {
  const chosen = goals.find((g) => g.id === formValue(values.goalId)) ?? (goals.length === 1 ? goals[0] : undefined);
  return renderCard('goal-update-form', {
    strings: {
      title: translate(locale, 'updateForm.title'),
      goalLabel: translate(locale, 'updateForm.goalLabel'),
      goalSearch: translate(locale, 'form.goalSearch'),
      goalRequired: translate(locale, 'plan.error.goalRequired'),
      statusLabel: translate(locale, 'updateForm.statusLabel'),
      statusRequired: translate(locale, 'plan.error.statusRequired'),
      progressLabel: translate(locale, 'updateForm.progressLabel'),
      commentLabel: translate(locale, 'updateForm.commentLabel'),
      submit: translate(locale, 'updateForm.submit'),
    },
    errors: localizeFieldErrors(locale, fieldErrors, 'plan.error.summary'),
    form: {
      goalId: chosen?.id ?? '',
      status: formValue(values.status) || chosen?.status || '',
      progress: formValue(values.progress) || (chosen?.progress !== null && chosen?.progress !== undefined ? String(chosen.progress) : ''),
      comment: formValue(values.comment),
    },
    goals: goals.map((g) => ({ id: g.id, text: g.text })),
    versions: Object.fromEntries(goals.map((g) => [g.id, g.version])),
    statuses: GOAL_STATUSES.map((value) => ({ value, title: statusText(locale, value) })),
    scale: Array.from({ length: PROGRESS_MAX - PROGRESS_MIN + 1 }, (_, i) => ({ value: String(i + PROGRESS_MIN), title: String(i + PROGRESS_MIN) })),
  });
}

