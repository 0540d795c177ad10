/**
 * Variants of the Agents Playground's mock Teams context (`.m365agentsplayground.yml`), so one browser can
 * act as another person: `npm run playground -- --as lars` and the e2e helper `writePlaygroundConfig`
 * both use `actAs`. The tool has one "you" per run (`currentUser`) and demands exactly five `users`
 * besides it, so acting as someone swaps them with the current user rather than adding anyone.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';

/** A person in the config; every field is required by the tool (note its spelling `userPrincipleName`). */
export interface PlaygroundUser {
  id: string;
  name: string;
  userPrincipleName: string;
  aadObjectId: string;
  givenName: string;
  surname: string;
  email: string;
}

export interface PlaygroundConfigFile {
  currentUser: PlaygroundUser;
  users: PlaygroundUser[];
  personalChat?: { id: string };
  [key: string]: unknown;
}

/** What `--as` accepts for OUTSIDER besides its names and id. */
export const OUTSIDER_KEYWORD = 'outsider';

/**
 * A fictional colleague in the team who is not a member of the resource group. Every person in the
 * config is a member of the demo group (`npm run demo` registers them all), so a non-member has to come
 * from outside the file: acting as them puts them in the place of the last of `users`.
 */
export const OUTSIDER: PlaygroundUser = {
  id: '29:demo-nils-strom',
  name: 'Nils Ström (ej medlem)',
  userPrincipleName: 'nils.strom@resursgrupp-demo.example.org',
  aadObjectId: '00000000-0000-4000-8000-00000000c099',
  givenName: 'Nils',
  surname: 'Ström',
  email: 'nils.strom@resursgrupp-demo.example.org',
};

export class PlaygroundUserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlaygroundUserError';
  }
}

export interface ActingAs {
  config: PlaygroundConfigFile;
  /** Left out of the mock roster for this run to make room for OUTSIDER. */
  displaced?: PlaygroundUser;
}

const fold = (text: string) => text.normalize('NFC').trim().toLowerCase();

function keysOf(user: PlaygroundUser): string[] {
  const keys = [user.id, user.aadObjectId, user.name, user.givenName, `${user.givenName} ${user.surname}`];
  return (user.id === OUTSIDER.id ? [...keys, OUTSIDER_KEYWORD] : keys).map(fold);
}

/** The choices for `--as`, one line each: `lars  Lars Lundqvist (närstående)`. */
export function describeChoices(config: PlaygroundConfigFile): string {
  const people = [config.currentUser, ...config.users];
  const outsider = people.some((u) => u.id === OUTSIDER.id) ? [] : [OUTSIDER];
  return [...people, ...outsider]
    .map((u) => {
      const key = u.id === OUTSIDER.id ? `${OUTSIDER_KEYWORD} | ${fold(u.givenName)}` : fold(u.givenName);
      const note = u === config.currentUser ? ' (the current user)' : u === OUTSIDER ? ' (not in the file or the demo group)' : '';
      return `  ${key.padEnd(18)} ${u.name}${note}`;
    })
    .join('\n');
}

/**
 * A copy of `config` in which `who` is the current user: a first name, a full name, a display name, an id
 * or an aadObjectId of a person in the file (case-insensitive), or `outsider`. The former current user
 * takes their place in `users`, so the file keeps its five `users`; the personal chat becomes the new
 * user's own, as in Teams. Throws PlaygroundUserError, listing the choices, when `who` matches nobody
 * or several people.
 *
 * @example
 *   const { config } = actAs(readPlaygroundConfigFile('.m365agentsplayground.yml'), 'lars');
 */
export function actAs(config: PlaygroundConfigFile, who: string): ActingAs {
  const wanted = fold(who);
  const people = [config.currentUser, ...config.users];
  const candidates = people.some((u) => u.id === OUTSIDER.id) ? people : [...people, OUTSIDER];
  const matches = candidates.filter((u) => keysOf(u).includes(wanted));
  if (matches.length !== 1) {
    const problem = matches.length === 0 ? `nobody called "${who}"` : `"${who}" fits ${matches.map((u) => u.name).join(' and ')}; use the full name or the id`;
    throw new PlaygroundUserError(`${problem}. Choose one of (first name, full name or id):\n${describeChoices(config)}`);
  }
  const target = matches[0]!;
  if (target === config.currentUser) return { config: structuredClone(config) };

  const copy = structuredClone(config);
  const index = copy.users.findIndex((u) => u.id === target.id);
  const slot = index >= 0 ? index : copy.users.length - 1;
  const displaced = index >= 0 ? undefined : copy.users[slot];
  copy.users[slot] = copy.currentUser;
  copy.currentUser = structuredClone(target);
  if (copy.personalChat) copy.personalChat = { id: `a:playground-personal-chat-${target.id.replace(/^\d+:/, '')}` };
  return { config: copy, displaced };
}

export function readPlaygroundConfigFile(file: string): PlaygroundConfigFile {
  return parseYaml(readFileSync(file, 'utf8')) as PlaygroundConfigFile;
}

/** Writes a config for the tool (M365_AGENTS_PLAYGROUND_CONFIG_PATH), saying where it came from. */
export function writePlaygroundConfigFile(file: string, config: PlaygroundConfigFile, origin: string): void {
  writeFileSync(file, `# Written by ${origin}; edits are overwritten.\n${stringifyYaml(config)}`);
}
