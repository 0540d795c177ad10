/**
 * The vocabulary of a resource group's members: roles (Swedish words the users say every day) and
 * principal organisations (huvudman).
 */

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
