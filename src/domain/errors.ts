/**
 * The small set of domain error codes. Each maps to a localized, polite reply (`error.<code>` in the
 * locale files); logs carry the code, never the text the user typed.
 */
export const ERROR_CODES = [
  'not_a_group',
  'group_exists',
  'not_a_member',
  'no_consent',
  'forbidden',
  'invalid_input',
  'not_found',
  'stale_card',
  'duplicate',
  'too_large',
  'unknown_action',
  'no_crisis_plan_access',
  'unreadable_plan',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** Field-level validation problems: field name → locale key of the message to show next to it. */
export type FieldErrors = Record<string, string>;

export class DomainError extends Error {
  /**
   * @param fieldErrors field name → locale key, for a form to show again
   * @param messageKey a locale key that says more than `error.<code>` (e.g. who may make this change)
   */
  constructor(
    readonly code: ErrorCode,
    readonly fieldErrors: FieldErrors = {},
    readonly messageKey?: string,
  ) {
    super(code);
    this.name = 'DomainError';
  }
}

/** Narrows an unknown thrown value to a DomainError. */
export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

/** The field errors of a DomainError that carries them (a form to show again), or undefined. */
export function fieldErrorsOf(error: unknown): FieldErrors | undefined {
  return isDomainError(error) && Object.keys(error.fieldErrors).length > 0 ? error.fieldErrors : undefined;
}
