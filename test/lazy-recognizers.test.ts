/**
 * botbuilder-dialogs' recognizers (src/teams/lazy-recognizers.ts): the app loads without them, and code
 * that uses them still gets their answers, the package loading on first use. Run in a child node process,
 * as the bot runs: a test runner's own module cache may have loaded botbuilder-dialogs already.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '..');
const DEFERRED = ['@microsoft/recognizers-text-suite', '@microsoft/recognizers-text-number', '@microsoft/recognizers-text-choice', '@microsoft/recognizers-text-date-time'];

function runInNode(script: string): Record<string, unknown> {
  const run = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '--eval', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    timeout: 120_000,
  });
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
}

describe('botbuilder-dialogs’ recognizers, loaded on first use', () => {
  it('the bot (teams-ai’s Application with botbuilder-dialogs) loads without the four Recognizers-Text suites', () => {
    // main.ts: everything the bot's entry point loads, in its order.
    const result = runInNode(`
      require('./src/main.ts');
      const lazy = require('./src/teams/lazy-recognizers.ts');
      const files = Object.keys(require.cache);
      console.log(JSON.stringify({
        loaded: lazy.loadedRecognizers(),
        dialogs: files.some((f) => f.includes('/botbuilder-dialogs/lib/index.js')),
        application: files.some((f) => f.includes('/@microsoft/teams-ai/lib/Application.js')),
      }));`);
    // teams-ai's Application and botbuilder-dialogs are there; the suites are not.
    expect(result).toEqual({ loaded: [], dialogs: true, application: true });
  });

  it('prompts’ recognition still answers, from the real packages, which load when first used', () => {
    const result = runInNode(`
      require('./src/main.ts');
      const lazy = require('./src/teams/lazy-recognizers.ts');
      const dialogs = require('botbuilder-dialogs');
      const before = lazy.loadedRecognizers();
      // Choice recognition by ordinal and by number (recognizers-text-number).
      const second = dialogs.recognizeChoices('the second one', ['red', 'green', 'blue'])[0].resolution;
      const third = dialogs.recognizeChoices('3', ['red', 'green', 'blue'])[0].resolution;
      const afterChoices = lazy.loadedRecognizers();
      // What ConfirmPrompt and DateTimePrompt call, through their stand-ins.
      const yes = require('@microsoft/recognizers-text-choice').recognizeBoolean('yes please', 'en-us')[0].resolution.value;
      const friday = require('@microsoft/recognizers-text-date-time').recognizeDateTime('next friday', 'en-us', undefined, new Date(Date.UTC(2026, 11, 3, 12)))[0].resolution.values[0].value;
      const beforeSuite = lazy.loadedRecognizers();
      const suite = require('@microsoft/recognizers-text-suite');
      const tomorrow = suite.recognizeDateTime('tomorrow', suite.Culture.English, undefined, new Date(Date.UTC(2026, 11, 3, 12)));
      console.log(JSON.stringify({
        before,
        second,
        third,
        afterChoices,
        yes,
        friday,
        beforeSuite,
        tomorrow: tomorrow[0].resolution.values[0].value,
        cultures: dialogs.PromptCultureModels.getSupportedCultureCodes(),
        // What the stand-in answered while botbuilder-dialogs loaded is what the real suite says.
        realCultures: ['Chinese', 'Dutch', 'English', 'French', 'German', 'Italian', 'Japanese', 'Portuguese', 'Spanish'].map((c) => suite.Culture[c]),
        loaded: lazy.loadedRecognizers(),
      }));`);
    expect(result.before).toEqual([]);
    expect(result.second).toMatchObject({ value: 'green', index: 1 });
    expect(result.third).toMatchObject({ value: 'blue', index: 2 });
    expect(result.afterChoices).toEqual(['@microsoft/recognizers-text-number']);
    expect(result.yes).toBe(true);
    expect(result.friday).toBe('2026-12-11');
    expect(result.beforeSuite).toEqual(['@microsoft/recognizers-text-number', '@microsoft/recognizers-text-choice', '@microsoft/recognizers-text-date-time']);
    expect(result.tomorrow).toBe('2026-12-04');
    expect(result.cultures).toEqual(result.realCultures);
    expect(result.cultures).toContain('en-us');
    expect(result.loaded).toEqual([...DEFERRED]);
  });
});
