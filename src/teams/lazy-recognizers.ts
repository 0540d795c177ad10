/**
 * Memory: teams-ai's Application loads botbuilder-dialogs (for user sign-in), and its prompt modules load
 * Microsoft's Recognizers-Text suites at startup: number, date-time and choice recognition in ten
 * languages, 14 MB of heap and 18 MB of the process's memory (measured with `node --expose-gc` after
 * loading the app). This bot signs no one in and runs no prompt. So those four packages are entered in
 * node's module cache as stand-ins that load the real package on first use: nothing changes for code
 * that uses them, and the memory is spent only if it does.
 *
 * The only thing read from them while botbuilder-dialogs loads is `Culture`'s language codes (its
 * PromptCultureModels), which the stand-in answers from the small base package `@microsoft/recognizers-text`
 * that every suite re-declares. test/lazy-recognizers.test.ts checks both: that the app starts without the
 * suites, and that prompts' recognition still works and loads them.
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

const standIns = new Set<unknown>();

/** Where botbuilder-dialogs (as teams-ai resolves it) finds `name`. */
function resolveFromDialogs(name: string): string {
  const teamsAi = path.dirname(require.resolve('@microsoft/teams-ai/package.json'));
  const dialogs = path.dirname(require.resolve('botbuilder-dialogs/package.json', { paths: [teamsAi] }));
  return require.resolve(name, { paths: [dialogs] });
}

function defer(file: string, culture: unknown): void {
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
      get: (_, key) => (key === '__esModule' ? true : key === 'Culture' && real === undefined ? culture : load()[key]),
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
  standIns.add(standIn);
}

/** Enters the stand-ins in the module cache (once; the first caller wins). */
export function deferRecognizers(): void {
  const base = require(resolveFromDialogs('@microsoft/recognizers-text')) as { Culture: unknown };
  for (const name of DEFERRED_RECOGNIZERS) defer(resolveFromDialogs(name), base.Culture);
}

/** Which of the deferred packages are loaded for real by now (for the test and the curious). */
export function loadedRecognizers(): string[] {
  return DEFERRED_RECOGNIZERS.filter((name) => {
    const entry = require.cache[resolveFromDialogs(name)];
    return entry !== undefined && !standIns.has(entry.exports);
  });
}

deferRecognizers();
