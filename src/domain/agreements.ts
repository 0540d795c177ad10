/**
 * Agreements (överenskommelser): who does what, by when. Pure rules: validation of the forms, which
 * state changes are allowed and by whom, and the order of "my agreements".
 */
import type { FieldErrors } from './errors';
import { choiceField, dateField, textField, type Validation } from './forms';
import type { AgreementEventKind, AgreementStatus } from './plan';

export const AGREEMENT_TEXT_MAX_LENGTH = 500;
export const REASON_MAX_LENGTH = 500;

export interface AgreementInput {
  what: string;
  responsibleMemberId: string;
  dueDate: Date;
  goalId?: string;
  subGoalId?: string;
}

/**
 * Validates the new-agreement form. `memberIds` are the group's members (the individual included);
 * `links` maps the group's goal and sub-goal ids ("goal:<id>", "subgoal:<id>") to their goal id.
 *
 * @example
 *   validateAgreementInput({ what: 'Ringa FK', responsible: 'm1', dueDate: '2026-12-01' }, ['m1'], {}, today)
 */
export function validateAgreementInput(
  data: Record<string, unknown>,
  memberIds: readonly string[],
  links: Readonly<Record<string, { goalId: string; subGoalId?: string }>>,
  today: Date,
): Validation<AgreementInput> {
  const fieldErrors: FieldErrors = {};
  const what = textField(data.what);
  if (what === '') fieldErrors.what = 'agreement.error.whatRequired';
  else if (what.length > AGREEMENT_TEXT_MAX_LENGTH) fieldErrors.what = 'agreement.error.whatTooLong';
  const responsibleMemberId = textField(data.responsible);
  if (!memberIds.includes(responsibleMemberId)) fieldErrors.responsible = 'agreement.error.responsibleRequired';
  const dueDate = dateField(data.dueDate);
  if (textField(data.dueDate) === '') fieldErrors.dueDate = 'plan.error.dateRequired';
  else if (!dueDate) fieldErrors.dueDate = 'plan.error.dateInvalid';
  else if (dueDate < today) fieldErrors.dueDate = 'plan.error.datePast';
  const linkKey = textField(data.link);
  const link = linkKey ? links[linkKey] : undefined;
  if (linkKey && !link) fieldErrors.link = 'agreement.error.linkInvalid';
  if (Object.keys(fieldErrors).length > 0 || !dueDate) return { ok: false, fieldErrors };
  return { ok: true, value: { what, responsibleMemberId, dueDate, goalId: link?.goalId, subGoalId: link?.subGoalId } };
}

/** A change a member asks for on an agreement card. */
export type AgreementChange =
  | { kind: 'accepted' | 'done' | 'cancelled' }
  | { kind: 'declined'; reason: string }
  | { kind: 'due_date_changed'; dueDate: Date }
  | { kind: 'reassigned'; responsibleMemberId: string };

const NEXT_STATUS: Record<'accepted' | 'done' | 'declined' | 'cancelled', AgreementStatus> = {
  accepted: 'accepted',
  done: 'done',
  declined: 'declined',
  cancelled: 'cancelled',
};

/** The statuses from which each change may be made: a finished agreement is not changed again. */
const ALLOWED_FROM: Record<AgreementChange['kind'], readonly AgreementStatus[]> = {
  accepted: ['proposed', 'declined'],
  done: ['proposed', 'accepted', 'declined'],
  declined: ['proposed', 'accepted'],
  cancelled: ['proposed', 'accepted', 'declined'],
  due_date_changed: ['proposed', 'accepted', 'declined'],
  reassigned: ['proposed', 'accepted', 'declined'],
};

/**
 * The status an agreement gets from a change, or 'unchanged' when the change repeats what is already
 * so (a double click on "done", the same date, the same person), or 'not_allowed' from a finished state.
 *
 * @example
 *   nextAgreementStatus({ status: 'accepted', ... }, { kind: 'done' }) // 'done'
 *   nextAgreementStatus({ status: 'done', ... }, { kind: 'done' })     // 'unchanged'
 */
export function nextAgreementStatus(
  current: { status: AgreementStatus; responsibleMemberId: string; dueDate: Date },
  change: AgreementChange,
): AgreementStatus | 'unchanged' | 'not_allowed' {
  const { status } = current;
  if (change.kind in NEXT_STATUS && NEXT_STATUS[change.kind as keyof typeof NEXT_STATUS] === status) return 'unchanged';
  if (change.kind === 'due_date_changed' && change.dueDate.getTime() === current.dueDate.getTime()) return 'unchanged';
  if (change.kind === 'reassigned' && change.responsibleMemberId === current.responsibleMemberId) return 'unchanged';
  if (!ALLOWED_FROM[change.kind].includes(status)) return 'not_allowed';
  if (change.kind === 'due_date_changed') return status;
  // A new person has not committed to anything yet.
  if (change.kind === 'reassigned') return 'proposed';
  return NEXT_STATUS[change.kind];
}

/** Who may change an agreement: its responsible member, or the group's case manager. */
export function mayChangeAgreement(actor: { memberId: string; isCaseManager: boolean }, responsibleMemberId: string): boolean {
  return actor.isCaseManager || actor.memberId === responsibleMemberId;
}

/** What one person may do on an agreement's card: each person's view shows only these. */
export interface AgreementActions {
  /** The responsible person's own answers. */
  accept: boolean;
  done: boolean;
  decline: boolean;
  /** The case manager marks it done for the person responsible (recorded as on their behalf). */
  doneOnBehalf: boolean;
  /** New date, another person responsible, cancel: the responsible person and the case manager. */
  change: boolean;
}

/**
 * The buttons an agreement card shows a viewer. The server checks each change again
 * (mayChangeAgreement); this only keeps people from pressing what they may not.
 *
 * @example
 *   agreementActionsFor({ memberId: 'cm', isCaseManager: true }, { status: 'accepted', responsibleMemberId: 'm1' })
 *   // { accept: false, done: false, decline: false, doneOnBehalf: true, change: true }
 */
export function agreementActionsFor(
  viewer: { memberId: string; isCaseManager: boolean },
  agreement: { status: string; responsibleMemberId: string },
): AgreementActions {
  const open = isOpenAgreement(agreement.status);
  const responsible = viewer.memberId === agreement.responsibleMemberId;
  return {
    accept: responsible && (agreement.status === 'proposed' || agreement.status === 'declined'),
    done: responsible && open,
    decline: responsible && (agreement.status === 'proposed' || agreement.status === 'accepted'),
    doneOnBehalf: !responsible && viewer.isCaseManager && open,
    change: open && mayChangeAgreement(viewer, agreement.responsibleMemberId),
  };
}

/** Validates an agreement change submitted from a card. */
export function validateAgreementChange(data: Record<string, unknown>, memberIds: readonly string[], today: Date): Validation<AgreementChange> {
  const kind = choiceField(data.change, ['accepted', 'done', 'declined', 'cancelled', 'due_date_changed', 'reassigned'] as const);
  const fieldErrors: FieldErrors = {};
  if (!kind) return { ok: false, fieldErrors: { change: 'agreement.error.changeRequired' } };
  if (kind === 'declined') {
    const reason = textField(data.reason);
    if (reason === '') fieldErrors.reason = 'agreement.error.reasonRequired';
    else if (reason.length > REASON_MAX_LENGTH) fieldErrors.reason = 'agreement.error.reasonTooLong';
    return Object.keys(fieldErrors).length ? { ok: false, fieldErrors } : { ok: true, value: { kind, reason } };
  }
  if (kind === 'due_date_changed') {
    const dueDate = dateField(data.dueDate);
    if (!dueDate) return { ok: false, fieldErrors: { dueDate: textField(data.dueDate) ? 'plan.error.dateInvalid' : 'plan.error.dateRequired' } };
    if (dueDate < today) return { ok: false, fieldErrors: { dueDate: 'plan.error.datePast' } };
    return { ok: true, value: { kind, dueDate } };
  }
  if (kind === 'reassigned') {
    const responsibleMemberId = textField(data.responsible);
    if (!memberIds.includes(responsibleMemberId)) return { ok: false, fieldErrors: { responsible: 'agreement.error.responsibleRequired' } };
    return { ok: true, value: { kind, responsibleMemberId } };
  }
  return { ok: true, value: { kind } };
}

/** Open agreements are those still to be done. */
export const OPEN_AGREEMENT_STATUSES: readonly AgreementStatus[] = ['proposed', 'accepted', 'declined'];

/** Whether an agreement in this status is still to be done. */
export function isOpenAgreement(status: string): boolean {
  return (OPEN_AGREEMENT_STATUSES as readonly string[]).includes(status);
}

/**
 * Orders agreements for "mine": overdue first (oldest due first), then by due date.
 *
 * @example
 *   sortForMine([{ dueDate: tomorrow }, { dueDate: lastWeek }], today) // lastWeek first
 */
export function sortForMine<T extends { dueDate: Date }>(agreements: readonly T[], today: Date): Array<T & { overdue: boolean }> {
  return agreements
    .map((a) => ({ ...a, overdue: a.dueDate < today }))
    .sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.dueDate.getTime() - b.dueDate.getTime());
}

/** The event kinds in the order a history reads best (for labels). */
export const EVENT_KINDS: readonly AgreementEventKind[] = ['created', 'accepted', 'due_date_changed', 'reassigned', 'done', 'declined', 'cancelled'];
