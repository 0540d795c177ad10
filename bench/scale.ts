/**
 * `npm run bench`: the bot at scale beside a bare bot, in one run. For each database (SQLite, then
 * PostgreSQL when reachable):
 *
 * 1. starts the bot as it runs in production (`npm start`'s node command and heap flags, from package.json; compiled first if stale, one
 *    process, local mode, reminders off) on a fresh database, and beside it the bare teams-ai echo bot
 *    (bench/bare-bot.cjs: the same stack, one card per message, no database), both against a fake Bot
 *    Connector on loopback;
 * 2. seeds the scale (bench/scale-seed.ts: 1,000 groups, 6,000 members, 10,000 goals, 100,000
 *    agreements; `--scale 10` for ten times that) once the bot serves;
 * 3. sends the same Teams-shaped traffic to both, from the ten case managers of 100 groups each:
 *    `hjälp`, `plan`, `mina` in a group's channel and in personal chat, the views (plan, agreement,
 *    crisis plan) and agreement changes, at 1 and 16 concurrent senders, in short rounds that alternate
 *    between the bot and the bare bot so that a noisy machine hits both alike;
 * 4. prints one table per database (requests/s, p50, p99, errors, the ratio to the bare bot, peak
 *    memory of each process) and writes it to bench/results/scale-<date>.md.
 *
 * Every answer is checked: a message must get its reply card at the connector, an invoke its card in
 * the answer (the bot's own content for the bot: the group's alias, the changed agreement). Anything else
 * counts as an error.
 *
 *   npm run bench
 *   npm run bench -- --providers sqlite --rounds 2 --requests 100
 *   npm run bench -- --scale 10
 *   npm run bench -- --providers sqlite --only mina-personal --cpu-prof /tmp/prof
 *   npm run bench -- --providers sqlite --node-flags="--max-semi-space-size=4"
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/storage/database';
import { actionExecuteActivity, messageActivity, TENANT_ID } from '../test/support/activities';
import { createTestDatabaseUrl, postgresReachable } from '../test/support/databases';
import { startBenchConnector, type BenchConnector } from './connector';
import { findFreePort, localModeEnvironment, percentile, positiveOption, productionNodeArgs, startServerProcess, type ServerProcess } from './harness';
import { seedScale, type ScaleGroup, type ScaleSender, type ScaleSummary } from './scale-seed';

type Provider = 'sqlite' | 'postgresql';
type Target = 'bot' | 'bare';

const ROOT = join(__dirname, '..');
const CONCURRENCIES = [1, 16];
const WARMUP_REQUESTS = 60;
const ROUND_TIME_LIMIT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 15_000;

interface Options {
  providers: Provider[];
  scale: number;
  rounds: number;
  requests: number;
  only?: string[];
  cpuProfDir?: string;
  /** Extra node flags for the bot, for tuning (e.g. "--max-semi-space-size=4"). */
  nodeFlags: string[];
}

/** What one request is: the activity, and how its answer is checked. */
interface Request {
  body: string;
  activityId: string;
  /** For a message: the reply at the connector must contain this. For an invoke: the answer must. */
  expect: string;
  kind: 'message' | 'invoke';
}

interface Scenario {
  id: string;
  title: string;
  /** Messages and views count for the 60 % target; `mina` in personal chat also for its own p99. */
  make(sender: ScaleSender, group: ScaleGroup, serviceUrl: string, target: Target): Request;
}

interface Tally {
  latencies: number[];
  errors: number;
  seconds: number;
}

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
const fromOf = (sender: ScaleSender) => ({ id: sender.teamsUserId, name: sender.name, aadObjectId: sender.aadObjectId });

/** An activity in the group's own channel (a post in it), as Teams sends it. */
function inChannel<T extends { id: string }>(activity: T, group: ScaleGroup): T {
  return {
    ...activity,
    conversation: { id: `${group.conversationId};messageid=1700000000000`, conversationType: 'channel', tenantId: TENANT_ID, isGroup: true },
    channelData: { team: { id: group.teamId }, channel: { id: group.conversationId }, tenant: { id: TENANT_ID } },
  };
}

function message(text: string, sender: ScaleSender, group: ScaleGroup, serviceUrl: string, scope: 'channel' | 'personal', expect: string): Request {
  const base = messageActivity(text, { serviceUrl, scope, from: fromOf(sender) });
  const activity = scope === 'channel' ? inChannel(base, group) : base;
  return { body: JSON.stringify(activity), activityId: activity.id, expect, kind: 'message' };
}

function invoke(verb: string, data: Record<string, unknown>, sender: ScaleSender, group: ScaleGroup, serviceUrl: string, expect: string): Request {
  const activity = inChannel(actionExecuteActivity(verb, data, { serviceUrl, from: fromOf(sender) }), group);
  return { body: JSON.stringify(activity), activityId: activity.id, expect, kind: 'invoke' };
}

/** Open agreements not changed yet in this run: each change takes a fresh one (version 1), so none is stale. */
const changed = new Set<string>();
function freshAgreement(group: ScaleGroup): string {
  for (let tries = 0; tries < 20; tries++) {
    const id = pick(group.agreementIds);
    if (!changed.has(id)) return id;
  }
  return pick(group.agreementIds);
}

const SCENARIOS: Scenario[] = [
  { id: 'help-channel', title: '`hjälp` in the channel', make: (s, g, url, t) => message('hjälp', s, g, url, 'channel', t === 'bot' ? 'hjälp' : 'Echo') },
  { id: 'plan-channel', title: '`plan` in the channel', make: (s, g, url, t) => message('plan', s, g, url, 'channel', t === 'bot' ? 'planShow' : 'Echo') },
  { id: 'mina-channel', title: '`mina` in the channel', make: (s, g, url, t) => message('mina', s, g, url, 'channel', t === 'bot' ? 'mineShow' : 'Echo') },
  { id: 'help-personal', title: '`hjälp` in personal chat', make: (s, g, url, t) => message('hjälp', s, g, url, 'personal', t === 'bot' ? 'hjälp' : 'Echo') },
  { id: 'plan-personal', title: '`plan` in personal chat', make: (s, g, url, t) => message('plan', s, g, url, 'personal', t === 'bot' ? 'TextBlock' : 'Echo') },
  { id: 'mina-personal', title: '`mina` in personal chat (a member of 100 groups)', make: (s, g, url, t) => message('mina', s, g, url, 'personal', t === 'bot' ? 'Ringa hyresvärden' : 'Echo') },
  { id: 'plan-view', title: 'the plan (view)', make: (s, g, url, t) => invoke('planShow', {}, s, g, url, t === 'bot' ? g.alias : 'planShow') },
  {
    id: 'agreement-view',
    title: 'an agreement (view)',
    make: (s, g, url, t) => {
      const agreementId = pick(g.agreementIds);
      return invoke('agreementShow', { agreementId }, s, g, url, t === 'bot' ? agreementId : 'agreementShow');
    },
  },
  { id: 'crisis-view', title: 'the crisis plan (view)', make: (s, g, url, t) => invoke('crisisPlanShow', { groupId: g.groupId }, s, g, url, t === 'bot' ? g.groupId : 'crisisPlanShow') },
  {
    id: 'agreement-change',
    title: 'an agreement change (new due date)',
    make: (s, g, url, t) => {
      const agreementId = freshAgreement(g);
      if (t === 'bot') changed.add(agreementId);
      // Beyond every seeded due date (at most 60 days ahead), so the change is never 'unchanged'.
      const dueDate = new Date(Date.now() + (100 + Math.floor(Math.random() * 200)) * 86_400_000).toISOString().slice(0, 10);
      return invoke('agreementChange', { agreementId, version: 1, change: 'due_date_changed', dueDate }, s, g, url, t === 'bot' ? 'Ändringen är sparad' : 'agreementChange');
    },
  },
];

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      providers: { type: 'string', default: 'sqlite,postgresql' },
      scale: { type: 'string', default: '1' },
      rounds: { type: 'string', default: '3' },
      requests: { type: 'string', default: '150' },
      only: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'node-flags': { type: 'string', default: '' },
    },
  });
  const providers = values.providers.split(',').filter(Boolean);
  for (const p of providers) if (p !== 'sqlite' && p !== 'postgresql') throw new Error(`--providers: "${p}" is neither sqlite nor postgresql.`);
  const only = values.only?.split(',').filter(Boolean);
  for (const id of only ?? []) if (!SCENARIOS.some((s) => s.id === id)) throw new Error(`--only: no scenario "${id}" (${SCENARIOS.map((s) => s.id).join(', ')}).`);
  return { providers: providers as Provider[], scale: positiveOption('scale', values.scale), rounds: positiveOption('rounds', values.rounds), requests: positiveOption('requests', values.requests), only, cpuProfDir: values['cpu-prof'], nodeFlags: values['node-flags'].split(' ').filter(Boolean) };
}

async function post(url: string, body: string): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return { status: response.status, body: await response.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

function answered(request: Request, response: { status: number; body: string }, connector: BenchConnector): boolean {
  if (response.status !== 200) return false;
  const text = request.kind === 'message' ? JSON.stringify(connector.takeReply(request.activityId) ?? '') : response.body;
  return text.includes(request.expect);
}

async function runRound(server: ServerProcess, target: Target, scenario: Scenario, senders: ScaleSender[], connector: BenchConnector, concurrency: number, requests: number): Promise<Tally> {
  const tally: Tally = { latencies: [], errors: 0, seconds: 0 };
  const started = performance.now();
  let taken = 0;
  const send = async (lane: number) => {
    const sender = senders[lane % senders.length]!;
    while (taken < requests && performance.now() - started < ROUND_TIME_LIMIT_MS) {
      taken++;
      const request = scenario.make(sender, pick(sender.groups), connector.url, target);
      const sent = performance.now();
      const response = await post(server.url, request.body);
      tally.latencies.push(performance.now() - sent);
      if (!answered(request, response, connector)) tally.errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, lane) => send(lane)));
  tally.seconds = (performance.now() - started) / 1000;
  return tally;
}

interface ProviderResult {
  provider: Provider;
  seed: ScaleSummary;
  rows: Array<{ scenario: Scenario; concurrency: number; bot: Tally; bare: Tally }>;
  memory: { botStart: number; botPeak: number; barePeak: number };
  errorLogLines: number;
  /** The bot's error log lines (event names and codes only, never text), distinct, at most 5. */
  errorSamples: string[];
}

async function runProvider(provider: Provider, options: Options, connector: BenchConnector, scenarios: Scenario[]): Promise<ProviderResult> {
  const database = await createTestDatabaseUrl(provider);
  const opened = await openDatabase(database.url);
  const servers: ServerProcess[] = [];
  try {
    const botPort = await findFreePort();
    const profile = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
    // As npm start runs it (its heap flags), then any --node-flags, which V8 lets override them.
    const production = productionNodeArgs(ROOT);
    const bot = await startServerProcess('bot', [...profile, ...production.slice(0, -1), ...options.nodeFlags, production.at(-1)!], localModeEnvironment(botPort, { DATABASE_URL: database.url, REMINDERS: 'off' }), botPort, ROOT);
    servers.push(bot);
    const barePort = await findFreePort();
    const bare = await startServerProcess('bare bot', ['bench/bare-bot.cjs'], localModeEnvironment(barePort, {}), barePort, ROOT);
    servers.push(bare);
    const botStart = await bot.peakRssMb();
    // Seeded once the bot serves: its start-up roster check finds no group to ask Teams about.
    process.stderr.write(`${provider}: seeding scale ${options.scale}\n`);
    const { senders, summary } = await seedScale(opened.db, { scale: options.scale, serviceUrl: connector.url });
    process.stderr.write(`${provider}: seeded ${summary.groups} groups, ${summary.members} members, ${summary.goals} goals, ${summary.agreements} agreements in ${summary.seconds.toFixed(1)} s\n`);
    for (const scenario of scenarios) for (const [target, server] of [['bot', bot], ['bare', bare]] as const) await runRound(server, target, scenario, senders, connector, 4, WARMUP_REQUESTS);
    const rows = scenarios.flatMap((scenario) => CONCURRENCIES.map((concurrency) => ({ scenario, concurrency, bot: emptyTally(), bare: emptyTally() })));
    for (let round = 1; round <= options.rounds; round++) {
      for (const row of rows) {
        // Which goes first alternates, so neither always follows the other.
        const order: Target[] = round % 2 === 1 ? ['bot', 'bare'] : ['bare', 'bot'];
        for (const target of order) addTally(row[target], await runRound(target === 'bot' ? bot : bare, target, row.scenario, senders, connector, row.concurrency, options.requests));
      }
      process.stderr.write(`${provider}: round ${round}/${options.rounds} done\n`);
    }
    const memory = { botStart, botPeak: await bot.peakRssMb(), barePeak: await bare.peakRssMb() };
    return { provider, seed: summary, rows, memory, errorLogLines: bot.errorLines.length, errorSamples: [...new Set(bot.errorLines.map((line) => line.replace(/"(time|ts|at)":"[^"]*",?/g, '')))].slice(0, 5) };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await opened.close();
    await database.drop();
  }
}

const emptyTally = (): Tally => ({ latencies: [], errors: 0, seconds: 0 });
function addTally(total: Tally, round: Tally): void {
  total.latencies.push(...round.latencies);
  total.errors += round.errors;
  total.seconds += round.seconds;
}

function summarize(tally: Tally) {
  const sorted = [...tally.latencies].sort((a, b) => a - b);
  return { requests: sorted.length, perSecond: sorted.length / tally.seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), errors: tally.errors };
}

function formatProvider(result: ProviderResult): string {
  const name = result.provider === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const lines = [
    `## ${name}`,
    '',
    `${result.seed.groups.toLocaleString('en')} groups, ${result.seed.members.toLocaleString('en')} members, ${result.seed.goals.toLocaleString('en')} goals, ` +
      `${result.seed.agreements.toLocaleString('en')} agreements, seeded in ${result.seed.seconds.toFixed(1)} s. Senders: the ten case managers of 100 groups each.`,
    '',
    '| traffic | senders | bot req/s | bot p50 ms | bot p99 ms | bot errors | bare req/s | bare p50 ms | bare p99 ms | bare errors | bot ÷ bare req/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const at16: number[] = [];
  let worstP99At16 = 0;
  let minaP99 = NaN;
  for (const row of result.rows) {
    const bot = summarize(row.bot);
    const bare = summarize(row.bare);
    const ratio = bot.perSecond / bare.perSecond;
    if (row.concurrency === 16) {
      at16.push(ratio);
      worstP99At16 = Math.max(worstP99At16, bot.p99);
    }
    if (row.scenario.id === 'mina-personal') minaP99 = Math.max(Number.isNaN(minaP99) ? 0 : minaP99, bot.p99);
    lines.push(
      `| ${row.scenario.title} | ${row.concurrency} | ${bot.perSecond.toFixed(0)} | ${bot.p50.toFixed(1)} | ${bot.p99.toFixed(1)} | ${bot.errors} | ` +
        `${bare.perSecond.toFixed(0)} | ${bare.p50.toFixed(1)} | ${bare.p99.toFixed(1)} | ${bare.errors} | ${ratio.toFixed(2)}× |`,
    );
  }
  const minRatio = Math.min(...at16);
  const yes = (ok: boolean) => (ok ? 'yes' : 'no');
  lines.push(
    '',
    `Peak RSS: bot ${result.memory.botPeak.toFixed(0)} MB (${result.memory.botStart.toFixed(0)} MB once it served, before the seed), bare bot ${result.memory.barePeak.toFixed(0)} MB. Error log lines of the bot: ${result.errorLogLines}.${result.errorSamples.map((line) => `\n\n    ${line}`).join('')}`,
    '',
    `Targets${result.provider === 'sqlite' ? '' : ' (set for SQLite; printed here beside them)'}: at 16 senders, every kind of traffic at ≥ 60 % of the bare bot's requests/s: ${yes(minRatio >= 0.6)} (lowest ${(minRatio * 100).toFixed(0)} %); ` +
      `p99 under 50 ms: ${yes(worstP99At16 < 50)} (highest ${worstP99At16.toFixed(1)} ms); ` +
      `\`mina\` for a member of 100 groups p99 under 50 ms: ${Number.isNaN(minaP99) ? 'not run' : `${yes(minaP99 < 50)} (${minaP99.toFixed(1)} ms)`}; ` +
      `peak memory of the bot under 200 MB: ${yes(result.memory.botPeak < 200)} (${result.memory.botPeak.toFixed(0)} MB).`,
  );
  return lines.join('\n');
}

function describeCommit(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain', '--untracked-files=no') ? ' (modified)' : ''}`;
  } catch {
    return '?';
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const scenarios = options.only ? SCENARIOS.filter((s) => options.only!.includes(s.id)) : SCENARIOS;
  // The bot runs as in production: compiled JavaScript in one node process.
  execFileSync(process.execPath, [join(ROOT, 'scripts', 'build-if-stale.mjs')], { stdio: 'inherit', cwd: ROOT });
  const providers = options.providers.filter((p) => p === 'sqlite' || postgresReachable());
  for (const p of options.providers) if (!providers.includes(p)) process.stderr.write(`PostgreSQL is not reachable: skipping ${p}.\n`);
  const connector = await startBenchConnector([]);
  const loadBefore = loadavg();
  const results: ProviderResult[] = [];
  try {
    for (const provider of providers) results.push(await runProvider(provider, options, connector, scenarios));
  } finally {
    await connector.close();
  }
  const load = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ');
  const report = [
    `# Scale benchmark, ${new Date().toISOString()}, commit ${describeCommit()}`,
    '',
    `The bot as it runs in production (\`node ${[...productionNodeArgs(ROOT).slice(0, -1), ...options.nodeFlags, 'dist/src/index.js'].join(' ')}\`, one process, local mode, reminders off) beside the bare teams-ai echo bot ` +
      `(bench/bare-bot.cjs: one Adaptive Card per message, no database), the same traffic to both in alternating rounds: ${options.rounds} rounds of ` +
      `${options.requests} requests per kind, target and number of senders, after a warm-up. Latency: to the HTTP answer of POST /api/messages ` +
      `(a message is answered once its reply reached the fake connector). Errors: a non-200 answer, or a reply or card without what it must show. ` +
      `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load average ${load(loadBefore)} before, ${load(loadavg())} after.`,
    '',
    ...results.flatMap((result) => [formatProvider(result), '']),
  ].join('\n');
  process.stdout.write(`${report}\n`);
  const directory = join(__dirname, 'results');
  await mkdir(directory, { recursive: true });
  const file = join(directory, `scale-${new Date().toISOString().slice(0, 16).replace(':', '')}.md`);
  await writeFile(file, report);
  process.stderr.write(`written to ${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});

