/**
 * Load benchmark of the message path, for comparing project directories side by side (before and after
 * a change). Each directory's bot runs as `npm start` runs it (its own tsx, local mode) in a process of
 * its own with a fresh SQLite database; one resource group is set up over HTTP; then `hjälp` and `plan`
 * are posted at 1 and 8 concurrent senders in short rounds that alternate between the directories, so
 * that the noise of a shared machine hits all of them alike. Latency is the time to the HTTP response
 * of POST /api/messages (the bot answers after its reply reached the connector). Prints requests/s,
 * p50/p99, errors and peak RSS per directory and writes the same tables to bench/results/.
 *
 *   npm run bench:messages -- --dirs /work/wt-bench,/work/main --rounds 6 --messages 300
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { GROUP_SETUP_VERB } from '../src/teams/groups';
import { actionExecuteActivity, messageActivity, USERS } from '../test/support/activities';
import { startBenchConnector, type BenchConnector, type ConnectorActivity } from './connector';
import { findFreePort, percentile, positiveOption } from './harness';

const GROUP_ALIAS = 'K.L.';
const SENDER = USERS.sara;
const CONCURRENCIES = [1, 8];
/** What each text must get back; anything else (an apology, a refusal) counts as a bad reply. */
const EXPECTED_REPLIES: Record<string, (card: unknown) => boolean> = {
  hjälp: (card) => JSON.stringify(card).includes(GROUP_ALIAS),
  plan: (card) => (card as { refresh?: { action?: { verb?: string } } })?.refresh?.action?.verb === 'planShow',
};
const WARMUP_MESSAGES = 50;
const ROUND_TIME_LIMIT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 90_000;

interface Options {
  dirs: string[];
  rounds: number;
  messages: number;
}

interface Scenario {
  text: string;
  concurrency: number;
}

interface BotProcess {
  label: string;
  dir: string;
  commit: string;
  url: string;
  dataDir: string;
  child?: ChildProcess;
  errorLogLines: number;
  outputTail: string[];
  /** Peak RSS in MB once the bot answered /healthz, before any traffic (start-up: tsx, migrations). */
  startPeakMb?: number;
}

interface Tally {
  latencies: number[];
  errors: number;
  badReplies: number;
  seconds: number;
}

const botProcesses: BotProcess[] = [];
/** Set by the first SIGINT/SIGTERM: senders finish the requests in flight, then the benchmark cleans up. */
let interrupted = false;

class Interrupted extends Error {}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: { dirs: { type: 'string' }, rounds: { type: 'string', default: '4' }, messages: { type: 'string', default: '200' } },
  });
  const dirs = (values.dirs ?? '.').split(',').filter(Boolean).map((dir) => resolve(dir));
  for (const dir of dirs) {
    if (!existsSync(join(dir, 'src/index.ts'))) throw new Error(`${dir} has no src/index.ts: give project directories.`);
    if (!existsSync(join(dir, 'node_modules/tsx/package.json'))) throw new Error(`${dir} has no node_modules/tsx: run npm install there first.`);
  }
  return { dirs, rounds: positiveOption('rounds', values.rounds), messages: positiveOption('messages', values.messages) };
}

function describeCommit(dir: string): string {
  try {
    const git = (...args: string[]) => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') ? `${commit} (modified)` : commit;
  } catch {
    return '?';
  }
}

/** The environment of a bot in local mode: no credentials, a fresh database, warnings only. */
function botEnvironment(port: number, dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DATABASE_URL: `file:${join(dataDir, 'bench.db')}`, LOG_LEVEL: 'warn' };
  for (const name of ['MicrosoftAppId', 'MicrosoftAppPassword', 'MicrosoftAppType', 'MicrosoftAppTenantId', 'NODE_ENV', 'HOST']) delete env[name];
  return env;
}

async function waitForHealth(bot: BotProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (interrupted) throw new Interrupted();
    if (bot.child?.exitCode !== null) break;
    const healthy = await fetch(`${bot.url}/healthz`).then((r) => r.ok, () => false);
    if (healthy) return;
    await new Promise((wake) => setTimeout(wake, 200));
  }
  throw new Error(`The bot in ${bot.dir} did not become healthy. Its last output:\n${bot.outputTail.join('\n')}`);
}

/** Starts `node --import tsx src/index.ts` in the directory (its own tsx, as `npm start` does) and waits for /healthz. */
async function startBotProcess(dir: string, label: string): Promise<BotProcess> {
  const port = await findFreePort();
  const bot: BotProcess = {
    label,
    dir,
    commit: describeCommit(dir),
    url: `http://127.0.0.1:${port}`,
    dataDir: await mkdtemp(join(tmpdir(), 'bench-messages-')),
    errorLogLines: 0,
    outputTail: [],
  };
  botProcesses.push(bot);
  bot.child = spawn(process.execPath, ['--import', 'tsx', 'src/index.ts'], { cwd: dir, env: botEnvironment(port, bot.dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      if (line.includes('"level":"error"')) {
        bot.errorLogLines++;
        // Log lines carry event names and codes only (never message text), so they can be shown.
        if (bot.errorLogLines <= 5) process.stderr.write(`error logged by the bot in ${dir}: ${line}\n`);
      }
      bot.outputTail = [...bot.outputTail.slice(-19), line];
    }
  };
  bot.child.stdout?.on('data', collect);
  bot.child.stderr?.on('data', collect);
  await waitForHealth(bot);
  bot.startPeakMb = await readMemoryMb(bot, 'VmHWM');
  return bot;
}

async function stopBotProcess(bot: BotProcess): Promise<void> {
  const child = bot.child;
  if (child && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }
  await rm(bot.dataDir, { recursive: true, force: true });
}

async function stopBotProcesses(): Promise<void> {
  await Promise.all(botProcesses.splice(0).map(stopBotProcess));
}

async function postActivity(bot: BotProcess, body: string): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`${bot.url}/api/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    return { status: response.status, body: await response.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** Makes the test channel a resource group with the sender as consented case manager, as a user would. */
async function seedGroup(bot: BotProcess, connector: BenchConnector): Promise<void> {
  const data = { alias: GROUP_ALIAS, model: 'FACT', caseManager: SENDER.id, locale: 'sv' };
  const response = await postActivity(bot, JSON.stringify(actionExecuteActivity(GROUP_SETUP_VERB, data, { serviceUrl: connector.url, from: SENDER })));
  if (response.status !== 200 || !response.body.includes(GROUP_ALIAS)) {
    throw new Error(`Setting up the group in ${bot.dir} answered ${response.status}: ${response.body.slice(0, 300)}`);
  }
}

function isExpectedReply(text: string, reply: ConnectorActivity | undefined): boolean {
  const card = reply?.attachments?.[0]?.content;
  return card !== undefined && (EXPECTED_REPLIES[text]?.(card) ?? false);
}

/** Posts `messages` messages from `concurrency` senders (or until the round's time limit) and tallies them. */
async function runRound(bot: BotProcess, connector: BenchConnector, scenario: Scenario, messages: number): Promise<Tally> {
  const tally: Tally = { latencies: [], errors: 0, badReplies: 0, seconds: 0 };
  const started = performance.now();
  let taken = 0;
  const sendMessages = async () => {
    while (!interrupted && taken < messages && performance.now() - started < ROUND_TIME_LIMIT_MS) {
      taken++;
      const activity = messageActivity(scenario.text, { serviceUrl: connector.url, from: SENDER });
      const body = JSON.stringify(activity);
      const sent = performance.now();
      const response = await postActivity(bot, body);
      tally.latencies.push(performance.now() - sent);
      if (response.status !== 200) tally.errors++;
      else if (!isExpectedReply(scenario.text, connector.takeReply(activity.id))) tally.badReplies++;
    }
  };
  await Promise.all(Array.from({ length: scenario.concurrency }, sendMessages));
  if (interrupted) throw new Interrupted();
  tally.seconds = (performance.now() - started) / 1000;
  return tally;
}

function addTally(total: Tally, round: Tally): void {
  total.latencies.push(...round.latencies);
  total.errors += round.errors;
  total.badReplies += round.badReplies;
  total.seconds += round.seconds;
}


function summarizeTally(tally: Tally) {
  const sorted = [...tally.latencies].sort((a, b) => a - b);
  return { perSecond: tally.latencies.length / tally.seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), requests: sorted.length };
}

/** A memory figure of a running process from /proc (VmHWM: peak resident set, VmRSS: current), in MB. */
async function readMemoryMb(bot: BotProcess, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${bot.child?.pid}/status`, 'utf8').catch(() => '');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]) / 1024;
}

function formatScenarioTable(scenario: Scenario, bots: BotProcess[], tallies: Tally[]): string {
  const rows = tallies.map(summarizeTally);
  const first = rows[0]!;
  const withRatio = (value: number, base: number, index: number) => (index === 0 ? value.toFixed(1) : `${value.toFixed(1)} (${(value / base).toFixed(2)}×)`);
  const lines = [
    `### \`${scenario.text}\`, ${scenario.concurrency} sender${scenario.concurrency === 1 ? '' : 's'}`,
    '',
    '| dir | requests | req/s | p50 ms | p99 ms | errors | bad replies |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map((row, i) =>
      `| ${bots[i]!.label} | ${row.requests} | ${withRatio(row.perSecond, first.perSecond, i)} | ${withRatio(row.p50, first.p50, i)} | ${withRatio(row.p99, first.p99, i)} | ${tallies[i]!.errors} | ${tallies[i]!.badReplies} |`,
    ),
  ];
  return lines.join('\n');
}

function formatReport(options: Options, scenarios: Scenario[], bots: BotProcess[], tallies: Tally[][], memory: Array<{ peak: number; end: number }>, loadBefore: number[]): string {
  const load = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ');
  return [
    `# Message path benchmark, ${new Date().toISOString()}`,
    '',
    `${options.rounds} rounds of ${options.messages} messages per text, concurrency and dir, alternating between the dirs ` +
      `after a warm-up of ${WARMUP_MESSAGES}. Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ` +
      `load average ${load(loadBefore)} before, ${load(loadavg())} after.`,
    'Ratios in parentheses are to the first dir (req/s: above 1 is faster; ms: below 1 is faster). ' +
      'Errors are non-200 answers or failed requests; bad replies are 200s whose reply was missing or not the expected card.',
    '',
    '| dir | path | commit | peak RSS MB at start | peak RSS MB | RSS MB at end | error log lines |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: |',
    ...bots.map(
      (bot, i) =>
        `| ${bot.label} | ${bot.dir} | ${bot.commit} | ${bot.startPeakMb?.toFixed(1)} | ${memory[i]!.peak.toFixed(1)} | ${memory[i]!.end.toFixed(1)} | ${bot.errorLogLines} |`,
    ),
    '',
    ...scenarios.flatMap((scenario, s) => [formatScenarioTable(scenario, bots, tallies[s]!), '']),
  ].join('\n');
}

async function writeReport(report: string): Promise<string> {
  const directory = join(__dirname, 'results');
  await mkdir(directory, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 16).replace(':', '');
  const file = join(directory, `messages-${stamp}.md`);
  await writeFile(file, report);
  return file;
}

async function runBenchmark(options: Options): Promise<void> {
  const scenarios = Object.keys(EXPECTED_REPLIES).flatMap((text) => CONCURRENCIES.map((concurrency) => ({ text, concurrency })));
  const connector = await startBenchConnector([SENDER, USERS.anna, USERS.omar]);
  try {
    const bots: BotProcess[] = [];
    for (const [i, dir] of options.dirs.entries()) {
      process.stderr.write(`starting the bot in ${dir}\n`);
      bots.push(await startBotProcess(dir, String.fromCharCode(65 + i)));
    }
    for (const bot of bots) await seedGroup(bot, connector);
    for (const bot of bots) for (const text of Object.keys(EXPECTED_REPLIES)) await runRound(bot, connector, { text, concurrency: 8 }, WARMUP_MESSAGES);
    const loadBefore = loadavg();
    const tallies = scenarios.map(() => bots.map((): Tally => ({ latencies: [], errors: 0, badReplies: 0, seconds: 0 })));
    for (let round = 1; round <= options.rounds; round++) {
      for (const [s, scenario] of scenarios.entries()) {
        for (const [b, bot] of bots.entries()) addTally(tallies[s]![b]!, await runRound(bot, connector, scenario, options.messages));
      }
      process.stderr.write(`round ${round}/${options.rounds} done\n`);
    }
    const memory = await Promise.all(bots.map(async (bot) => ({ peak: await readMemoryMb(bot, 'VmHWM'), end: await readMemoryMb(bot, 'VmRSS') })));
    const report = formatReport(options, scenarios, bots, tallies, memory, loadBefore);
    process.stdout.write(`${report}\n`);
    process.stderr.write(`written to ${await writeReport(report)}\n`);
  } finally {
    await stopBotProcesses();
    await connector.close();
  }
}

/** The first signal stops the benchmark after the requests in flight; a second one kills the bots at once. */
function interruptBenchmark(): void {
  if (!interrupted) {
    interrupted = true;
    process.stderr.write('interrupted: stopping after the requests in flight (again to stop at once)\n');
    return;
  }
  for (const bot of botProcesses) {
    bot.child?.kill('SIGKILL');
    rmSync(bot.dataDir, { recursive: true, force: true });
  }
  process.exit(130);
}

async function main(): Promise<void> {
  process.on('SIGINT', interruptBenchmark);
  process.on('SIGTERM', interruptBenchmark);
  try {
    await runBenchmark(parseOptions(process.argv.slice(2)));
  } catch (error) {
    if (!(error instanceof Interrupted)) process.stderr.write(`bench:messages failed: ${(error as Error)?.message ?? String(error)}\n`);
    process.exitCode = interrupted ? 130 : 1;
  }
}

void main();
