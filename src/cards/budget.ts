/**
 * The card budget: Teams rejects a message over about 100 KB (413 MessageSizeTooBig), so every activity
 * the bot sends, and every card it returns to an invoke, stays under 80 KB of JSON. Views are built to
 * fit (paging, shortened list texts); the send path checks every activity against this budget as the
 * last line of defence.
 */

/** The most JSON one activity (or invoke answer) may carry, in bytes of UTF-8. */
export const CARD_BUDGET_BYTES = 80 * 1024;

/** Size in bytes of a value's JSON (UTF-8), as it goes over the wire. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/**
 * Whether a card or activity fits the budget.
 *
 * @example
 *   if (!fitsCardBudget(card)) card = tooLargeCard(locale);
 */
export function fitsCardBudget(value: unknown): boolean {
  return jsonBytes(value) <= CARD_BUDGET_BYTES;
}
