/**
 * Formatting for cards: dates in the group's time zone and the reader's language, and localized field
 * errors. Shared by every card builder.
 */
import type { FieldErrors } from '../domain/errors';
import { dateField } from '../domain/forms';
import { dateTimeFormatOf, type Locale } from '../domain/locale';
import { isMessageKey, translate, type MessageKey } from '../locales';

/**
 * A calendar date as the reader expects it: "2026-12-01" in Swedish, "1 Dec 2026" in English.
 *
 * @example
 *   formatDate(new Date('2026-12-01T00:00:00Z'), 'en', 'Europe/Stockholm') // '1 Dec 2026'
 */
export function formatDate(date: Date, locale: Locale, timeZone: string): string {
  return dateTimeFormat('date', locale, timeZone).format(date);
}

/** A moment with its time of day, for histories where several entries can share a date. */
export function formatDateTime(date: Date, locale: Locale, timeZone: string): string {
  return dateTimeFormat('dateTime', locale, timeZone).format(date);
}

function dateTimeFormat(kind: 'date' | 'dateTime', locale: Locale, timeZone: string): Intl.DateTimeFormat {
  return dateTimeFormatOf(locale === 'en' ? 'en-GB' : 'sv-SE', kind === 'date' ? { timeZone, dateStyle: 'medium' } : { timeZone, dateStyle: 'medium', timeStyle: 'short' });
}

/** A date-only value (stored as UTC midnight) in the reader's language. */
export function formatDay(date: Date, locale: Locale): string {
  return formatDate(date, locale, 'UTC');
}

/** A date-only value as Input.Date wants it (YYYY-MM-DD). */
export function isoDay(date: Date | null | undefined): string {
  return date ? date.toISOString().slice(0, 10) : '';
}

/**
 * The `{date}` that date messages name (`plan.error.datePast` and the date inputs' errorMessage): the
 * earliest day a form accepts, as the cards show days. `earliest` is a date-only value or YYYY-MM-DD.
 *
 * @example
 *   earliestDateParams('en', '2026-11-23') // { date: '23 Nov 2026' }
 */
export function earliestDateParams(locale: Locale, earliest: Date | string): { date: string } {
  const day = typeof earliest === 'string' ? dateField(earliest) : earliest;
  return { date: day ? formatDay(day, locale) : String(earliest) };
}

/**
 * The messages to show next to each wrong field, plus a summary line, for a form card. Field errors
 * are message keys; `params` fills their placeholders (e.g. earliestDateParams for a date in the
 * past). Unknown keys fall back to the generic invalid-input text.
 */
export function localizeFieldErrors(
  locale: Locale,
  fieldErrors: FieldErrors,
  summaryKey: MessageKey,
  params: Record<string, string | number> = {},
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const [field, key] of Object.entries(fieldErrors)) {
    errors[field] = isMessageKey(key) ? translate(locale, key, params) : translate(locale, 'error.invalid_input');
  }
  if (Object.keys(errors).length > 0) errors.summary = translate(locale, summaryKey);
  return errors;
}

/** The string value of a submitted field, for refilling a form. */
export function formValue(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : '';
}
