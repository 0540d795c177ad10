/**
 * User-facing text. Every string a user sees comes from sv.json or en.json; a test proves both have
 * the same keys and the same {placeholders}.
 */
import type { Locale } from '../domain/locale';
import en from './en.json';
import sv from './sv.json';

export type MessageKey = keyof typeof sv;

const CATALOGUES: Record<Locale, Record<string, string>> = { sv, en };

/**
 * The text for `key` in `locale`, with `{name}` placeholders filled from `params`.
 *
 * @example
 *   translate('en', 'setup.done.text', { alias: 'K.L.', model: 'FACT', caseManager: 'Sara' })
 */
export function translate(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  const template = CATALOGUES[locale][key] ?? CATALOGUES.sv[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (match, name: string) => (name in params ? String(params[name]) : match));
}

/** Whether a string is a known message key (e.g. a field-error key coming from the domain). */
export function isMessageKey(key: string): key is MessageKey {
  return key in sv;
}

export const catalogues = CATALOGUES;
