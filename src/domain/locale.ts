/** The languages the bot speaks: Swedish first, English second. */
export const LOCALES = ['sv', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

/**
 * Picks the reply language from a Teams locale such as "sv-SE" or "en-US": English only when the user's
 * client is English, Swedish otherwise (Swedish when in doubt).
 *
 * @example
 *   resolveLocale('en-GB') // 'en'
 *   resolveLocale(undefined) // 'sv'
 */
export function resolveLocale(teamsLocale: string | undefined | null): Locale {
  return teamsLocale?.trim().toLowerCase().startsWith('en') ? 'en' : 'sv';
}
