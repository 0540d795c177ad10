/**
 * The caseload: how many resource groups a case manager coordinates, and the limit their model sets.
 * Styrkemodellen (the strengths model) says a case manager should coordinate at most 20 individuals;
 * each resource group is one individual. Pure rules; counting the groups is in storage.
 */
import type { CaseManagementModel } from './groups';

/** The most individuals a case manager should coordinate in Styrkemodellen. */
export const STRENGTHS_CASELOAD_LIMIT = 20;

/** The caseload limit a model sets, or undefined when it sets none (FACT and ACT share the load in a team). */
export function caseloadLimitOf(model: string): number | undefined {
  return model === ('STRENGTHS' satisfies CaseManagementModel) ? STRENGTHS_CASELOAD_LIMIT : undefined;
}

/** The warning to give the person who just made someone case manager of another group. */
export interface CaseloadWarning {
  /** How many groups the case manager coordinates now, this one included. */
  count: number;
  limit: number;
}

/**
 * Whether taking on a group as case manager puts them over their model's limit: the group's model sets
 * the limit, and `coordinatedNow` counts every group they coordinate after the change, whatever its
 * model, because the limit is about the individuals one person coordinates, and each group is one
 * individual. A warning only: the case manager's organisation decides, the bot does not block.
 *
 * @example
 *   caseloadWarning({ model: 'STRENGTHS', coordinatedNow: 21 }) // { count: 21, limit: 20 }
 *   caseloadWarning({ model: 'STRENGTHS', coordinatedNow: 20 }) // undefined
 *   caseloadWarning({ model: 'FACT', coordinatedNow: 40 })      // undefined
 */
export function caseloadWarning(input: { model: string; coordinatedNow: number }): CaseloadWarning | undefined {
  const limit = caseloadLimitOf(input.model);
  if (limit === undefined || input.coordinatedNow <= limit) return undefined;
  return { count: input.coordinatedNow, limit };
}

/** The audit reason of a caseload warning: machine-readable, the count and the limit, no names. */
export function caseloadWarningReason(warning: CaseloadWarning): string {
  return `coordinates_${warning.count}_limit_${warning.limit}`;
}
