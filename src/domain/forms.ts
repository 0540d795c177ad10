/**
 * Small readers for submitted card data: every value arrives as unknown and is checked here, so the
 * validators read like the rules they enforce.
 */
import type { FieldErrors } from './errors';
import { dateTimeFormatOf } from './locale';

/** The result of validating a submitted form: the typed value, or a message key per wrong field. */
export type Validation<T> = { ok: true; value: T } | { ok: false; fieldErrors: FieldErrors };

/**
 * Characters that show nothing: zero-width spaces and joiners, bidi controls, soft hyphens, word
 * joiners, byte-order marks (Unicode's format characters) and the Hangul fillers that render blank.
 */
const INVISIBLE_CHARACTERS = /[\p{Cf}\u115F\u1160\u3164\uFFA0\u034F\u17B4\u17B5]/gu;

/** The text without characters that show nothing. */
export function withoutInvisible(text: string): string {
  return text.replace(INVISIBLE_CHARACTERS, '');
}

/**
 * A trimmed string, or '' for anything that is not a string or shows nothing (only white space and
 * invisible characters: such a text would be saved as an empty-looking goal or name).
 *
 * @example
 *   textField('\u200b\u202e ') // ''
 */
export function textField(value: unknown): string {
  if (typeof value !== 'string') return '';
  const trimmed = value.trim();
  return withoutInvisible(trimmed).trim() === '' ? '' : trimmed;
}

/** A calendar date YYYY-MM-DD (as Input.Date submits it) as UTC midnight, or undefined when absent or invalid. */
export function dateField(value: unknown): Date | undefined {
  const text = textField(value);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return undefined;
  const date = new Date(`${text}T00:00:00.000Z`);
  return Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text ? undefined : date;
}

/** An integer within [min, max] from a number or numeric string, or undefined. */
export function integerField(value: unknown, min: number, max: number): number | undefined {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : NaN;
  return Number.isInteger(number) && number >= min && number <= max ? number : undefined;
}

/** Input.Toggle's "true"/"false" (or a boolean). */
export function booleanField(value: unknown): boolean {
  return value === true || value === 'true';
}

/** One of the allowed values, or undefined. */
export function choiceField<T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  const text = textField(value);
  return (allowed as readonly string[]).includes(text) ? (text as T) : undefined;
}

/** Today's date in a time zone, as UTC midnight of that calendar day (for comparing with dateField). */
export function todayIn(timeZone: string, now: Date): Date {
  return new Date(`${dateTimeFormatOf('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now)}T00:00:00.000Z`);
}
