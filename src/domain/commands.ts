/**
 * The conversation's commands: Swedish first, English aliases, matched case-insensitively on the text
 * that is left once the bot's @mention is removed.
 */
import { withoutInvisible } from './forms';

export const COMMANDS = [
  'help',
  'setup',
  'members',
  'plan',
  'newGoal',
  'agreement',
  'agreementSummary',
  'mine',
  'myGroups',
  'followUp',
  'crisisPlan',
  'board',
  'log',
] as const;

export type CommandId = (typeof COMMANDS)[number];

export interface CommandDefinition {
  id: CommandId;
  /** The Swedish command word(s), shown first. */
  sv: string;
  /** The English alias. */
  en: string;
  /** Further accepted spellings (no diacritics, hyphen variants). */
  aliases?: string[];
  /** Whether the command is built yet; the help card says "coming soon" for the others. */
  available: boolean;
  /**
   * False: not in the app manifest's command menu (Teams takes at most 12 commands per scope, and
   * every place is taken); the command still works when typed and the help card lists it.
   */
  menu?: boolean;
}

export const COMMAND_DEFINITIONS: readonly CommandDefinition[] = [
  { id: 'help', sv: 'hjälp', en: 'help', aliases: ['hjalp', '?'], available: true },
  { id: 'setup', sv: 'starta', en: 'setup', aliases: ['set up'], available: true },
  { id: 'members', sv: 'medlemmar', en: 'members', available: true },
  { id: 'plan', sv: 'plan', en: 'plan', aliases: ['planen'], available: true },
  { id: 'newGoal', sv: 'nytt mål', en: 'new goal', aliases: ['nytt mal'], available: true },
  { id: 'agreement', sv: 'överenskommelse', en: 'agreement', aliases: ['overenskommelse'], available: true },
  {
    id: 'agreementSummary',
    sv: 'överenskommelse sammanfattning',
    en: 'agreement summary',
    aliases: ['overenskommelse sammanfattning', 'mötessammanfattning', 'meeting summary'],
    available: true,
  },
  { id: 'mine', sv: 'mina', en: 'mine', available: true },
  { id: 'myGroups', sv: 'mina grupper', en: 'my groups', aliases: ['mygroups'], available: true, menu: false },
  { id: 'followUp', sv: 'uppföljning', en: 'follow-up', aliases: ['uppfoljning', 'follow up', 'followup'], available: true },
  { id: 'crisisPlan', sv: 'krisplan', en: 'crisis plan', aliases: ['crisis-plan', 'crisisplan'], available: true },
  { id: 'board', sv: 'tavla', en: 'board', aliases: ['fact-tavla', 'tavlan'], available: true },
  { id: 'log', sv: 'logg', en: 'log', aliases: ['loggen'], available: true },
];

export type ParsedCommand = { kind: 'command'; id: CommandId; args: string } | { kind: 'unknown' } | { kind: 'empty' };

/** Lower-cases, trims and collapses whitespace (including Teams' non-breaking spaces); drops invisible characters. */
export function normalizeCommandText(text: string): string {
  return withoutInvisible(text)
    .replace(/[\u00a0\s]+/g, ' ')
    .trim()
    .replace(/^\/+/, '')
    .toLowerCase();
}

const SPELLINGS: ReadonlyArray<{ id: CommandId; spelling: string }> = COMMAND_DEFINITIONS.flatMap((definition) =>
  [definition.sv, definition.en, ...(definition.aliases ?? [])].map((spelling) => ({ id: definition.id, spelling })),
).sort((a, b) => b.spelling.length - a.spelling.length);

/**
 * Finds the command at the start of a message; the rest is its arguments. The longest spelling wins,
 * so "plan" does not swallow a longer command that starts with it.
 *
 * @example
 *   parseCommand('Nytt mål Eget boende') // { kind: 'command', id: 'newGoal', args: 'eget boende' }
 *   parseCommand('vad är detta')         // { kind: 'unknown' }
 */
export function parseCommand(text: string | undefined | null): ParsedCommand {
  const normalized = normalizeCommandText(text ?? '');
  if (normalized === '') return { kind: 'empty' };
  for (const { id, spelling } of SPELLINGS) {
    if (normalized === spelling || normalized.startsWith(spelling + ' ')) {
      return { kind: 'command', id, args: normalized.slice(spelling.length).trim() };
    }
  }
  return { kind: 'unknown' };
}
