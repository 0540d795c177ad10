/**
 * The vocabulary of the individual's plan: life areas, goal statuses, agreement statuses and events.
 */
import type { FieldErrors } from './errors';
import { booleanField, choiceField, dateField, integerField, textField, type Validation } from './forms';

export const LIFE_AREAS = ['work', 'housing', 'relations', 'leisure', 'health', 'substance_use', 'finances', 'education', 'other'] as const;
export type LifeArea = (typeof LIFE_AREAS)[number];

export const GOAL_STATUSES = ['not_started', 'in_progress', 'achieved', 'paused', 'ended'] as const;
export type GoalStatus = (typeof GOAL_STATUSES)[number];

/** Progress is rated 0–10, the individual's own rating where they give it. */
export const PROGRESS_MIN = 0;
export const PROGRESS_MAX = 10;

export const AGREEMENT_STATUSES = ['proposed', 'accepted', 'done', 'declined', 'cancelled'] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];

export const AGREEMENT_EVENT_KINDS = ['created', 'accepted', 'due_date_changed', 'reassigned', 'done', 'declined', 'cancelled'] as const;
export type AgreementEventKind = (typeof AGREEMENT_EVENT_KINDS)[number];

export const FOLLOW_UP_KINDS = ['follow_up', 'agreement_reminder', 'sip_review'] as const;
export type FollowUpKind = (typeof FOLLOW_UP_KINDS)[number];

export const GOAL_TEXT_MAX_LENGTH = 500;
export const COMMENT_MAX_LENGTH = 1000;

export interface GoalInput {
  lifeArea: LifeArea;
  text: string;
  responsibleMemberId?: string;
  targetDate?: Date;
  individualAgreed: boolean;
}

function checkText(value: unknown, max: number, required: string, tooLong: string, fieldErrors: FieldErrors, field: string): string {
  const text = textField(value);
  if (text === '') fieldErrors[field] = required;
  else if (text.length > max) fieldErrors[field] = tooLong;
  return text;
}

function checkFutureDate(value: unknown, today: Date, fieldErrors: FieldErrors, field: string, required: boolean): Date | undefined {
  if (textField(value) === '') {
    if (required) fieldErrors[field] = 'plan.error.dateRequired';
    return undefined;
  }
  const date = dateField(value);
  if (!date) fieldErrors[field] = 'plan.error.dateInvalid';
  else if (date < today) fieldErrors[field] = 'plan.error.datePast';
  return date;
}

function checkMember(value: unknown, memberIds: readonly string[], fieldErrors: FieldErrors, field: string, required: boolean): string | undefined {
  const id = textField(value);
  if (id === '') {
    if (required) fieldErrors[field] = 'plan.error.responsibleRequired';
    return undefined;
  }
  if (!memberIds.includes(id)) fieldErrors[field] = 'plan.error.responsibleRequired';
  return id;
}

/**
 * Validates the new-goal form. `memberIds` are the group's current members; `today` is the group's
 * calendar day (a target date before it is refused).
 *
 * @example
 *   validateGoalInput({ lifeArea: 'housing', text: 'Eget boende' }, ['m1'], todayIn('Europe/Stockholm', now))
 */
export function validateGoalInput(data: Record<string, unknown>, memberIds: readonly string[], today: Date): Validation<GoalInput> {
  const fieldErrors: FieldErrors = {};
  const lifeArea = choiceField(data.lifeArea, LIFE_AREAS);
  if (!lifeArea) fieldErrors.lifeArea = 'plan.error.lifeAreaRequired';
  const text = checkText(data.text, GOAL_TEXT_MAX_LENGTH, 'plan.error.textRequired', 'plan.error.textTooLong', fieldErrors, 'text');
  const responsibleMemberId = checkMember(data.responsible, memberIds, fieldErrors, 'responsible', false);
  const targetDate = checkFutureDate(data.targetDate, today, fieldErrors, 'targetDate', false);
  if (Object.keys(fieldErrors).length > 0 || !lifeArea) return { ok: false, fieldErrors };
  return { ok: true, value: { lifeArea, text, responsibleMemberId, targetDate, individualAgreed: booleanField(data.individualAgreed) } };
}

export interface SubGoalInput {
  goalId: string;
  text: string;
  responsibleMemberId: string;
  targetDate: Date;
}

/** Validates the new-sub-goal form: a goal of the group, text, a responsible member and a target date. */
export function validateSubGoalInput(
  data: Record<string, unknown>,
  goalIds: readonly string[],
  memberIds: readonly string[],
  today: Date,
): Validation<SubGoalInput> {
  const fieldErrors: FieldErrors = {};
  const goalId = textField(data.goalId);
  if (!goalIds.includes(goalId)) fieldErrors.goalId = 'plan.error.goalRequired';
  const text = checkText(data.text, GOAL_TEXT_MAX_LENGTH, 'plan.error.textRequired', 'plan.error.textTooLong', fieldErrors, 'text');
  const responsibleMemberId = checkMember(data.responsible, memberIds, fieldErrors, 'responsible', true);
  const targetDate = checkFutureDate(data.targetDate, today, fieldErrors, 'targetDate', true);
  if (Object.keys(fieldErrors).length > 0 || !responsibleMemberId || !targetDate) return { ok: false, fieldErrors };
  return { ok: true, value: { goalId, text, responsibleMemberId, targetDate } };
}

export interface GoalUpdateInput {
  goalId: string;
  /** The goal version the card showed; a different current version means the card was stale. */
  version: number;
  status: GoalStatus;
  progress?: number;
  comment?: string;
}

/** Validates a goal update: status, progress 0–10 (optional), comment (optional), and the card's version. */
export function validateGoalUpdate(data: Record<string, unknown>, goalIds: readonly string[]): Validation<GoalUpdateInput> {
  const fieldErrors: FieldErrors = {};
  const goalId = textField(data.goalId);
  if (!goalIds.includes(goalId)) fieldErrors.goalId = 'plan.error.goalRequired';
  const status = choiceField(data.status, GOAL_STATUSES);
  if (!status) fieldErrors.status = 'plan.error.statusRequired';
  let progress: number | undefined;
  if (textField(String(data.progress ?? '')) !== '') {
    progress = integerField(data.progress, PROGRESS_MIN, PROGRESS_MAX);
    if (progress === undefined) fieldErrors.progress = 'plan.error.progressRange';
  }
  const comment = textField(data.comment);
  if (comment.length > COMMENT_MAX_LENGTH) fieldErrors.comment = 'plan.error.commentTooLong';
  const version = integerField(data.version, 1, Number.MAX_SAFE_INTEGER);
  if (version === undefined) fieldErrors.goalId = 'plan.error.goalRequired';
  if (Object.keys(fieldErrors).length > 0 || !status || version === undefined) return { ok: false, fieldErrors };
  return { ok: true, value: { goalId, version, status, progress, comment: comment || undefined } };
}

/** How many of the latest ratings a trend shows. */
export const TREND_LENGTH = 6;

/**
 * A compact trend of the latest progress ratings (0–10, oldest first): its direction and the values.
 * (Block-character sparklines were tried and read as a blacked-out bar in Teams' font.)
 *
 * @example
 *   progressTrend([2, 4, 6]) // { values: '2 → 4 → 6', direction: 'up' }
 */
export function progressTrend(ratings: readonly number[]): { values: string; direction: 'up' | 'down' | 'flat' | 'none' } {
  const last = ratings.slice(-TREND_LENGTH);
  if (last.length === 0) return { values: '', direction: 'none' };
  const first = last[0]!;
  const latest = last[last.length - 1]!;
  const direction = ratings.length < 2 ? 'none' : latest > first ? 'up' : latest < first ? 'down' : 'flat';
  return { values: last.join(' → '), direction };
}
