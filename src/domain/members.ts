/**
 * The vocabulary of a resource group's members: roles (Swedish words the users say every day) and
 * principal organisations (huvudman).
 */
import type { FieldErrors } from './errors';
import { booleanField, choiceField, textField, type Validation } from './forms';

export const MEMBER_ROLES = [
  'case_manager', // case manager, vårdsamordnare, fast vårdkontakt, kontaktperson
  'individual', // individen själv
  'doctor', // läkare
  'nurse', // sjuksköterska
  'psychologist', // psykolog
  'occupational_therapist', // arbetsterapeut
  'physiotherapist', // fysioterapeut
  'counsellor', // kurator
  'housing_support', // boendestödjare
  'social_worker', // socialsekreterare
  'needs_assessor', // biståndshandläggare
  'employment_specialist', // arbetsspecialist
  'trustee', // god man, förvaltare
  'personal_ombudsman', // personligt ombud
  'relative', // närstående
  'other',
] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

export const PRINCIPALS = ['region', 'kommun', 'forsakringskassan', 'arbetsformedlingen', 'primarvard', 'private', 'other'] as const;
export type Principal = (typeof PRINCIPALS)[number];

export const MEMBER_NAME_MAX_LENGTH = 80;
export const ORGANISATION_MAX_LENGTH = 80;

/** What access checks need to know of a member. */
export interface MemberAccessFacts {
  removedAt: Date | null;
  consentRecordedAt: Date | null;
  consentWithdrawnAt: Date | null;
  isCaseManager: boolean;
}

/**
 * Whether the individual's consent to share with this member stands: recorded, and not withdrawn since.
 *
 * @example
 *   hasConsent({ consentRecordedAt: new Date(), consentWithdrawnAt: null, ... }) // true
 */
export function hasConsent(member: Pick<MemberAccessFacts, 'consentRecordedAt' | 'consentWithdrawnAt'>): boolean {
  if (!member.consentRecordedAt) return false;
  return !member.consentWithdrawnAt || member.consentWithdrawnAt < member.consentRecordedAt;
}

/** The need-to-know levels an action can ask for. */
export type AccessNeed = 'member' | 'consented' | 'caseManager';

/** The refusal for a member (or nobody) and a need, or undefined when access is granted. */
export function accessRefusal(member: MemberAccessFacts | null, need: AccessNeed): 'not_a_member' | 'no_consent' | 'forbidden' | undefined {
  if (!member || member.removedAt) return 'not_a_member';
  if (need === 'caseManager') return member.isCaseManager ? undefined : 'forbidden';
  if (need === 'consented' && !hasConsent(member)) return 'no_consent';
  return undefined;
}

export interface MemberInput {
  /** Teams user id when added from the conversation's roster; absent for a contact without Teams. */
  teamsUserId?: string;
  /** Display name: from the roster, or typed for a contact. */
  displayName: string;
  role: MemberRole;
  principal: Principal;
  organisation?: string;
  consentNow: boolean;
}

/**
 * Validates the add-member form. `rosterIds` are the conversation's Teams user ids; `person` is either
 * one of them or "contact" with a typed name.
 */
export function validateMemberInput(data: Record<string, unknown>, roster: ReadonlyArray<{ teamsUserId: string; name: string }>): Validation<MemberInput> {
  const fieldErrors: FieldErrors = {};
  const person = textField(data.person);
  const fromRoster = roster.find((p) => p.teamsUserId === person);
  let displayName = '';
  if (person === 'contact') {
    displayName = textField(data.contactName);
    if (displayName === '') fieldErrors.contactName = 'members.error.nameRequired';
    else if (displayName.length > MEMBER_NAME_MAX_LENGTH) fieldErrors.contactName = 'members.error.nameTooLong';
  } else if (fromRoster) {
    displayName = fromRoster.name;
  } else {
    fieldErrors.person = 'members.error.personRequired';
  }
  const role = choiceField(data.role, MEMBER_ROLES);
  if (!role) fieldErrors.role = 'members.error.roleRequired';
  const principal = choiceField(data.principal, PRINCIPALS);
  if (!principal) fieldErrors.principal = 'members.error.principalRequired';
  const organisation = textField(data.organisation);
  if (organisation.length > ORGANISATION_MAX_LENGTH) fieldErrors.organisation = 'members.error.organisationTooLong';
  if (Object.keys(fieldErrors).length > 0 || !role || !principal) return { ok: false, fieldErrors };
  return {
    ok: true,
    value: {
      teamsUserId: fromRoster?.teamsUserId,
      displayName,
      role,
      principal,
      organisation: organisation || undefined,
      consentNow: booleanField(data.consentNow),
    },
  };
}

export const MEMBER_CHANGES = ['role', 'consentRecord', 'consentWithdraw', 'remove', 'makeCaseManager', 'crisisPlanAccess'] as const;
export type MemberChangeKind = (typeof MEMBER_CHANGES)[number];

export type MemberChange =
  | { kind: 'role'; memberId: string; role: MemberRole; principal: Principal }
  | { kind: 'consentRecord' | 'consentWithdraw' | 'remove' | 'makeCaseManager'; memberId: string }
  /** Whether the member may read the crisis plan, as the individual chose; null: the role's default. */
  | { kind: 'crisisPlanAccess'; memberId: string; access: boolean | null };

/** The choices of "may read the crisis plan" in the change-member form. */
export const CRISIS_PLAN_ACCESS_CHOICES = ['default', 'yes', 'no'] as const;

/** Validates the change-member form; `memberIds` are the group's current members. */
export function validateMemberChange(data: Record<string, unknown>, memberIds: readonly string[]): Validation<MemberChange> {
  const fieldErrors: FieldErrors = {};
  const memberId = textField(data.memberId);
  if (!memberIds.includes(memberId)) fieldErrors.memberId = 'members.error.memberRequired';
  const kind = choiceField(data.change, MEMBER_CHANGES);
  if (!kind) fieldErrors.change = 'members.error.changeRequired';
  let role: MemberRole | undefined;
  let principal: Principal | undefined;
  if (kind === 'role') {
    role = choiceField(data.role, MEMBER_ROLES);
    principal = choiceField(data.principal, PRINCIPALS);
    if (!role) fieldErrors.role = 'members.error.roleRequired';
    if (!principal) fieldErrors.principal = 'members.error.principalRequired';
  }
  const access = kind === 'crisisPlanAccess' ? choiceField(data.crisisPlanAccess, CRISIS_PLAN_ACCESS_CHOICES) : undefined;
  if (kind === 'crisisPlanAccess' && !access) fieldErrors.crisisPlanAccess = 'crisisPlan.access.error.required';
  if (Object.keys(fieldErrors).length > 0 || !kind) return { ok: false, fieldErrors };
  if (kind === 'role') return { ok: true, value: { kind, memberId, role: role!, principal: principal! } };
  if (kind === 'crisisPlanAccess') return { ok: true, value: { kind, memberId, access: access === 'default' ? null : access === 'yes' } };
  return { ok: true, value: { kind, memberId } };
}
