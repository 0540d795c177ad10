/**
 * Pure rules for a resource group (resursgrupp): the case-management models and the validation of the
 * set-up form. No database, no Teams.
 */
import type { FieldErrors } from './errors';
import { textField, type Validation } from './forms';
import { LOCALES, type Locale } from './locale';

export const CASE_MANAGEMENT_MODELS = ['FACT', 'ACT', 'IP', 'STRENGTHS', 'BROKER', 'CLINICAL', 'OTHER'] as const;
export type CaseManagementModel = (typeof CASE_MANAGEMENT_MODELS)[number];

export const ALIAS_MAX_LENGTH = 40;

/**
 * True when the text holds something shaped like a Swedish personal identity number or coordination
 * number (YYMMDD-NNNN, YYYYMMDDNNNN, with or without separator). The alias must never carry one.
 */
export function containsPersonalIdentityNumber(text: string): boolean {
  return /(?<!\d)(\d{2})?\d{6}\s*[-+]?\s*\d{4}(?!\d)/.test(text);
}

export interface GroupSetupInput {
  individualAlias: string;
  caseManagementModel: CaseManagementModel;
  caseManagerUserId: string;
  locale: Locale;
}


/**
 * Validates the set-up card's submitted data. `rosterUserIds` are the Teams user ids that may be chosen
 * as case manager (the conversation's members); a submitted id outside it is refused.
 *
 * @example
 *   validateGroupSetup({ alias: 'K.L.', model: 'FACT', caseManager: '29:1', locale: 'sv' }, ['29:1'])
 */
export function validateGroupSetup(data: Record<string, unknown>, rosterUserIds: readonly string[]): Validation<GroupSetupInput> {
  const fieldErrors: FieldErrors = {};
  const alias = textField(data.alias);
  if (alias === '') fieldErrors.alias = 'setup.error.aliasRequired';
  else if (alias.length > ALIAS_MAX_LENGTH) fieldErrors.alias = 'setup.error.aliasTooLong';
  else if (containsPersonalIdentityNumber(alias) || /\d{5,}/.test(alias)) fieldErrors.alias = 'setup.error.aliasIdentityNumber';

  const model = textField(data.model);
  if (!(CASE_MANAGEMENT_MODELS as readonly string[]).includes(model)) fieldErrors.model = 'setup.error.modelRequired';

  const caseManager = textField(data.caseManager);
  if (!rosterUserIds.includes(caseManager)) fieldErrors.caseManager = 'setup.error.caseManagerRequired';

  const locale = textField(data.locale) || 'sv';
  if (!(LOCALES as readonly string[]).includes(locale)) fieldErrors.locale = 'setup.error.localeInvalid';

  if (Object.keys(fieldErrors).length > 0) return { ok: false, fieldErrors };
  return {
    ok: true,
    value: {
      individualAlias: alias,
      caseManagementModel: model as CaseManagementModel,
      caseManagerUserId: caseManager,
      locale: locale as Locale,
    },
  };
}
