/**
 * Helpers for driving the Microsoft 365 Agents Playground (npm package @microsoft/teams-app-test-tool,
 * binary `teamsapptester`) from vitest end-to-end tests: start the Playground against a bot, open it in
 * Chromium (playwright-core + Debian's /usr/bin/chromium), @mention the bot in a channel, and wait for
 * the bot's Adaptive Card. This is a helper module, not a test.
 *
 * Written against Playground 0.2.28 (PLAYGROUND_VERSION below). The selectors use roles and visible
 * text of that version's UI:
 *   - the channel list:          tree "Teams Channel" → treeitem "<team> - <channel>"
 *   - personal chat:             tree "Personal and Group Chat" → treeitem "Personal Chat"
 *   - the new-post box:          group with textbox (placeholder "Start a new post") and button "Post"
 *   - a channel post (thread):   group with a reply textbox and button "Send Message"; newest first
 *   - the @mention picker:       listbox "Typeahead menu" → menuitem "<bot name>"
 *   - Adaptive Cards:            the renderer's `.ac-adaptiveCard` root (the only CSS class used here)
 *   - the log panel:             the read-only contenteditable (spellcheck=false) under "Log Panel";
 *                                an entry's details: tabs "Request"/"Response" over a second such editor
 *   - message extensions:        compose box button "Trigger Message Extension App" → menu item
 *                                "Search Command" → group "Search-Based Message Extension" (textboxes
 *                                "Command ID", "Parameter name", "Enter a search term"; results as
 *                                level-1 headings; "We didn't find any matches.")
 * If a Playground upgrade breaks them, look at `await page.locator('body').ariaSnapshot()`.
 *
 * Facts about 0.2.28 that these helpers rely on (read from the package's dist/index.js):
 *   - `-p/--port` (or env TEAMSAPPTESTER_PORT) sets the port; `-p 0` picks a free one; an occupied
 *     port silently falls back to a random one. With stdout not a TTY the tool prints exactly
 *     "Listening on <port>" on stdout and sends everything else (including start-up errors such as an
 *     invalid config file) ONLY to its log file (env M365_AGENTS_PLAYGROUND_LOGFILE).
 *   - env M365_AGENTS_PLAYGROUND_CONFIG_PATH names the config file; if that file does not exist the
 *     tool silently falls back to ./.teamsapptesttool.yml and then to a built-in config, so we check.
 *   - env TEAMSAPPTESTER_BROWSER=none stops it from opening a browser.
 *   - it prints "Listening on" BEFORE it loads the config, then exits 1 if the config is invalid, so
 *     readiness is "GET /_internal/v1/testConfig answers 200", not "the port answers".
 *   - every activity it sends has `locale: "en-US"` (hard-coded); `localTimezone` is the tool
 *     process's time zone (we pass TZ). Use `activityLocale` to test the bot in Swedish.
 *   - conversations live in the browser page only: a fresh page (or reload) starts empty.
 */
import { spawn, ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { startLocaleProxy, type LocaleProxy } from '../../scripts/locale-proxy';
import { actAs, readPlaygroundConfigFile, writePlaygroundConfigFile } from '../../scripts/playground-config';

export { rewriteActivityLocale } from '../../scripts/locale-proxy';

/** The Playground version these helpers were written and verified against. */
export const PLAYGROUND_VERSION = '0.2.28';

/** The repository root (this file is test/e2e/playground.ts). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** The project's mock Teams context: team "Resursgrupp Demo", channel "Resursgrupp – K.L.", members. */
export const DEFAULT_CONFIG_PATH = path.join(REPO_ROOT, '.m365agentsplayground.yml');

/** Names in the default config, for tests. */
export const DEMO = {
  botName: 'Resursgruppsbot',
  teamName: 'Resursgrupp Demo',
  channelName: 'Resursgrupp – K.L.',
  currentUser: 'Sara Lind (samordnare)',
} as const;

const PLAYGROUND_BIN = path.join(REPO_ROOT, 'node_modules', '.bin', 'teamsapptester');
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// ---------------------------------------------------------------------------------------------------
// Starting and stopping the Playground
// ---------------------------------------------------------------------------------------------------

export interface StartPlaygroundOptions {
  /** The bot's messaging endpoint, e.g. http://127.0.0.1:3978/api/messages */
  botEndpoint: string;
  /** Config file (mock users, team, channel). Default: the repository's .m365agentsplayground.yml */
  configPath?: string;
  /**
   * Port for the Playground. Default 0: a free port (the tool picks it; we read it back). If a given
   * port is taken, the tool itself falls back to a random one; `url`/`port` always tell the truth.
   */
  port?: number;
  /**
   * The Playground hard-codes `locale: "en-US"` on every activity. Set e.g. 'sv-SE' to put a tiny
   * proxy between the Playground and the bot that rewrites `locale` (and the clientInfo entity).
   */
  activityLocale?: string;
  /** Time zone of the Playground process, which becomes `activity.localTimezone`. Default Europe/Stockholm. */
  timeZone?: string;
  /** Wait until the bot endpoint accepts TCP connections before starting (default true). */
  waitForBot?: boolean;
  /** How long to wait for the bot and for the Playground to be ready. Default 60 s. */
  startTimeoutMs?: number;
}

export interface PlaygroundHandle {
  /** Open this in the browser, e.g. http://localhost:41234 */
  url: string;
  port: number;
  pid: number;
  /** The tool's own log file (start-up errors end up here, not on stderr); removed by stop(). */
  logFile: string;
  /** The endpoint the Playground talks to (the locale proxy's when `activityLocale` is set). */
  endpoint: string;
  /** Recent stdout + stderr + log file of the tool, for error messages. */
  diagnostics(): string;
  /** Kills the tool's whole process group; idempotent. */
  stop(): Promise<void>;
}

const liveGroups = new Set<number>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if a test run dies without calling stop(): never leave a Playground behind.
  process.once('exit', () => {
    for (const pgid of liveGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n').trim();
}

function readTail(file: string, lines = 40): string {
  try {
    return tail(readFileSync(file, 'utf8'), lines);
  } catch {
    return '';
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Resolves when host:port accepts a TCP connection; rejects after `timeoutMs`. */
export async function waitForPort(host: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host, port });
      socket.setTimeout(1000);
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`Nothing accepts connections at ${host}:${port} after ${timeoutMs} ms.`);
    await sleep(200);
  }
}

function httpGetStatus(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.setTimeout(2000, () => req.destroy());
    req.once('error', () => resolve(0));
  });
}

/**
 * Starts the Playground (detached, in its own process group, stdin ignored) pointed at `botEndpoint`
 * and resolves when its UI and backend answer and the config file is loaded. Throws a clear error,
 * with the tail of the tool's output and log file, if it exits or does not get ready in time.
 */
export async function startPlayground(options: StartPlaygroundOptions): Promise<PlaygroundHandle> {
  const timeoutMs = options.startTimeoutMs ?? 60_000;
  const configPath = path.resolve(options.configPath ?? DEFAULT_CONFIG_PATH);
  if (!existsSync(PLAYGROUND_BIN)) {
    throw new Error(`Playground binary not found at ${PLAYGROUND_BIN}: is @microsoft/teams-app-test-tool installed?`);
  }
  if (!existsSync(configPath)) {
    // The tool would silently fall back to its built-in config (users "Alex Wilber" etc.).
    throw new Error(`Playground config file not found: ${configPath}`);
  }
  const target = new URL(options.botEndpoint);
  if (options.waitForBot ?? true) {
    const botPort = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
    await waitForPort(target.hostname, botPort, timeoutMs).catch((error: Error) => {
      throw new Error(`The bot is not reachable at ${options.botEndpoint} (start it first). ${error.message}`);
    });
  }

  let proxy: LocaleProxy | undefined;
  let endpoint = options.botEndpoint;
  if (options.activityLocale) {
    proxy = await startLocaleProxy(target, options.activityLocale);
    endpoint = proxy.endpoint;
  }

  const workDir = mkdtempSync(path.join(tmpdir(), 'playground-'));
  const logFile = path.join(workDir, 'm365agentsplayground.log');
  const child: ChildProcess = spawn(
    PLAYGROUND_BIN,
    ['start', '-e', endpoint, '-c', 'msteams', '--disable-telemetry', '-p', String(options.port ?? 0)],
    {
      // A temp cwd: the tool writes ./devTools/* relative to it (event recordings) and would look for
      // ./.teamsapptesttool.yml there if our config path were missing.
      cwd: workDir,
      detached: true, // own process group, so stop() can kill the tool and anything it spawned
      stdio: ['ignore', 'pipe', 'pipe'], // stdin from /dev/null: started in the background with a terminal stdin it exits at once
      env: {
        ...process.env,
        M365_AGENTS_PLAYGROUND_CONFIG_PATH: configPath,
        M365_AGENTS_PLAYGROUND_LOGFILE: logFile,
        TEAMSAPPTESTER_BROWSER: 'none',
        TZ: options.timeZone ?? 'Europe/Stockholm',
      },
    },
  );
  if (child.pid === undefined) {
    await proxy?.close();
    throw new Error(`Could not spawn ${PLAYGROUND_BIN}`);
  }
  const pid = child.pid;
  liveGroups.add(pid);
  installExitHook();

  let output = '';
  const append = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      liveGroups.delete(pid);
      resolve();
    });
  });

  let finalLog: string | undefined; // the log file's tail, kept when stop() removes the temp dir
  const diagnostics = () =>
    [
      `teamsapptester pid ${pid}, endpoint ${endpoint}, config ${configPath}`,
      `--- stdout/stderr (tail) ---\n${tail(output) || '(empty)'}`,
      `--- ${logFile} (tail) ---\n${(finalLog ?? readTail(logFile)) || '(empty)'}`,
    ].join('\n');

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      const killed = await Promise.race([exitPromise.then(() => true), sleep(5000).then(() => false)]);
      if (!killed) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
        await Promise.race([exitPromise, sleep(2000)]);
      }
    }
    liveGroups.delete(pid);
    await proxy?.close();
    finalLog = readTail(logFile);
    rmSync(workDir, { recursive: true, force: true });
  };

  const fail = async (reason: string): Promise<never> => {
    const message = `Playground did not start: ${reason}\n${diagnostics()}`;
    await stop();
    throw new Error(message);
  };

  // 1. The port: "Listening on <port>" on stdout (printed only when stdout is not a TTY, as here).
  const deadline = Date.now() + timeoutMs;
  let port: number | undefined;
  while (port === undefined) {
    const match = /Listening on (\d+)/.exec(output) ?? /Listening on (\d+)/.exec(readTail(logFile, 200));
    if (match) port = Number(match[1]);
    else if (exited) await fail(`it exited (code ${exited.code}, signal ${exited.signal}) before listening.`);
    else if (Date.now() > deadline) await fail(`no "Listening on <port>" after ${timeoutMs} ms.`);
    else await sleep(100);
  }
  const url = `http://localhost:${port}`;

  // 2. Readiness: the backend answers with the loaded config (an invalid config makes it exit here).
  for (;;) {
    if (exited) await fail(`it exited (code ${exited.code}, signal ${exited.signal}) after listening; is the config valid?`);
    const [ui, config] = await Promise.all([httpGetStatus(`${url}/`), httpGetStatus(`${url}/_internal/v1/testConfig`)]);
    if (ui === 200 && config === 200) break;
    if (Date.now() > deadline) await fail(`${url} not ready after ${timeoutMs} ms (UI ${ui}, config ${config}).`);
    await sleep(200);
  }

  return { url, port: port!, pid, logFile, endpoint, diagnostics, stop };
}


// ---------------------------------------------------------------------------------------------------
// Config variants (e.g. act as the nurse instead of the case manager)
// ---------------------------------------------------------------------------------------------------

/**
 * Writes a copy of a Playground config to a temp file and returns its path. `currentUser` makes that
 * person the current user, so the browser acts as them: anything `npm run playground -- --as` takes (a
 * first name, full name, id or aadObjectId from the file, or `outsider`; see scripts/playground-config.ts).
 * `mutate` may change anything (the tool validates the result against its schema at start-up;
 * startPlayground reports violations).
 */
export async function writePlaygroundConfig(options: {
  basePath?: string;
  currentUser?: string;
  mutate?: (config: Record<string, unknown>) => void;
}): Promise<string> {
  let config = readPlaygroundConfigFile(options.basePath ?? DEFAULT_CONFIG_PATH);
  if (options.currentUser) config = actAs(config, options.currentUser).config;
  options.mutate?.(config);
  const dir = mkdtempSync(path.join(tmpdir(), 'playground-config-'));
  const file = path.join(dir, '.m365agentsplayground.yml');
  writePlaygroundConfigFile(file, config, 'writePlaygroundConfig in test/e2e/playground.ts');
  return file;
}

// ---------------------------------------------------------------------------------------------------
// Browser
// ---------------------------------------------------------------------------------------------------

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Launches Debian's Chromium via playwright-core (`npx playwright install` does not work here). */
export async function launchBrowser(
  options: { headless?: boolean; locale?: string; timezoneId?: string; viewport?: { width: number; height: number } } = {},
): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH} (set CHROMIUM_PATH).`);
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: options.headless ?? true, args: CHROMIUM_ARGS });
  try {
    const context = await browser.newContext({
      // Wide enough that the chat pane and the log panel are both visible.
      viewport: options.viewport ?? { width: 1400, height: 900 },
      locale: options.locale ?? 'sv-SE',
      timezoneId: options.timezoneId ?? 'Europe/Stockholm',
    });
    const page = await context.newPage();
    return {
      browser,
      context,
      page,
      close: async () => {
        await browser.close().catch(() => undefined);
      },
    };
  } catch (error) {
    await browser.close().catch(() => undefined);
    throw error;
  }
}

/** Loads the Playground UI and waits until the conversation list is there. */
export async function openPlayground(page: Page, url: string, options: { timeout?: number } = {}): Promise<void> {
  const timeout = options.timeout ?? 30_000;
  await page.goto(url, { timeout });
  await page.getByRole('tree', { name: 'Teams Channel' }).waitFor({ timeout });
  // The log panel says "Connected." once the Playground has reached the bot; best effort only,
  // since the panel can be hidden.
  await page
    .getByText('Connected.', { exact: true })
    .first()
    .waitFor({ timeout: 10_000 })
    .catch(() => undefined);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The box for a new channel post ("Start a new post" + "Post"). */
export function newPostBox(page: Page): Locator {
  return page.getByRole('group').filter({ has: page.getByRole('button', { name: 'Post', exact: true }) });
}

/** All posts (threads) of the open channel, newest first. */
export function channelThreads(page: Page): Locator {
  return page.getByRole('group').filter({ has: page.getByRole('button', { name: 'Send Message', exact: true }) });
}

/**
 * Opens a channel of the mock team, e.g. "General" or "Resursgrupp – K.L.". The tree item's name is
 * "<team> - <channel>"; pass `teamName` only to disambiguate.
 */
export async function openChannel(page: Page, channelName: string, options: { teamName?: string; timeout?: number } = {}): Promise<void> {
  const timeout = options.timeout ?? 15_000;
  const name = options.teamName
    ? new RegExp(`^${escapeRegExp(options.teamName)} - ${escapeRegExp(channelName)}$`)
    : new RegExp(`(^| - )${escapeRegExp(channelName)}$`);
  const item = page.getByRole('tree', { name: 'Teams Channel' }).getByRole('treeitem', { name });
  await item.first().click({ timeout });
  await newPostBox(page).getByRole('textbox').waitFor({ timeout });
}

/** Opens the personal (1:1) chat with the bot. */
export async function openPersonalChat(page: Page, options: { timeout?: number } = {}): Promise<void> {
  const timeout = options.timeout ?? 15_000;
  await page
    .getByRole('tree', { name: 'Personal and Group Chat' })
    .getByRole('treeitem', { name: 'Personal Chat', exact: true })
    .click({ timeout });
  await page.getByRole('button', { name: 'Send Message', exact: true }).waitFor({ timeout });
}

/**
 * Types text into the Playground's (Lexical) editor. Enter would send, and Playground 0.2.28 drops
 * Shift+Enter line breaks from the activity (the bot gets the lines glued together), so multi-line
 * text is refused rather than silently mangled.
 */
function assertSingleLine(text: string): void {
  if (/[\r\n]/.test(text)) {
    throw new Error('The Playground drops line breaks from messages (the bot would get the lines glued together); send one line.');
  }
}

async function typeText(page: Page, text: string): Promise<void> {
  assertSingleLine(text);
  if (text) await page.keyboard.type(text);
}

async function clearEditor(page: Page, editor: Locator): Promise<void> {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Backspace');
}

/**
 * Inserts an @mention of `botName` into `editor`: types "@" and the start of the name, then clicks
 * the bot in the picker. Retries (clearing the editor) if the picker does not open, which happens when
 * the keystrokes race the editor's focus.
 */
async function insertMention(page: Page, editor: Locator, botName: string, timeout: number): Promise<void> {
  const prefix = botName.split(/\s/)[0]!.slice(0, 6);
  const option = page
    .getByRole('listbox', { name: 'Typeahead menu' })
    .getByRole('menuitem', { name: new RegExp(`^${escapeRegExp(botName)}\\b`) })
    .first();
  let lastError: unknown;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await clearEditor(page, editor);
      await page.keyboard.type(`@${prefix}`, { delay: 20 });
      await option.click({ timeout: Math.min(timeout, 5_000) });
      // The mention replaces "@prefix" with the bot's display name.
      const text = await editor.innerText();
      if (text.includes(botName) && !text.includes(`@${prefix}`)) return;
      lastError = new Error(`editor shows ${JSON.stringify(text)} after picking the mention`);
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`Could not @mention "${botName}": ${lastError instanceof Error ? lastError.message : String(lastError)}`);
}

/** The little of the DOM used inside evaluate callbacks (the project's tsconfig has no DOM lib). */
interface DomElement {
  innerText: string;
  getAttribute(name: string): string | null;
  setAttribute(name: string, value: string): void;
}

let markCounter = 0;
function nextMark(prefix: string): string {
  markCounter += 1;
  return `${prefix}-${Date.now().toString(36)}-${markCounter}`;
}

/**
 * Remembers every Adaptive Card currently in `scope` with its text, so that `waitForBotCard` (by
 * default) only accepts cards that appear, or change, after this. The send helpers call it.
 */
export async function markCardsSeen(scope: Page | Locator): Promise<void> {
  await scope
    .locator('.ac-adaptiveCard')
    .evaluateAll((cards) => {
      for (const card of cards as unknown as DomElement[]) card.setAttribute('data-e2e-seen', card.innerText);
    })
    .catch(() => undefined);
}

/**
 * In the open channel: starts a new post that @mentions the bot, followed by `text`, and presses
 * "Post". Returns a stable locator for the new post's thread (where the bot answers).
 */
export async function mentionBotAndPost(page: Page, botName: string, text: string, options: { timeout?: number } = {}): Promise<Locator> {
  assertSingleLine(text);
  const timeout = options.timeout ?? 15_000;
  const box = newPostBox(page);
  const editor = box.getByRole('textbox');
  await editor.waitFor({ timeout });
  const threads = channelThreads(page);
  const before = await threads.count();
  await markCardsSeen(page);

  await insertMention(page, editor, botName, timeout);
  if (text) await typeText(page, text.startsWith(' ') ? text : ` ${text}`);
  await box.getByRole('button', { name: 'Post', exact: true }).click({ timeout });
  return tagNewThread(page, before, timeout, `"@${botName} ${text}"`);
}

/**
 * Waits until the open channel has more than `before` posts and tags the newest (the first: newest
 * first), so that the returned locator survives later posts.
 */
async function tagNewThread(page: Page, before: number, timeout: number, what: string): Promise<Locator> {
  const threads = channelThreads(page);
  const deadline = Date.now() + timeout;
  while ((await threads.count()) <= before) {
    if (Date.now() > deadline) throw new Error(`The post ${what} did not appear in the channel within ${timeout} ms.`);
    await sleep(100);
  }
  const mark = nextMark('thread');
  await threads.first().evaluate((el, value) => el.setAttribute('data-e2e-thread', value), mark);
  return page.locator(`[data-e2e-thread="${mark}"]`);
}

/**
 * Replies in a channel thread. In Teams (and the Playground) the bot only receives replies that
 * @mention it, so pass `mentionBot` unless you test exactly that.
 */
export async function replyInThread(
  page: Page,
  thread: Locator,
  text: string,
  options: { mentionBot?: string; timeout?: number } = {},
): Promise<void> {
  assertSingleLine(text);
  const timeout = options.timeout ?? 15_000;
  const editor = thread.getByRole('textbox');
  await markCardsSeen(page);
  if (options.mentionBot) {
    await insertMention(page, editor, options.mentionBot, timeout);
    if (text) await typeText(page, ` ${text}`);
  } else {
    await clearEditor(page, editor);
    await typeText(page, text);
  }
  await thread.getByRole('button', { name: 'Send Message', exact: true }).click({ timeout });
}

/** Opens the personal chat with the bot (if needed) and sends `text` (no @mention needed there). */
export async function sendInPersonalChat(page: Page, text: string, options: { timeout?: number } = {}): Promise<void> {
  assertSingleLine(text);
  const timeout = options.timeout ?? 15_000;
  await openPersonalChat(page, { timeout });
  await markCardsSeen(page);
  const editor = page.getByRole('textbox').last();
  await clearEditor(page, editor);
  await typeText(page, text);
  await page.getByRole('button', { name: 'Send Message', exact: true }).click({ timeout });
}

/** The text of the Playground's log panel ("Playground -> User Application message 200 …"). */
export async function playgroundLogText(page: Page): Promise<string> {
  return page
    .locator('[contenteditable="true"][spellcheck="false"]')
    .first()
    .innerText({ timeout: 1000 })
    .catch(() => '');
}

function pageOf(scope: Page | Locator): Page {
  return 'page' in scope ? scope.page() : scope;
}

function normalise(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/**
 * Waits for an Adaptive Card whose text contains `text` (a string, compared with collapsed
 * whitespace, or a RegExp) in `scope` (the page, or a thread from `mentionBotAndPost`). By default only
 * cards that appeared or changed since the last send helper count (`onlyNew: false` to accept any).
 * Returns a stable locator for the card (to click its buttons). On timeout, the error lists the
 * cards it saw and the Playground's log panel (where a bot failure shows as e.g. "message 500").
 */
export async function waitForBotCard(
  scope: Page | Locator,
  text: string | RegExp,
  options: { timeout?: number; onlyNew?: boolean } = {},
): Promise<Locator> {
  const timeout = options.timeout ?? 30_000;
  const onlyNew = options.onlyNew ?? true;
  const page = pageOf(scope);
  const cards = scope.locator('.ac-adaptiveCard');
  const pattern = typeof text === 'string' ? { source: escapeRegExp(normalise(text)), flags: '' } : { source: text.source, flags: text.flags };
  const mark = nextMark('card');
  const deadline = Date.now() + timeout;
  for (;;) {
    const found = await cards
      .evaluateAll(
        (elements, args) => {
          const regex = new RegExp(args.source, args.flags);
          for (let i = elements.length - 1; i >= 0; i--) {
            const el = elements[i] as unknown as DomElement;
            const current = el.innerText;
            if (args.onlyNew && el.getAttribute('data-e2e-seen') === current) continue;
            if (regex.test(current.replace(/\s+/g, ' ').trim())) {
              el.setAttribute('data-e2e-card', args.mark);
              return true;
            }
          }
          return false;
        },
        { ...pattern, onlyNew, mark },
      )
      .catch(() => false);
    if (found) return page.locator(`[data-e2e-card="${mark}"]`);
    if (Date.now() > deadline) {
      const seen = await cards.allInnerTexts().catch(() => [] as string[]);
      const log = tail(await playgroundLogText(page), 15);
      throw new Error(
        `No ${onlyNew ? 'new ' : ''}Adaptive Card with ${String(text)} within ${timeout} ms.\n` +
          `Cards in scope (${seen.length}):\n${seen.map((t) => `  - ${normalise(t).slice(0, 300)}`).join('\n') || '  (none)'}\n` +
          `Playground log panel (tail):\n${log || '(empty)'}`,
      );
    }
    await sleep(150);
  }
}

/** Like `waitForBotCard`, but returns the card's visible text. */
export async function waitForBotCardText(
  scope: Page | Locator,
  text: string | RegExp,
  options: { timeout?: number; onlyNew?: boolean } = {},
): Promise<string> {
  const card = await waitForBotCard(scope, text, options);
  return card.innerText();
}

/**
 * Clicks a button (Action.Submit / Action.Execute / …) of a card by its title. The title must be
 * unique in the card, unless `index` says which of the buttons with that title (0-based, in card order,
 * e.g. the "Visa" of the second version in a list).
 */
export async function clickCardAction(card: Locator, title: string, options: { timeout?: number; index?: number } = {}): Promise<void> {
  await markCardsSeen(card.page());
  const buttons = card.getByRole('button', { name: title, exact: true });
  await (options.index === undefined ? buttons : buttons.nth(options.index)).click({ timeout: options.timeout ?? 15_000 });
}

/** Full-page screenshot; creates the directory. */
export async function screenshot(page: Page, file: string): Promise<string> {
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Picks an option of a compact Input.ChoiceSet in a card. The Playground renders it as a Fluent
 * combobox (a button that opens a listbox), not a native <select>.
 */
export async function chooseInCard(card: Locator, label: string, option: string, options: { timeout?: number } = {}): Promise<void> {
  const timeout = options.timeout ?? 15_000;
  await card.getByRole('combobox', { name: label }).or(card.getByLabel(label)).first().click({ timeout });
  await card.page().getByRole('option', { name: option, exact: true }).click({ timeout });
}

/**
 * Picks an option of a typeahead Input.ChoiceSet (`choices.data`) by typing the start of it. The
 * Playground renders it as an editable combobox that filters the card's own choices; it sends no
 * `application/search` (Teams does; test/scale.http.test.ts covers the bot's answer).
 */
export async function searchInCard(card: Locator, label: string, typed: string, option: string, options: { timeout?: number } = {}): Promise<void> {
  const timeout = options.timeout ?? 15_000;
  await card.getByRole('combobox', { name: label }).or(card.getByLabel(label)).first().click({ timeout });
  await card.page().keyboard.type(typed);
  await card.page().getByRole('option', { name: option, exact: true }).click({ timeout });
}

/**
 * Sets an Input.Date of a card to `isoDate` (YYYY-MM-DD). The Playground renders Input.Date as a
 * Fluent DatePicker: a combobox (placeholder "Select a date...") that opens a "Calendar" dialog and
 * also accepts typed text, parsed when it loses focus. Returns what the picker then shows (e.g.
 * "30 juni 2027" in a Swedish browser); throws if it did not take the date.
 */
export async function fillDateInCard(card: Locator, label: string, isoDate: string, options: { timeout?: number } = {}): Promise<string> {
  const timeout = options.timeout ?? 15_000;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(isoDate)) throw new Error(`fillDateInCard wants YYYY-MM-DD, got ${JSON.stringify(isoDate)}`);
  const input = card.getByRole('combobox', { name: label }).or(card.getByLabel(label)).first();
  await input.fill(isoDate, { timeout });
  await input.press('Tab', { timeout });
  await card
    .page()
    .getByRole('dialog', { name: 'Calendar' })
    .waitFor({ state: 'hidden', timeout: 2_000 })
    .catch(() => undefined);
  const shown = await input.inputValue({ timeout });
  if (!shown.trim()) throw new Error(`The date picker "${label}" did not accept ${isoDate}.`);
  return shown;
}

// ---------------------------------------------------------------------------------------------------
// The compose box's search message extension, and the log panel's details
// ---------------------------------------------------------------------------------------------------

/** One result of the Search-Based Message Extension panel: its preview's title and text. */
export interface SearchResult {
  title: string;
  text: string;
}

/**
 * Opens the Playground's "Search-Based Message Extension" panel from a compose box (default: the
 * channel's new-post box): its "+" button ("Trigger Message Extension App") → "Search Command". Fills
 * in the command id and the parameter name (the Playground does not read the manifest, so it cannot
 * know them) and returns the panel. The panel is a popover: a click elsewhere (e.g. in the log panel)
 * closes it.
 *
 * @example
 *   const panel = await openSearchExtension(page, { commandId: 'crisisPlanSearch', parameterName: 'alias' });
 */
export async function openSearchExtension(
  page: Page,
  options: { commandId: string; parameterName: string; composeBox?: Locator; timeout?: number },
): Promise<Locator> {
  const timeout = options.timeout ?? 15_000;
  const box = options.composeBox ?? newPostBox(page);
  await box.getByRole('button', { name: 'Trigger Message Extension App', exact: true }).click({ timeout });
  await page
    .getByRole('menu', { name: 'Trigger Message Extension App' })
    .getByRole('menuitem', { name: 'Search Command', exact: true })
    .click({ timeout });
  // The panel is a group holding the title and the search box; .last() is the innermost such group.
  const panel = page
    .getByRole('group')
    .filter({ hasText: 'Search-Based Message Extension' })
    .filter({ has: page.getByRole('textbox', { name: 'Enter a search term', exact: true }) })
    .last();
  await panel.waitFor({ timeout });
  const commandId = panel.getByRole('textbox', { name: 'Command ID', exact: true });
  if (!(await commandId.isVisible())) await panel.getByRole('button', { name: 'Specify Command ID or Parameter', exact: true }).click({ timeout });
  await commandId.fill(options.commandId, { timeout });
  await panel.getByRole('textbox', { name: 'Parameter name', exact: true }).fill(options.parameterName, { timeout });
  return panel;
}

/** How many invokes the log panel lists as answered (e.g. "… -> User Application invoke 200"). */
async function answeredInvokes(page: Page): Promise<number> {
  return (await playgroundLogText(page)).match(/-> User Application invoke \d{3}/g)?.length ?? 0;
}

/**
 * Types `query` into the search panel (replacing what was there) and waits until the Playground has
 * sent `composeExtension/query` and shown the answer: the results (each preview's title and text, in
 * order), or [] when it says "We didn't find any matches.". Throws if the bot answered an error status
 * (the log panel's "invoke 500") or nothing came within `timeout`.
 */
export async function searchInExtension(panel: Locator, query: string, options: { timeout?: number } = {}): Promise<SearchResult[]> {
  const timeout = options.timeout ?? 30_000;
  const page = panel.page();
  const before = await answeredInvokes(page);
  await panel.getByRole('textbox', { name: 'Enter a search term', exact: true }).fill(query, { timeout });
  const deadline = Date.now() + timeout;
  // On every change of the box (one, with fill) the Playground clears the results shown and sends the
  // query; it logs the invoke when answered and then shows the answer. So whatever the panel shows once
  // the count has grown is this query's answer, never the previous one's.
  while ((await answeredInvokes(page)) <= before) {
    if (Date.now() > deadline) {
      throw new Error(`The search "${query}" was not answered within ${timeout} ms.\nPlayground log panel (tail):\n${tail(await playgroundLogText(page), 15)}`);
    }
    await sleep(150);
  }
  const status = /-> User Application invoke (\d{3})\s*$/.exec((await playgroundLogText(page)).trim())?.[1];
  if (status && status !== '200') throw new Error(`The bot answered the search "${query}" with ${status}.\n${tail(await playgroundLogText(page), 15)}`);
  const titles = panel.getByRole('heading', { level: 1 });
  const none = panel.getByText("We didn't find any matches.", { exact: true });
  for (;;) {
    if ((await none.count()) > 0) return [];
    const count = await titles.count();
    if (count > 0) {
      const results: SearchResult[] = [];
      for (let i = 0; i < count; i++) {
        // A result: <h1>title</h1><h2>subtitle</h2><span>text</span> in one element.
        const title = normalise(await titles.nth(i).innerText());
        const whole = normalise(await titles.nth(i).locator('xpath=..').innerText());
        results.push({ title, text: whole.startsWith(title) ? whole.slice(title.length).trim() : whole });
      }
      return results;
    }
    if (Date.now() > deadline) throw new Error(`The search "${query}" was answered, but the panel shows neither results nor "We didn't find any matches."`);
    await sleep(150);
  }
}

/**
 * Clicks the result titled `title` in the search panel. Playground 0.2.28 then closes the panel and
 * puts the result's card (its `content` as the query returned it) into the compose box, as Teams does
 * for a preview without `tap`. It does not support `tap` (`composeExtension/selectItem`): given one, it
 * warns in the log panel and shows an error instead of the results. Returns the card in the compose
 * box (post it with `postComposed`).
 */
export async function insertSearchResult(panel: Locator, title: string, options: { composeBox?: Locator; timeout?: number } = {}): Promise<Locator> {
  const timeout = options.timeout ?? 15_000;
  const page = panel.page();
  const box = options.composeBox ?? newPostBox(page);
  await panel.getByRole('heading', { level: 1, name: title, exact: true }).click({ timeout });
  await panel.waitFor({ state: 'hidden', timeout });
  const card = box.locator('.ac-adaptiveCard').last();
  await card.waitFor({ timeout });
  return card;
}

/**
 * Presses "Post" in the channel's new-post box with whatever it holds (e.g. a card inserted by a message
 * extension) and returns the new post's thread. Without an @mention the bot receives nothing, as in
 * Teams; a card's buttons still reach it.
 */
export async function postComposed(page: Page, options: { timeout?: number } = {}): Promise<Locator> {
  const timeout = options.timeout ?? 15_000;
  const before = await channelThreads(page).count();
  await markCardsSeen(page);
  await newPostBox(page).getByRole('button', { name: 'Post', exact: true }).click({ timeout });
  return tagNewThread(page, before, timeout, 'from the compose box');
}

/** An entry of the log panel, opened: the JSON its Request and Response tabs show (text when not JSON). */
export interface PlaygroundLogEntry {
  line: string;
  request: unknown;
  response: unknown;
}

/**
 * Opens the newest `count` entries of the log panel whose link reads `label` (e.g. "invoke 200",
 * "message 201") and returns what their Request and Response tabs show, newest first. Clicking the log
 * closes popovers such as the search panel, so read the log after using them.
 *
 * @example
 *   const [query] = (await playgroundLogEntries(page, 'invoke 200', { count: 3 })).filter((e) => (e.request as { name?: string }).name === 'composeExtension/query');
 */
export async function playgroundLogEntries(page: Page, label: string, options: { count?: number; timeout?: number } = {}): Promise<PlaygroundLogEntry[]> {
  const timeout = options.timeout ?? 10_000;
  const log = page.locator('[contenteditable="true"][spellcheck="false"]').first();
  const links = log.getByText(label, { exact: true });
  const total = await links.count();
  const entries: PlaygroundLogEntry[] = [];
  // The details pane: the second read-only editor, under the Request/Response tabs.
  const details = page.locator('[contenteditable="true"][spellcheck="false"]').nth(1);
  let shown = '';
  // What the pane shows once it has changed from what it showed before (the tabs re-render it).
  const read = async (): Promise<unknown> => {
    const deadline = Date.now() + 2_000;
    let text = await details.innerText({ timeout });
    while (text === shown && Date.now() < deadline) {
      await sleep(100);
      text = await details.innerText({ timeout });
    }
    shown = text;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  };
  for (let i = total - 1; i >= Math.max(0, total - (options.count ?? 1)); i--) {
    const link = links.nth(i);
    const line = normalise(await link.locator('xpath=..').innerText({ timeout }));
    await link.click({ timeout });
    await page.getByRole('tab', { name: 'Request', exact: true }).click({ timeout });
    const request = await read();
    await page.getByRole('tab', { name: 'Response', exact: true }).click({ timeout });
    const response = await read();
    entries.push({ line, request, response });
  }
  return entries;
}
