/**
 * The vocabulary of the individual's plan: life areas, goal statuses, agreement statuses and events.
 */

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
