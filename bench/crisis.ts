/**
 * Crisis plan benchmark: how long opening a crisis plan takes, end to end over HTTP (POST /api/messages
 * with the `crisisPlanShow` Action.Execute invoke → the invoke answer with the plan card), with many
 * groups and plans in the database, on SQLite and PostgreSQL. The bot runs as in production (the real
 * startBot from its configuration, in a process of its own, local mode, reminders off) against a fresh
 * database seeded in bulk once it serves (bench/crisis-seed.ts), with a fake Bot Connector on loopback
 * for anything it sends. The invokes come from readers of random groups, from each group's own channel.
 *
 * Beside it, in short rounds that alternate with it so that a shared machine's noise hits both alike, a
 * baseline on the same bot and database: an Action.Execute with a verb no handler takes, which goes
 * through the same HTTP server and turn (tenant fence, conversation reference, turn claim) and is
 * answered with a short message without reading any crisis plan. The ratio of the p99s is what the
 * crisis plan itself adds. Prints one table per provider and writes them to bench/results/crisis-<date>.md.
 *
 *   npm run bench:crisis
 *   npm run bench:crisis -- --groups 2000 --requests 100 --rounds 2 --providers sqlite
 *   npm run bench:crisis -- --providers sqlite --cpu-prof /tmp/prof
 */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { translate } from '../src/locales';
import { openDatabase } from '../src/storage/database';
import { actionExecuteActivity, TENANT_ID } from '../test/support/activities';
import { createTestDatabaseUrl, postgresReachable } from '../test/support/databases';
import { startWorker, type WorkerProcess } from '../test/support/worker-processes';
import { startBenchConnector } from './connector';
import { percentile, positiveOption } from './harness';
import { seedCrisisPlanGroups, type SeededCrisisGroup, type SeededReader, type SeedSummary } from './crisis-seed';

type Provider = 'sqlite' | 'postgresql';
type Kind = 'crisis' | 'baseline';

interface Options {
  groups: number;
  requests: number;
  rounds: number;
  providers: Provider[];
  cpuProfDir?: string;
}

interface Tally {
  latencies: number[];
  errors: number;
  seconds: number;
}

interface ProviderResult {
  provider: Provider;
  seed: SeedSummary;
  seedSeconds: number;
  /** By kind and concurrency. */
  tallies: Map<string, Tally>;
  startRssMb: number;
  peakRssMb: number;
  errorLogLines: number;
  /** Access-log rows of allowed crisis plan reads, and of refusals, after the run. */
  auditedReads: number;
  auditedRefusals: number;
  /** Successful opens sent (warm-up included): each must have its access-log row. */
  opensAnswered: number;
}

const CONCURRENCIES = [1, 8];
const KINDS: Kind[] = ['crisis', 'baseline'];
const CRISIS_VERB = 'crisisPlanShow';
/** A verb no handler takes: the bot answers it with a short message (app.ts, the last invoke route). */
const BASELINE_VERB = 'benchNoSuchVerb';
const BASELINE_ANSWER = translate('sv', 'error.unknown_action');
const TARGET_P99_MS = 20;
const WARMUP_REQUESTS = 300;
const ROUND_TIME_LIMIT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 90_000;
/** The Teams thread the link card was posted in: a channel post's conversation id carries it. */
const THREAD_ID = '1764000000000';

const LABELS: Record<Kind, string> = { crisis: '`crisisPlanShow` (open the plan)', baseline: 'baseline (unknown verb)' };

/** What a Ctrl-C must undo: the bot process, the open database. */
const cleanups = new Set<() => Promise<void>>();
let interrupted = false;

class Interrupted extends Error {}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      groups: { type: 'string', default: '10000' },
      requests: { type: 'string', default: '250' },
      rounds: { type: 'string', default: '6' },
      providers: { type: 'string', default: 'sqlite,postgresql' },
      'cpu-prof': { type: 'string' },
    },
  });
  const providers = values.providers.split(',').filter(Boolean);
  for (const provider of providers) if (provider !== 'sqlite' && provider !== 'postgresql') throw new Error(`--providers: "${provider}" is not one of sqlite, postgresql.`);
  return {
    groups: positiveOption('groups', values.groups),
    requests: positiveOption('requests', values.requests),
    rounds: positiveOption('rounds', values.rounds),
    providers: providers as Provider[],
    cpuProfDir: values['cpu-prof'],
  };
}

const tallyKey = (kind: Kind, concurrency: number) => `${kind}:${concurrency}`;

/** The invoke Teams sends when `reader` presses the link card's button in their group's channel. */
function invokeBody(kind: Kind, group: SeededCrisisGroup, reader: SeededReader, serviceUrl: string): string {
  const activity = actionExecuteActivity(kind === 'crisis' ? CRISIS_VERB : BASELINE_VERB, { groupId: group.groupId }, { serviceUrl, from: { id: reader.teamsUserId, name: reader.name, aadObjectId: reader.aadObjectId } });
  return JSON.stringify({
    ...activity,
    conversation: { id: `${group.conversationId};messageid=${THREAD_ID}`, conversationType: 'channel', tenantId: TENANT_ID, isGroup: true },
    channelData: { team: { id: group.teamId }, channel: { id: group.conversationId }, tenant: { id: TENANT_ID } },
  });
}

/** Whether the answer is what this invoke must get: the group's own plan card (with its red phase), or the baseline's message. */
function isExpectedAnswer(kind: Kind, group: SeededCrisisGroup, status: number, body: string): boolean {
  if (status !== 200) return false;
  let answer: { type?: string; value?: unknown };
  try {
    answer = JSON.parse(body) as typeof answer;
  } catch {
    return false;
  }
  if (kind === 'baseline') return answer.type === 'application/vnd.microsoft.activity.message' && answer.value === BASELINE_ANSWER;
  if (answer.type !== 'application/vnd.microsoft.card.adaptive') return false;
  const card = JSON.stringify(answer.value);
  return card.includes(group.groupId) && card.includes(JSON.stringify(group.redSign).slice(1, -1));
}

async function postInvoke(url: string, body: string): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`${url}/api/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    return { status: response.status, body: await response.text() };
  } catch {
    return { status: 0, body: '' };
  }
}

/** Sends `requests` invokes of one kind from `concurrency` senders (or until the round's time limit), each as a reader of a random group. */
async function runRound(url: string, serviceUrl: string, groups: SeededCrisisGroup[], kind: Kind, concurrency: number, requests: number): Promise<Tally & { answered: number }> {
  const tally = { latencies: [] as number[], errors: 0, seconds: 0, answered: 0 };
  const started = performance.now();
  let taken = 0;
  const send = async () => {
    while (!interrupted && taken < requests && performance.now() - started < ROUND_TIME_LIMIT_MS) {
      taken++;
      const group = groups[Math.floor(Math.random() * groups.length)]!;
      const reader = group.readers[Math.floor(Math.random() * group.readers.length)]!;
      const body = invokeBody(kind, group, reader, serviceUrl);
      const sent = performance.now();
      const response = await postInvoke(url, body);
      tally.latencies.push(performance.now() - sent);
      if (isExpectedAnswer(kind, group, response.status, response.body)) tally.answered++;
      else tally.errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, send));
  if (interrupted) throw new Interrupted();
  tally.seconds = (performance.now() - started) / 1000;
  return tally;
}

async function runProvider(provider: Provider, options: Options, serviceUrl: string): Promise<ProviderResult> {
  const database = await createTestDatabaseUrl(provider);
  // Opened (and migrated) here first: the bot then starts on a migrated, empty database.
  const opened = await openDatabase(database.url);
  let worker: WorkerProcess | undefined;
  const cleanup = async () => {
    await worker?.stop();
    await opened.close();
    await database.drop();
  };
  cleanups.add(cleanup);
  try {
    const nodeArgs = options.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfDir}`] : [];
    worker = startWorker({ DATABASE_URL: database.url, REMINDERS: 'off', LOG_LEVEL: 'warn' }, nodeArgs);
    const { url } = await Promise.race([
      worker.ready,
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`the bot did not start within ${START_TIMEOUT_MS / 1000} s:\n${worker?.outputTail.join('\n')}`)), START_TIMEOUT_MS).unref()),
    ]);
    const startRssMb = await worker.peakRssMb();
    // Seeded once the bot serves, so that its start-up roster reconcile finds no group (the stored
    // conversation references come last): nothing but the benchmark's invokes runs in it.
    process.stderr.write(`${provider}: seeding ${options.groups} groups\n`);
    const seedStarted = performance.now();
    const { groups, summary } = await seedCrisisPlanGroups(opened.db, { count: options.groups, serviceUrl });
    const seedSeconds = (performance.now() - seedStarted) / 1000;
    process.stderr.write(`${provider}: seeded ${summary.groups} groups, ${summary.members} members, ${summary.versions} plan versions in ${seedSeconds.toFixed(1)} s\n`);

    let opensAnswered = 0;
    for (const kind of KINDS) {
      const warmUp = await runRound(url, serviceUrl, groups, kind, 8, WARMUP_REQUESTS);
      if (kind === 'crisis') opensAnswered += warmUp.answered;
    }
    const tallies = new Map<string, Tally>();
    for (const kind of KINDS) for (const concurrency of CONCURRENCIES) tallies.set(tallyKey(kind, concurrency), { latencies: [], errors: 0, seconds: 0 });
    for (let round = 1; round <= options.rounds; round++) {
      for (const concurrency of CONCURRENCIES) {
        // Which kind goes first alternates, so neither always follows the other.
        const order = round % 2 === 1 ? KINDS : [...KINDS].reverse();
        for (const kind of order) {
          const result = await runRound(url, serviceUrl, groups, kind, concurrency, options.requests);
          const total = tallies.get(tallyKey(kind, concurrency))!;
          total.latencies.push(...result.latencies);
          total.errors += result.errors;
          total.seconds += result.seconds;
          if (kind === 'crisis') opensAnswered += result.answered;
        }
      }
      process.stderr.write(`${provider}: round ${round}/${options.rounds} done\n`);
    }
    const peakRssMb = await worker.peakRssMb();
    const [auditedReads, auditedRefusals] = await Promise.all([
      opened.db.auditEvent.count({ where: { action: 'crisisplan.read', outcome: 'allowed' } }),
      opened.db.auditEvent.count({ where: { outcome: 'denied' } }),
    ]);
    await worker.stop();
    return { provider, seed: summary, seedSeconds, tallies, startRssMb, peakRssMb, errorLogLines: worker.errorLines.length, auditedReads, auditedRefusals, opensAnswered };
  } finally {
    cleanups.delete(cleanup);
    await cleanup();
  }
}


function summarize(tally: Tally) {
  const sorted = [...tally.latencies].sort((a, b) => a - b);
  return { requests: sorted.length, perSecond: sorted.length / tally.seconds, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? NaN, errors: tally.errors };
}

function describeCommit(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', ['-C', join(__dirname, '..'), ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--untracked-files=no') ? `${commit} (modified)` : commit;
  } catch {
    return '?';
  }
}

function formatProvider(result: ProviderResult): string {
  const name = result.provider === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const rows = CONCURRENCIES.flatMap((concurrency) => {
    const baseline = summarize(result.tallies.get(tallyKey('baseline', concurrency))!);
    return KINDS.map((kind) => {
      const row = summarize(result.tallies.get(tallyKey(kind, concurrency))!);
      return `| ${LABELS[kind]} | ${concurrency} | ${row.requests} | ${row.perSecond.toFixed(0)} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.max.toFixed(1)} | ${row.errors} | ${(row.p99 / baseline.p99).toFixed(2)}× |`;
    });
  });
  const p99 = (concurrency: number) => summarize(result.tallies.get(tallyKey('crisis', concurrency))!).p99;
  const { seed } = result;
  const lines = [
    `## ${name}`,
    '',
    `${seed.groups.toLocaleString('en')} groups, ${seed.members.toLocaleString('en')} members (all with consent), ${seed.groups.toLocaleString('en')} plans with ${seed.versions.toLocaleString('en')} versions ` +
      `(newest: ${seed.contentChars.min}–${seed.contentChars.max} characters of JSON, median ${seed.contentChars.median}), seeded in ${result.seedSeconds.toFixed(1)} s.`,
    '',
    '| invoke | senders | requests | req/s | p50 ms | p99 ms | max ms | errors | p99 ÷ baseline |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Bot peak RSS: ${result.peakRssMb.toFixed(0)} MB (${result.startRssMb.toFixed(0)} MB once it served, before the seed). ` +
      `Access log: ${result.auditedReads} crisis plan reads for ${result.opensAnswered} plans opened (warm-up included), ${result.auditedRefusals} refusals. Error log lines: ${result.errorLogLines}.`,
  ];
  if (result.provider === 'sqlite') {
    const verdict = (ms: number) => (ms < TARGET_P99_MS ? 'yes' : 'no');
    lines.push('', `**p99 under ${TARGET_P99_MS} ms on SQLite: ${verdict(p99(1))}** (1 sender: ${p99(1).toFixed(1)} ms; 8 concurrent senders: ${p99(8).toFixed(1)} ms, ${verdict(p99(8))})`);
  }
  return lines.join('\n');
}

function formatReport(options: Options, results: ProviderResult[], loadBefore: number[], notes: string[]): string {
  const load = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ');
  return [
    `# Crisis plan benchmark, ${new Date().toISOString()}, commit ${describeCommit()}`,
    '',
    `Opening a crisis plan: POST /api/messages with the \`crisisPlanShow\` Action.Execute invoke as a reader of a random group presses it in the group's channel, ` +
      `to the invoke answer with the plan card (checked: the group's own plan with its red phase; anything else counts as an error). ` +
      `The baseline is an Action.Execute with a verb no handler takes, on the same bot and database: the same HTTP server and turn (tenant fence, conversation reference, turn claim), ` +
      `answered with a short message, no crisis plan read. ${options.rounds} rounds of ${options.requests} requests per invoke and senders, alternating, after a warm-up of ${WARMUP_REQUESTS} each. ` +
      `The bot: startBot in a process of its own, local mode, reminders off, LOG_LEVEL warn, a fresh database per provider. ` +
      `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, load average ${load(loadBefore)} before, ${load(loadavg())} after.`,
    '',
    ...results.flatMap((result) => [formatProvider(result), '']),
    ...notes,
  ].join('\n');
}

async function writeReport(report: string): Promise<string> {
  const directory = join(__dirname, 'results');
  await mkdir(directory, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 16).replace(':', '');
  const file = join(directory, `crisis-${stamp}.md`);
  await writeFile(file, `${report}\n`);
  return file;
}

async function runBenchmark(options: Options): Promise<void> {
  const notes: string[] = [];
  const providers = options.providers.filter((provider) => {
    if (provider !== 'postgresql' || postgresReachable()) return true;
    const notice = 'PostgreSQL is not reachable (PG_TEST_URL, default 127.0.0.1:5432): skipped.';
    process.stderr.write(`${notice}\n`);
    notes.push(notice);
    return false;
  });
  const connector = await startBenchConnector([]);
  try {
    const loadBefore = loadavg();
    const results: ProviderResult[] = [];
    for (const provider of providers) results.push(await runProvider(provider, options, connector.url));
    const report = formatReport(options, results, loadBefore, notes);
    process.stdout.write(`${report}\n`);
    process.stderr.write(`written to ${await writeReport(report)}\n`);
  } finally {
    await connector.close();
  }
}

async function main(): Promise<void> {
  process.once('SIGINT', () => {
    interrupted = true;
    process.stderr.write('interrupted: stopping the bot and dropping the database\n');
    void Promise.allSettled([...cleanups].map((c) => c())).then(() => process.exit(130));
  });
  try {
    await runBenchmark(parseOptions(process.argv.slice(2)));
  } catch (error) {
    if (!(error instanceof Interrupted)) process.stderr.write(`bench:crisis failed: ${(error as Error)?.stack ?? String(error)}\n`);
    process.exitCode = interrupted ? 130 : 1;
  }
}

void main();
