/**
 * Memory: teams-ai's Application loads botbuilder-dialogs (for user sign-in), and its prompt modules load
 * Microsoft's Recognizers-Text suites at startup: number, date-time and choice recognition in ten
 * languages, 14 MB of heap and 18 MB of the process's memory (measured with `node --expose-gc` after
 * loading the app). This bot signs no one in and runs no prompt. So those four packages are entered in
 * node's module cache as stand-ins that load the real package on first use: nothing changes for code
 * that uses them, and the memory is spent only if it does.
 *
 * The only thing read from them while botbuilder-dialogs loads is the suite's `Culture` language codes
 * (its PromptCultureModels), which the suite's stand-in answers from the suite's small base package
 * `@microsoft/recognizers-text` (the same codes). test/lazy-recognizers.test.ts checks it all: that the bot
 * starts without the suites, that the codes are the real suite's, and that prompts' recognition (numbers,
 * ordinals, yes/no, dates) still answers and loads them.
 *
 * Imported first by src/teams/app.ts, before teams-ai.
 */
import path from 'node:path';
import Module from 'node:module';

/** The packages deferred, as botbuilder-dialogs requires them. */
export const DEFERRED_RECOGNIZERS = [
  '@microsoft/recognizers-text-suite',
  '@microsoft/recognizers-text-number',
  '@microsoft/recognizers-text-choice',
  '@microsoft/recognizers-text-date-time',
] as const;

/** Marks a stand-in, across copies of this module (a test runner may load two). */
const STAND_IN = Symbol.for('resursgrupp.lazy-recognizers.stand-in');

/** Where `name` resolves from `from`'s folder. */
function resolveFrom(from: string, name: string): string {
  return require.resolve(name, { paths: [from] });
}

/** Where botbuilder-dialogs (as teams-ai resolves it) finds `name`. */
function resolveFromDialogs(name: string): string {
  const teamsAi = path.dirname(require.resolve('@microsoft/teams-ai/package.json'));
  return resolveFrom(path.dirname(resolveFrom(teamsAi, 'botbuilder-dialogs/package.json')), name);
}

function defer(file: string, early: Record<PropertyKey, unknown>): void {
  if (require.cache[file]) return; // already loaded (e.g. by a test runner): nothing to save
  let real: Record<PropertyKey, unknown> | undefined;
  const load = (): Record<PropertyKey, unknown> => {
    if (real === undefined) {
      delete require.cache[file];
      real = require(file) as Record<PropertyKey, unknown>;
    }
    return real;
  };
  const standIn = new Proxy<Record<PropertyKey, unknown>>(
    {},
    {
      get: (_, key) => {
        if (key === STAND_IN) return real === undefined;
        if (key === '__esModule') return true; // as the real bundles declare
        return real === undefined && Object.hasOwn(early, key) ? early[key] : load()[key];
      },
      has: (_, key) => key in load(),
      ownKeys: () => Reflect.ownKeys(load()),
      getOwnPropertyDescriptor: (_, key) => {
        const descriptor = Reflect.getOwnPropertyDescriptor(load(), key);
        // A proxy may not report a property its (empty) target lacks as non-configurable.
        return descriptor && { ...descriptor, configurable: true };
      },
    },
  );
  const entry = new Module(file);
  entry.filename = file;
  entry.loaded = true;
  entry.exports = standIn;
  require.cache[file] = entry;
}

/**
 * Enters the stand-ins in the module cache (once; a package already loaded is left as it is). A memory
 * saving must never stop the bot: if the packages are not where npm puts them, they load as usual.
 */
export function deferRecognizers(): void {
  try {
    const suite = resolveFromDialogs('@microsoft/recognizers-text-suite');
    // The suite's own base package (a dependency of the suite, not of botbuilder-dialogs).
    const base = require(resolveFrom(path.dirname(suite), '@microsoft/recognizers-text')) as { Culture: unknown };
    for (const name of DEFERRED_RECOGNIZERS) {
      // Only the suite's Culture is read early (PromptCultureModels); the others answer from the real package.
      defer(resolveFromDialogs(name), name === '@microsoft/recognizers-text-suite' ? { Culture: base.Culture } : {});
    }
  } catch {
    // Not deferred: botbuilder-dialogs loads them itself, as without this module.
  }
}

/** Which of the deferred packages are loaded for real by now (for the test and the curious). */
export function loadedRecognizers(): string[] {
  return DEFERRED_RECOGNIZERS.filter((name) => {
    const entry = require.cache[resolveFromDialogs(name)];
    return entry !== undefined && (entry.exports as Record<PropertyKey, unknown>)[STAND_IN] !== true;
  });
}

deferRecognizers();
