/**
 * `npm run bench`: the bot at scale beside a bare bot, in one run. For each database (SQLite, then
 * PostgreSQL when reachable):
 *
 * 1. starts the bot as it runs in production (`npm start`'s node command and heap flags, from package.json; compiled first if stale, one
 *    process, local mode, the reminder scheduler on, log level info: the defaults) on a fresh database, and beside it the bare teams-ai
 *    echo bot (bench/bare-bot.cjs: the same stack, one card per message, no database), both against a fake Bot Connector on loopback;
 * 2. seeds the scale (bench/scale-seed.ts: 1,000 groups, 6,000 members, 10,000 goals, 100,000
 *    agreements; `--scale 10` for ten times that) once the bot serves, as an import leaves it (no
 *    reminder planned), with working time all day so that reminders fall due at any hour;
 * 3. the catch-up: while the bot's scheduler plans every agreement's reminders and sends those due,
 *    `hjälp` at 1 sender, then the same when it has caught up (idle), with the event-loop delay from
 *    the bot's own `process.stats` lines (src/process-stats.ts);
 * 4. sends the same Teams-shaped traffic to both, from the ten case managers of 100 groups each:
 *    `hjälp`, `plan`, `mina` in a group's channel and in personal chat, the views (plan, agreement,
 *    crisis plan) and agreement changes, at 1 and 16 concurrent senders, in short rounds that alternate
 *    between the bot and the bare bot so that a noisy machine hits both alike;
 * 5. prints one table per database (requests/s, p50, p99, errors, the ratio to the bare bot, peak
 *    memory of each process) and the targets, and writes it to bench/results/scale-<date>.md.
 *
 * `--soak 30m`: instead of 4, mixed traffic (messages, views, changes, new agreements whose reminders
 * fall due at once) from 4 senders for that long, and a line a minute: the bot's RSS and heap, event-loop
 * delay p99, longest scheduler tick, backlog, reminders sent, requests and errors; then duplicates (a
 * reminder audited as sent twice), errors and restarts (the bot is started again if it dies), and
 * whether memory stayed flat (the heap's mean of the last five minutes against that of minutes 3–8).
 *
 * Every answer is checked: a message must get its reply card at the connector, an invoke its card in
 * the answer (the bot's own content for the bot: the group's alias, the changed agreement). Anything else
 * counts as an error.
 *
 *   npm run bench
 *   npm run bench -- --providers sqlite --rounds 2 --requests 100
 *   npm run bench -- --scale 10
 *   npm run bench -- --soak 30m --scale 10
 *   npm run bench -- --soak 3m --providers sqlite
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
import { findFreePort, localModeEnvironment, percentile, positiveOption, productionNodeArgs, startServerProcess, type ProcessStats, type ServerProcess } from './harness';
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
  /** --soak: run mixed traffic this long (ms) instead of the rounds. */
  soakMs?: number;
}

/** The bot's environment: production's defaults (scheduler on, log level info), a stats line every 2 s for the benchmark to read. */
const BOT_ENV = { LOG_LEVEL: 'info', STATS_INTERVAL_SECONDS: '2' };
/** The catch-up is measured until the bot has planned and sent everything (its stats say so), at most this long. */
const CATCH_UP_LIMIT_MS = 10 * 60_000;
const SOAK_SENDERS = 4;

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

/** A new agreement due tomorrow, by the case manager for themselves: its reminder falls due at once (soak only). */
const CREATE: Scenario = {
  id: 'agreement-create',
  title: 'a new agreement (due tomorrow)',
  make: (s, g, url, t) => {
    const what = `Följa upp ${Math.random().toString(36).slice(2, 10)}`;
    const dueDate = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    return invoke('agreementCreate', { what, responsible: g.caseManagerMemberId, dueDate }, s, g, url, t === 'bot' ? what : 'agreementCreate');
  },
};

/** "30m", "90s", "1h" in ms. */
function durationOption(name: string, raw: string): number {
  const match = /^(\d+)(s|m|h)$/.exec(raw.trim());
  if (!match) throw new Error(`--${name}: "${raw}" is not a duration such as 90s, 30m or 1h.`);
  return Number(match[1]) * { s: 1_000, m: 60_000, h: 3_600_000 }[match[2] as 's' | 'm' | 'h'];
}

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
      soak: { type: 'string' },
    },
  });
  const providers = values.providers.split(',').filter(Boolean);
  for (const p of providers) if (p !== 'sqlite' && p !== 'postgresql') throw new Error(`--providers: "${p}" is neither sqlite nor postgresql.`);
  const only = values.only?.split(',').filter(Boolean);
  for (const id of only ?? []) if (!SCENARIOS.some((s) => s.id === id)) throw new Error(`--only: no scenario "${id}" (${SCENARIOS.map((s) => s.id).join(', ')}).`);
  return { providers: providers as Provider[], scale: positiveOption('scale', values.scale), rounds: positiveOption('rounds', values.rounds), requests: positiveOption('requests', values.requests), only, cpuProfDir: values['cpu-prof'], nodeFlags: values['node-flags'].split(' ').filter(Boolean), soakMs: values.soak ? durationOption('soak', values.soak) : undefined };
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

interface CatchUp {
  /** How long the bot took to plan every agreement and send what was due (capped at CATCH_UP_LIMIT_MS). */
  seconds: number;
  finished: boolean;
  sent: number;
  during: Tally;
  idle: Tally;
  /** The highest event-loop delay p99 of the bot's stats lines during the catch-up, and after it. */
  delayP99Ms: number;
  idleDelayP99Ms: number;
  longestTickMs: number;
}

interface SoakMinute {
  minute: number;
  rssMb: number;
  heapUsedMb: number;
  delayP99Ms: number;
  longestTickMs: number;
  remindersDue: number;
  agreementsUnplanned: number;
  sent: number;
  requests: number;
  errors: number;
  p99: number;
}

interface Soak {
  minutes: SoakMinute[];
  requests: number;
  errors: number;
  restarts: number;
  remindersSent: number;
  duplicates: number;
}

interface ProviderResult {
  provider: Provider;
  seed: ScaleSummary;
  catchUp: CatchUp;
  rows: Array<{ scenario: Scenario; concurrency: number; bot: Tally; bare: Tally }>;
  soak?: Soak;
  memory: { botStart: number; botPeak: number; barePeak: number };
  errorLogLines: number;
  /** The bot's error log lines (event names and codes only, never text), distinct, at most 5. */
  errorSamples: string[];
}

const statsSince = (server: ServerProcess, since: number, until = Infinity) => server.stats.filter((s) => Date.parse(s.time) >= since && Date.parse(s.time) < until);
const highest = (stats: ProcessStats[], pick: (s: ProcessStats) => number | undefined) => Math.max(0, ...stats.map((s) => pick(s) ?? 0));

/**
 * `hjälp` at 1 sender while the bot plans the seeded agreements and sends what is due, until its stats
 * line says nothing is left (or CATCH_UP_LIMIT_MS); then as many requests with nothing to catch up on.
 */
async function measureCatchUp(bot: ServerProcess, senders: ScaleSender[], connector: BenchConnector, seededAt: number): Promise<CatchUp> {
  const help = SCENARIOS.find((s) => s.id === 'help-channel')!;
  const during = emptyTally();
  const caughtUp = () => {
    const last = bot.stats.at(-1);
    return Boolean(last && Date.parse(last.time) > seededAt && last.agreementsUnplanned === 0 && last.remindersDue === 0);
  };
  while (!caughtUp() && Date.now() - seededAt < CATCH_UP_LIMIT_MS) addTally(during, await runRound(bot, 'bot', help, senders, connector, 1, 20));
  const finishedAt = Date.now();
  const finished = caughtUp();
  const idle = emptyTally();
  while (idle.latencies.length < Math.max(100, Math.min(during.latencies.length, 400))) addTally(idle, await runRound(bot, 'bot', help, senders, connector, 1, 20));
  const duringStats = statsSince(bot, seededAt, finishedAt);
  return {
    seconds: (finishedAt - seededAt) / 1000,
    finished,
    sent: duringStats.reduce((sum, s) => sum + (s.sent ?? 0), 0),
    during,
    idle,
    delayP99Ms: highest(duringStats, (s) => s.eventLoopDelayP99Ms),
    idleDelayP99Ms: highest(statsSince(bot, finishedAt + 2_000), (s) => s.eventLoopDelayP99Ms),
    longestTickMs: highest(duringStats, (s) => s.maxTickMs),
  };
}

/**
 * Mixed traffic from SOAK_SENDERS senders for `durationMs`, a line a minute from the bot's stats; the
 * bot is started again (and counted) if it dies. Reminders audited as sent more than once are duplicates.
 */
async function runSoak(start: () => Promise<ServerProcess>, current: { bot: ServerProcess }, senders: ScaleSender[], connector: BenchConnector, durationMs: number, opened: Awaited<ReturnType<typeof openDatabase>>, provider: Provider): Promise<Soak> {
  const mix = [...SCENARIOS.filter((s) => ['help-channel', 'plan-channel', 'mina-personal', 'plan-view', 'agreement-view', 'crisis-view', 'agreement-change'].includes(s.id)), CREATE];
  const started = Date.now();
  const minutes: SoakMinute[] = [];
  let restarts = 0;
  let minute = { latencies: [] as number[], errors: 0, startedAt: started };
  const total = { requests: 0, errors: 0 };
  const lane = async (n: number) => {
    const sender = senders[n % senders.length]!;
    while (Date.now() - started < durationMs) {
      if (current.bot.child.exitCode !== null) {
        await new Promise((wake) => setTimeout(wake, 500));
        continue;
      }
      const scenario = pick(mix);
      const request = scenario.make(sender, pick(sender.groups), connector.url, 'bot');
      const sent = performance.now();
      const response = await post(current.bot.url, request.body);
      minute.latencies.push(performance.now() - sent);
      total.requests++;
      if (!answered(request, response, connector)) {
        minute.errors++;
        total.errors++;
      }
    }
  };
  const watch = async () => {
    while (Date.now() - started < durationMs) {
      await new Promise((wake) => setTimeout(wake, Math.min(60_000, Math.max(0, minute.startedAt + 60_000 - Date.now()))));
      if (current.bot.child.exitCode !== null) {
        restarts++;
        process.stderr.write(`${provider}: the bot exited (${current.bot.child.exitCode}); starting it again\n`);
        current.bot = await start();
      }
      const stats = statsSince(current.bot, minute.startedAt);
      const last = stats.at(-1);
      const sorted = [...minute.latencies].sort((a, b) => a - b);
      const line: SoakMinute = {
        minute: minutes.length + 1,
        rssMb: highest(stats, (s) => s.rssMb),
        heapUsedMb: highest(stats, (s) => s.heapUsedMb),
        delayP99Ms: highest(stats, (s) => s.eventLoopDelayP99Ms),
        longestTickMs: highest(stats, (s) => s.maxTickMs),
        remindersDue: last?.remindersDue ?? NaN,
        agreementsUnplanned: last?.agreementsUnplanned ?? NaN,
        sent: stats.reduce((sum, s) => sum + (s.sent ?? 0), 0),
        requests: sorted.length,
        errors: minute.errors,
        p99: percentile(sorted, 0.99),
      };
      minutes.push(line);
      process.stderr.write(`${provider}: soak minute ${line.minute}: RSS ${line.rssMb} MB, heap ${line.heapUsedMb} MB, delay p99 ${line.delayP99Ms} ms, tick ${line.longestTickMs} ms, due ${line.remindersDue}, unplanned ${line.agreementsUnplanned}, sent ${line.sent}, ${line.requests} requests, ${line.errors} errors, p99 ${line.p99.toFixed(1)} ms\n`);
      minute = { latencies: [], errors: 0, startedAt: Date.now() };
    }
  };
  await Promise.all([watch(), ...Array.from({ length: SOAK_SENDERS }, (_, n) => lane(n))]);
  const [sentRow] = await opened.db.$queryRawUnsafe<Array<{ n: number | bigint }>>(`SELECT COUNT(*) AS n FROM "Reminder" WHERE "status" = 'sent'`);
  const [duplicateRow] = await opened.db.$queryRawUnsafe<Array<{ n: number | bigint }>>(
    `SELECT COUNT(*) AS n FROM (SELECT "entityId" FROM "AuditEvent" WHERE "action" = 'reminder.sent' GROUP BY "entityId" HAVING COUNT(*) > 1) AS d`,
  );
  return { minutes, requests: total.requests, errors: total.errors, restarts, remindersSent: Number(sentRow?.n ?? 0), duplicates: Number(duplicateRow?.n ?? 0) };
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
    const startBot = () => startServerProcess('bot', [...profile, ...production.slice(0, -1), ...options.nodeFlags, production.at(-1)!], localModeEnvironment(botPort, { DATABASE_URL: database.url, ...BOT_ENV }), botPort, ROOT);
    const current = { bot: await startBot() };
    servers.push(current.bot);
    const barePort = await findFreePort();
    const bare = await startServerProcess('bare bot', ['bench/bare-bot.cjs'], localModeEnvironment(barePort, {}), barePort, ROOT);
    servers.push(bare);
    const botStart = await current.bot.peakRssMb();
    // Seeded once the bot serves: its start-up roster check finds no group to ask Teams about.
    process.stderr.write(`${provider}: seeding scale ${options.scale}\n`);
    const { senders, summary } = await seedScale(opened.db, { scale: options.scale, serviceUrl: connector.url, allDay: true });
    process.stderr.write(`${provider}: seeded ${summary.groups} groups, ${summary.members} members, ${summary.goals} goals, ${summary.agreements} agreements in ${summary.seconds.toFixed(1)} s\n`);
    const catchUp = await measureCatchUp(current.bot, senders, connector, Date.now());
    process.stderr.write(`${provider}: caught up in ${catchUp.seconds.toFixed(0)} s${catchUp.finished ? '' : ' (not finished)'}, ${catchUp.sent} reminders sent\n`);
    const rows = scenarios.flatMap((scenario) => CONCURRENCIES.map((concurrency) => ({ scenario, concurrency, bot: emptyTally(), bare: emptyTally() })));
    let soak: Soak | undefined;
    if (options.soakMs) {
      soak = await runSoak(async () => {
        const restarted = await startBot();
        servers.push(restarted);
        return restarted;
      }, current, senders, connector, options.soakMs, opened, provider);
    } else {
      for (const scenario of scenarios) for (const [target, server] of [['bot', current.bot], ['bare', bare]] as const) await runRound(server, target, scenario, senders, connector, 4, WARMUP_REQUESTS);
      for (let round = 1; round <= options.rounds; round++) {
        for (const row of rows) {
          // Which goes first alternates, so neither always follows the other.
          const order: Target[] = round % 2 === 1 ? ['bot', 'bare'] : ['bare', 'bot'];
          for (const target of order) addTally(row[target], await runRound(target === 'bot' ? current.bot : bare, target, row.scenario, senders, connector, row.concurrency, options.requests));
        }
        process.stderr.write(`${provider}: round ${round}/${options.rounds} done\n`);
      }
    }
    const bot = current.bot;
    const memory = { botStart, botPeak: await bot.peakRssMb(), barePeak: await bare.peakRssMb() };
    const errorLines = servers.filter((s) => s.label === 'bot').flatMap((s) => s.errorLines);
    return {
      provider,
      seed: summary,
      catchUp,
      rows: options.soakMs ? [] : rows,
      soak,
      memory,
      errorLogLines: errorLines.length,
      errorSamples: [...new Set(errorLines.map((line) => line.replace(/"(time|ts|at)":"[^"]*",?/g, '')))].slice(0, 5),
    };
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

/** Messages (posts the bot answers with a reply) and views (invokes that only read). */
const isMessage = (scenario: Scenario) => !['plan-view', 'agreement-view', 'crisis-view', 'agreement-change'].includes(scenario.id);
/** How far above the bare bot's p50 the bot's may be at 1 sender: 4 ms for a change and for `mina` over 100 groups, 2 ms for the rest. */
const allowedP50Gap = (scenario: Scenario) => (scenario.id === 'agreement-change' || scenario.id === 'mina-personal' ? 4 : 2);

function formatProvider(result: ProviderResult): string {
  const name = result.provider === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const yes = (ok: boolean) => (ok ? 'yes' : 'no');
  const catchUp = result.catchUp;
  const during = summarize(catchUp.during);
  const idle = summarize(catchUp.idle);
  const lines = [
    `## ${name}`,
    '',
    `${result.seed.groups.toLocaleString('en')} groups, ${result.seed.members.toLocaleString('en')} members, ${result.seed.goals.toLocaleString('en')} goals, ` +
      `${result.seed.agreements.toLocaleString('en')} agreements, seeded in ${result.seed.seconds.toFixed(1)} s as an import leaves them (no reminder planned). Senders: the ten case managers of 100 groups each.`,
    '',
    `Catch-up: the scheduler planned every agreement's reminders and sent ${catchUp.sent.toLocaleString('en')} due ones in ${catchUp.seconds.toFixed(0)} s${catchUp.finished ? '' : ' (not finished within the limit)'}; ` +
      `longest tick ${catchUp.longestTickMs} ms. \`hjälp\` at 1 sender during it: p50 ${during.p50.toFixed(1)} ms, p99 ${during.p99.toFixed(1)} ms (${during.requests} requests, ${during.errors} errors); ` +
      `after it: p50 ${idle.p50.toFixed(1)} ms, p99 ${idle.p99.toFixed(1)} ms (${idle.requests} requests, ${idle.errors} errors). ` +
      `Event-loop delay p99 (highest 2-s window): ${catchUp.delayP99Ms} ms during, ${catchUp.idleDelayP99Ms} ms after.`,
  ];
  const targets: string[] = [];
  if (result.rows.length > 0) {
    lines.push(
      '',
      '| traffic | senders | bot req/s | bot p50 ms | bot p99 ms | bot errors | bare req/s | bare p50 ms | bare p99 ms | bare errors | bot ÷ bare req/s | p50 gap ms | p99 ÷ bare |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    );
    const misses = { p50: [] as string[], ratio: [] as string[], p99: [] as string[] };
    let errors = 0;
    for (const row of result.rows) {
      const bot = summarize(row.bot);
      const bare = summarize(row.bare);
      errors += bot.errors;
      const ratio = bot.perSecond / bare.perSecond;
      const gap = bot.p50 - bare.p50;
      const p99Ratio = bot.p99 / bare.p99;
      if (row.concurrency === 1 && gap > allowedP50Gap(row.scenario)) misses.p50.push(`${row.scenario.id} +${gap.toFixed(1)} ms`);
      if (row.concurrency === 16 && ratio < (isMessage(row.scenario) ? 0.6 : 0.4)) misses.ratio.push(`${row.scenario.id} ${ratio.toFixed(2)}×`);
      if (row.concurrency === 16 && p99Ratio > 3) misses.p99.push(`${row.scenario.id} ${p99Ratio.toFixed(1)}×`);
      lines.push(
        `| ${row.scenario.title} | ${row.concurrency} | ${bot.perSecond.toFixed(0)} | ${bot.p50.toFixed(1)} | ${bot.p99.toFixed(1)} | ${bot.errors} | ` +
          `${bare.perSecond.toFixed(0)} | ${bare.p50.toFixed(1)} | ${bare.p99.toFixed(1)} | ${bare.errors} | ${ratio.toFixed(2)}× | ${row.concurrency === 1 ? gap.toFixed(1) : ''} | ${row.concurrency === 16 ? `${p99Ratio.toFixed(1)}×` : ''} |`,
      );
    }
    const met = (list: string[]) => (list.length === 0 ? 'yes' : `no (${list.join(', ')})`);
    targets.push(
      `at 1 sender, p50 at most 2 ms above the bare bot's (4 ms for a change and \`mina\`): ${met(misses.p50)}`,
      `at 16 senders, ≥ 0.4× the bare bot's requests/s (messages ≥ 0.6×): ${met(misses.ratio)}`,
      `p99 at 16 senders at most 3× the bare bot's: ${met(misses.p99)}`,
      `0 errors: ${yes(errors === 0 && result.errorLogLines === 0)} (${errors} wrong answers, ${result.errorLogLines} error log lines)`,
    );
  }
  if (result.soak) {
    const soak = result.soak;
    lines.push('', '| minute | RSS MB | heap used MB | delay p99 ms | longest tick ms | reminders due | agreements unplanned | sent | requests | errors | p99 ms |', '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const m of soak.minutes) {
      lines.push(`| ${m.minute} | ${m.rssMb} | ${m.heapUsedMb} | ${m.delayP99Ms} | ${m.longestTickMs} | ${m.remindersDue} | ${m.agreementsUnplanned} | ${m.sent} | ${m.requests} | ${m.errors} | ${m.p99.toFixed(1)} |`);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
    const early = mean(soak.minutes.slice(2, 8).map((m) => m.heapUsedMb));
    const late = mean(soak.minutes.slice(-5).map((m) => m.heapUsedMb));
    const peakRss = Math.max(0, ...soak.minutes.map((m) => m.rssMb));
    lines.push(
      '',
      `Soak: ${soak.requests.toLocaleString('en')} requests, ${soak.errors} errors, ${soak.restarts} restarts, ${soak.remindersSent.toLocaleString('en')} reminders sent in all, ${soak.duplicates} duplicates (a reminder audited as sent twice). ` +
        `Heap used: mean ${early.toFixed(1)} MB in minutes 3–8, ${late.toFixed(1)} MB in the last five (${(late - early >= 0 ? '+' : '') + (late - early).toFixed(1)} MB); peak RSS ${peakRss} MB.`,
    );
    targets.push(`over the soak, peak RSS under 200 MB and flat (heap within 10 % from minutes 3–8 to the end): ${yes(peakRss < 200 && late <= early * 1.1)}`, `0 crashes, 0 errors, 0 duplicates: ${yes(soak.restarts === 0 && soak.errors === 0 && soak.duplicates === 0 && result.errorLogLines === 0)}`);
  }
  targets.unshift(
    `while catching up, \`hjälp\`'s p99 at 1 sender at most 2× its idle p99: ${yes(during.p99 <= 2 * idle.p99)} (${(during.p99 / idle.p99).toFixed(2)}×), event-loop delay p99 under 50 ms: ${yes(catchUp.delayP99Ms < 50)} (${catchUp.delayP99Ms} ms)`,
    `peak RSS of the bot under 200 MB: ${yes(result.memory.botPeak < 200)} (${result.memory.botPeak.toFixed(0)} MB)`,
  );
  lines.push(
    '',
    `Peak RSS: bot ${result.memory.botPeak.toFixed(0)} MB (${result.memory.botStart.toFixed(0)} MB once it served, before the seed), bare bot ${result.memory.barePeak.toFixed(0)} MB. Error log lines of the bot: ${result.errorLogLines}.${result.errorSamples.map((line) => `\n\n    ${line}`).join('')}`,
    '',
    `Targets${result.provider === 'sqlite' ? '' : ' (set for SQLite; printed here beside them)'}:`,
    '',
    ...targets.map((t) => `- ${t}`),
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
    `The bot as it runs in production (\`node ${[...productionNodeArgs(ROOT).slice(0, -1), ...options.nodeFlags, 'dist/src/index.js'].join(' ')}\`, one process, local mode, the reminder scheduler on, log level info) beside the bare teams-ai echo bot ` +
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

