import type { FieldErrors } from '../domain/errors';
import { CASE_MANAGEMENT_MODELS, type CaseManagementModel } from '../domain/groups';
import { LOCALES, type Locale } from '../domain/locale';
import { translate } from '../locales';
import { formValue, localizeFieldErrors } from './format';
import { renderCard, type AdaptiveCardJson } from './render';

export interface SetupFormPerson {
  /** Teams user id, the value submitted. */
  id: string;
  name: string;
}

export interface SetupFormValues {
  alias?: string;
  model?: string;
  caseManager?: string;
  locale?: string;
}

/**
 * The set-up form, optionally refilled with what was submitted and the field errors to show next to it.
 *
 * @example
 *   groupSetupFormCard('sv', people, { caseManager: callerId, locale: 'sv' })
 */
export function groupSetupFormCard(
  locale: Locale,
  people: SetupFormPerson[],
  values: SetupFormValues = {},
  fieldErrors: FieldErrors = {},
): AdaptiveCardJson {
  const errors = localizeFieldErrors(locale, fieldErrors, 'setup.error.summary');
  return renderCard('group-setup-form', {
    strings: {
      title: translate(locale, 'setup.title'),
      intro: translate(locale, 'setup.intro'),
      aliasLabel: translate(locale, 'setup.alias.label'),
      aliasPlaceholder: translate(locale, 'setup.alias.placeholder'),
      aliasRequired: translate(locale, 'setup.error.aliasRequired'),
      modelLabel: translate(locale, 'setup.model.label'),
      modelRequired: translate(locale, 'setup.error.modelRequired'),
      caseManagerLabel: translate(locale, 'setup.caseManager.label'),
      caseManagerRequired: translate(locale, 'setup.error.caseManagerRequired'),
      localeLabel: translate(locale, 'setup.locale.label'),
      submit: translate(locale, 'setup.submit'),
    },
    form: {
      alias: formValue(values.alias),
      model: formValue(values.model),
      caseManager: formValue(values.caseManager),
      locale: formValue(values.locale) || locale,
    },
    errors,
    models: CASE_MANAGEMENT_MODELS.map((model) => ({ value: model, title: translate(locale, `model.${model}`) })),
    people,
    locales: LOCALES.map((value) => ({ value, title: translate(locale, `locale.${value}`) })),
  });
}

export interface GroupSummary {
  alias: string;
  model: CaseManagementModel;
  caseManagerName: string;
}

/**
 * The card that confirms a new group, or tells that the conversation already is one; `warning` (the
 * case manager's caseload) for the person who set it up.
 */
export function groupSummaryCard(locale: Locale, group: GroupSummary, kind: 'created' | 'exists', warning?: string): AdaptiveCardJson {
  return renderCard('group-summary', {
    strings: {
      title: kind === 'created' ? translate(locale, 'setup.done.title') : translate(locale, 'setup.alreadyExists'),
      aliasLabel: translate(locale, 'setup.done.aliasLabel'),
      modelLabel: translate(locale, 'setup.done.modelLabel'),
      caseManagerLabel: translate(locale, 'setup.done.caseManagerLabel'),
      next: kind === 'created' ? translate(locale, 'setup.done.next') : null,
      warning: warning ?? null,
    },
    group: { alias: group.alias, model: translate(locale, `model.${group.model}`), caseManager: group.caseManagerName },
  });
}
