/**
 * Reminder scheduler benchmark: how fast the bot's own scheduler (startBot, REMINDERS on, a tick a
 * second) sends reminders that are all due at once, on SQLite and PostgreSQL, with one and with three
 * bot processes sharing the database, against a fake Bot Connector on loopback that logs every post.
 * Compared with a plain loop that posts the same cards through the same botbuilder adapter with no
 * scheduler around it (bench/reminder-plain-loop.ts): the cost floor of sending.
 *
 * Two modes: Teams' limits lifted (REMINDER_RATE_LIMITS=off: what the scheduler itself costs) and on
 * (what it reaches against the ceiling that binds: the tenant's 30 posts a second, split across the
 * processes). Prints one table and writes it to bench/results/reminders-<date>.md.
 *
 *   npm run bench:reminders
 *   npm run bench:reminders -- --reminders 2000 --conversations 200 --limited 600 --providers postgresql --instances 3
 *   npm run bench:reminders -- --providers postgresql --instances 1 --modes off --cpu-prof /tmp/prof
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_SCHEDULER_OPTIONS } from '../src/reminders/scheduler';
import { TEAMS_RATE_LIMITS } from '../src/reminders/rate-limit';
import { openDatabase } from '../src/storage/database';
import { createTestDatabaseUrl, postgresReachable } from '../test/support/databases';
import { peakPostsPerWindow, startPostLogConnector, type PostLogConnector } from '../test/support/post-log-connector';
import { positiveOption } from './harness';
import { seedChannelGroups, seedPlannedReminders } from '../test/support/reminder-seed';
import { startWorker, type WorkerProcess } from '../test/support/worker-processes';

type Provider = 'sqlite' | 'postgresql';
type Mode = 'off' | 'teams';

interface Options {
  reminders: number;
  conversations: number;
  /** How many reminders the limits-on runs send (a subset: at 30/s, 10,000 would take 5.5 minutes a run). */
  limited: number;
  providers: Provider[];
  instances: number[];
  modes: Mode[];
  cpuProfDir?: string;
}

interface Run {
  provider: Provider;
  instances: number;
  mode: Mode;
  reminders: number;
  conversations: number;
}

interface RunResult {
  run: Run;
  /** Per process: REMINDER_TENANT_RATE (limits on). */
  tenantRate?: number;
  sentPerSecond: number;
  firstPostSeconds: number;
  allSentSeconds: number;
  peakPerSecond: number;
  peakPerHalfMinute: number;
  duplicates: number;
  lost: number;
  databaseSent: number;
  peakRssMb: number[];
  /** Peak RSS once each process served, before any reminder (start-up: tsx, migrations, the bot). */
  startRssMb: number[];
  errorLines: number;
  /** The error events the processes logged, with how often (log lines carry event names and codes, never text). */
  errorEvents: Map<string, number>;
  /**
   * Limits lifted: the plain loop's rate (one at a time) measured right before this run, so the ratio
   * compares neighbours in time and a shared machine's changing load hits both alike.
   */
  floorPerSecond?: number;
}

interface LoopResult {
  concurrency: number;
  posts: number;
  seconds: number;
  failed: number;
  arrived: number;
}

/** The tenant ceiling of the whole app (Teams: about 30 requests a second per app and tenant). */
const TENANT_CEILING = TEAMS_RATE_LIMITS.perTenant[0]!.max;
/** A run gives up when no new reminder arrived for this long. */
const STALL_MS = 30_000;

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      reminders: { type: 'string', default: '10000' },
      conversations: { type: 'string', default: '1000' },
      limited: { type: 'string', default: '1500' },
      providers: { type: 'string', default: 'sqlite,postgresql' },
      instances: { type: 'string', default: '1,3' },
      modes: { type: 'string', default: 'off,teams' },
      'cpu-prof': { type: 'string' },
    },
  });
  const list = <T extends string>(name: string, raw: string, allowed: readonly T[]) => {
    const items = raw.split(',').filter(Boolean);
    for (const item of items) if (!(allowed as readonly string[]).includes(item)) throw new Error(`--${name}: "${item}" is not one of ${allowed.join(', ')}.`);
    return items as T[];
  };
  const options: Options = {
    reminders: positiveOption('reminders', values.reminders),
    conversations: positiveOption('conversations', values.conversations),
    limited: positiveOption('limited', values.limited),
    providers: list('providers', values.providers, ['sqlite', 'postgresql'] as const),
    instances: values.instances.split(',').map((n) => positiveOption('instances', n)),
    modes: list('modes', values.modes, ['off', 'teams'] as const),
    cpuProfDir: values['cpu-prof'],
  };
  const perConversation = options.reminders / options.conversations;
  if (!Number.isInteger(perConversation) || options.limited % perConversation !== 0) {
    throw new Error(`--reminders must be a multiple of --conversations, and --limited a multiple of the reminders per conversation (${perConversation}).`);
  }
  if (options.providers.includes('postgresql') && !postgresReachable()) throw new Error('PostgreSQL is not reachable (PG_TEST_URL): run with --providers sqlite.');
  return options;
}

/** What a Ctrl-C must undo: running processes, open databases. */
const cleanups = new Set<() => Promise<void>>();

const sleep = (ms: number) => new Promise((wake) => setTimeout(wake, ms));

/** The rate limits a run's processes get: none, or Teams' with the tenant ceiling split between them. */
function environmentOf(run: Run): { env: Record<string, string>; tenantRate?: number } {
  if (run.mode === 'off') return { env: { REMINDER_RATE_LIMITS: 'off' } };
  const tenantRate = Math.floor(TENANT_CEILING / run.instances);
  return { env: { REMINDER_RATE_LIMITS: 'teams', REMINDER_TENANT_RATE: String(tenantRate) }, tenantRate };
}

async function runScheduler(run: Run, connector: PostLogConnector, cpuProfDir: string | undefined): Promise<RunResult> {
  const database = await createTestDatabaseUrl(run.provider);
  const opened = await openDatabase(database.url);
  const workers: WorkerProcess[] = [];
  const cleanup = async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await opened.close();
    await database.drop();
  };
  cleanups.add(cleanup);
  try {
    const { env, tenantRate } = environmentOf(run);
    const nodeArgs = cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [];
    for (let i = 0; i < run.instances; i++) {
      workers.push(startWorker({ DATABASE_URL: database.url, REMINDERS: 'on', REMINDER_INTERVAL_SECONDS: '1', ...env }, nodeArgs));
    }
    await Promise.all(workers.map((w) => w.ready));
    const startRssMb = await Promise.all(workers.map((w) => w.peakRssMb()));
    // Seeded once every process runs (so none starts ahead, and their start-up roster reads find no
    // groups): the reminders appear in one transaction; the clock starts when it commits.
    const groups = await seedChannelGroups(opened.db, { count: run.conversations, serviceUrl: connector.url, name: `bench-${run.provider}` });
    connector.posts.length = 0;
    const ids = await seedPlannedReminders(opened.db, groups, run.reminders / run.conversations, new Date(Date.now() - 5_000));
    const startedAt = Date.now();

    const wanted = new Set(ids);
    const seen = new Set<string>();
    let read = 0;
    let lastNewAt = Date.now();
    let lastNewArrival = startedAt;
    while (seen.size < wanted.size && Date.now() - lastNewAt < STALL_MS) {
      await sleep(200);
      for (; read < connector.posts.length; read++) {
        for (const id of connector.posts[read]!.reminderIds) {
          if (!wanted.has(id) || seen.has(id)) continue;
          seen.add(id);
          lastNewAt = Date.now();
          lastNewArrival = connector.posts[read]!.at;
        }
      }
    }
    // Every post arrives before its row is settled: wait for the rows, then a moment for stragglers.
    const settleDeadline = Date.now() + 10_000;
    let databaseSent = 0;
    while ((databaseSent = await opened.db.reminder.count({ where: { status: 'sent' } })) < ids.length && Date.now() < settleDeadline) await sleep(250);
    await sleep(1_000);
    const peakRssMb = await Promise.all(workers.map((w) => w.peakRssMb()));
    await Promise.all(workers.map((w) => w.stop()));

    const posts = connector.posts.slice();
    const postedIds = posts.flatMap((p) => p.reminderIds);
    const seconds = (lastNewArrival - startedAt) / 1000;
    return {
      run,
      tenantRate,
      sentPerSecond: seen.size / seconds,
      firstPostSeconds: posts.length > 0 ? (Math.min(...posts.map((p) => p.at)) - startedAt) / 1000 : NaN,
      allSentSeconds: seconds,
      peakPerSecond: peakPostsPerWindow(posts, 1_000).peak,
      peakPerHalfMinute: peakPostsPerWindow(posts, 30_000).peak,
      duplicates: postedIds.length - new Set(postedIds).size,
      lost: wanted.size - seen.size,
      databaseSent,
      peakRssMb,
      startRssMb,
      errorLines: workers.reduce((sum, w) => sum + w.errorLines.length, 0),
      errorEvents: countErrorEvents(workers.flatMap((w) => w.errorLines)),
    };
  } finally {
    cleanups.delete(cleanup);
    await cleanup();
  }
}

function countErrorEvents(lines: string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    let key = line.slice(0, 120);
    try {
      const { time: _time, level: _level, ...fields } = JSON.parse(line) as Record<string, unknown>;
      key = JSON.stringify(fields);
    } catch {
      /* not a log line: keep its start */
    }
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** The plain loop (bench/reminder-plain-loop.ts) over the same reminders, in a process of its own. */
async function runPlainLoop(options: Options, connector: PostLogConnector, concurrencies: number[]): Promise<LoopResult[]> {
  const database = await createTestDatabaseUrl('sqlite');
  const opened = await openDatabase(database.url);
  const cleanup = async () => {
    await opened.close();
    await database.drop();
  };
  cleanups.add(cleanup);
  try {
    const groups = await seedChannelGroups(opened.db, { count: options.conversations, serviceUrl: connector.url, name: 'bench-loop' });
    await seedPlannedReminders(opened.db, groups, options.reminders / options.conversations, new Date(Date.now() - 5_000));
    const results: LoopResult[] = [];
    for (const concurrency of concurrencies) {
      connector.posts.length = 0;
      const output = await new Promise<string>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'reminder-plain-loop.ts')], {
          cwd: join(__dirname, '..'),
          env: { ...process.env, DATABASE_URL: database.url, PORT: '0', LOG_LEVEL: 'warn', PLAIN_LOOP_CONCURRENCY: String(concurrency), MicrosoftAppId: '', MicrosoftAppPassword: '', NODE_ENV: '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let text = '';
        child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        child.once('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`the plain loop exited with ${code}:\n${text.slice(-2000)}`))));
      });
      const line = output.split('\n').find((l) => l.includes('"event":"plain_loop.done"'));
      if (!line) throw new Error(`the plain loop printed no result:\n${output.slice(-2000)}`);
      const result = JSON.parse(line) as { posts: number; seconds: number; failed: number };
      results.push({ concurrency, ...result, arrived: connector.posts.length });
    }
    return results;
  } finally {
    cleanups.delete(cleanup);
    await cleanup();
  }
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

function formatReport(options: Options, loops: LoopResult[], results: RunResult[], loadBefore: number[], notes: string[]): string {
  const load = (values: number[]) => values.map((v) => v.toFixed(2)).join(' ');
  const target = (result: RunResult) => {
    if (result.run.mode === 'off') {
      const ratio = result.sentPerSecond / result.floorPerSecond!;
      return `≥ ½ plain loop just before (${result.floorPerSecond!.toFixed(0)}/s): ${ratio >= 0.5 ? 'yes' : '**no**'} (${ratio.toFixed(2)}×)`;
    }
    const ratio = result.sentPerSecond / TENANT_CEILING;
    return `≥ 90 % of ${TENANT_CEILING}/s: ${ratio >= 0.9 ? 'yes' : '**no**'} (${(ratio * 100).toFixed(0)} %)`;
  };
  const limitsOf = (result: RunResult) => (result.run.mode === 'off' ? 'lifted' : `on, tenant ${result.tenantRate}/s × ${result.run.instances}`);
  return [
    `# Reminder scheduler benchmark, ${new Date().toISOString()}, commit ${describeCommit()}`,
    '',
    `Due reminders (one-off channel follow-ups, already planned) across conversations, sent by ${DEFAULT_SCHEDULER_OPTIONS.concurrency} destinations at a time per process, ` +
      `a tick a second, to a fake connector on loopback. Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ` +
      `load average ${load(loadBefore)} before, ${load(loadavg())} after.`,
    `sent/s: distinct reminders received ÷ time from the commit of the reminders to the arrival of the last one (the first tick's wait included). ` +
      `Peak per conversation: most posts one conversation received in any 1 s (and 30 s) window of arrival times. ` +
      `Duplicates: posts beyond the first of a reminder; lost: reminders never received. Peak RSS: VmHWM of each scheduler process at the end (in parentheses: once it served, before any reminder). ` +
      `Each run with the limits lifted is compared with a plain loop (one at a time) run right before it, not with the first rows, so that load on a shared machine hits both alike.`,
    `Limits on: Teams' 7/s and 60/30 s per conversation, and the tenant ceiling of ${TENANT_CEILING}/s split across the processes ` +
      `(REMINDER_TENANT_RATE = ${TENANT_CEILING} ÷ instances), so at most ${TENANT_CEILING} posts/s in all; run on a subset, ${options.limited.toLocaleString('en')} reminders ` +
      `(the same ${options.reminders / options.conversations} per conversation, fewer conversations) rather than ${options.reminders.toLocaleString('en')}, which would take ${Math.round(options.reminders / TENANT_CEILING)} s a run.`,
    '',
    '| sender | database | instances | Teams\' limits | reminders | sent/s | first post s | all sent s | peak/conv 1 s | peak/conv 30 s | duplicates | lost | DB sent | peak RSS MB | target |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
    ...loops.map(
      (loop) =>
        `| plain loop, ${loop.concurrency} at a time | (none) | 1 | lifted | ${loop.posts} | ${(loop.posts / loop.seconds).toFixed(0)} | | ${loop.seconds.toFixed(1)} | | | ${Math.max(0, loop.arrived - loop.posts)} | ${Math.max(0, loop.posts - loop.arrived) + loop.failed} | | | ${loop.concurrency === 1 ? 'the floor' : ''} |`,
    ),
    ...results.map(
      (r) =>
        `| scheduler | ${r.run.provider} | ${r.run.instances} | ${limitsOf(r)} | ${r.run.reminders} | ${r.sentPerSecond.toFixed(1)} | ${r.firstPostSeconds.toFixed(1)} | ${r.allSentSeconds.toFixed(1)} | ` +
        `${r.peakPerSecond} | ${r.peakPerHalfMinute} | ${r.duplicates} | ${r.lost} | ${r.databaseSent} | ${r.peakRssMb.map((mb, i) => `${mb.toFixed(0)} (${r.startRssMb[i]!.toFixed(0)})`).join(', ')} | ${target(r)} |`,
    ),
    '',
    ...notes,
  ].join('\n');
}

async function writeReport(report: string): Promise<string> {
  const directory = join(__dirname, 'results');
  await mkdir(directory, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 16).replace(':', '');
  const file = join(directory, `reminders-${stamp}.md`);
  await writeFile(file, `${report}\n`);
  return file;
}

async function main(): Promise<void> {
  process.once('SIGINT', () => {
    process.stderr.write('interrupted: stopping the processes and dropping the databases\n');
    void Promise.allSettled([...cleanups].map((c) => c())).then(() => process.exit(130));
  });
  const options = parseOptions(process.argv.slice(2));
  const connector = await startPostLogConnector();
  const notes: string[] = [];
  try {
    const loadBefore = loadavg();
    process.stderr.write(`plain loop: ${options.reminders} posts\n`);
    const loops = await runPlainLoop(options, connector, [1, DEFAULT_SCHEDULER_OPTIONS.concurrency]);
    const results: RunResult[] = [];
    for (const mode of options.modes) {
      for (const provider of options.providers) {
        for (const instances of options.instances) {
          // The limits-on runs keep the reminders per conversation and take fewer conversations.
          const reminders = mode === 'off' ? options.reminders : Math.min(options.limited, options.reminders);
          const conversations = (reminders / options.reminders) * options.conversations;
          const run: Run = { provider, instances, mode, reminders, conversations };
          process.stderr.write(`scheduler: ${provider}, ${instances} instance(s), limits ${mode === 'off' ? 'lifted' : 'on'}, ${reminders} reminders\n`);
          // Lifted limits: the floor is measured again right before, so the ratio compares neighbours in time.
          const floor = mode === 'off' ? (await runPlainLoop(options, connector, [1]))[0]! : undefined;
          const result = await runScheduler(run, connector, options.cpuProfDir);
          if (floor) result.floorPerSecond = floor.posts / floor.seconds;
          process.stderr.write(`  ${result.sentPerSecond.toFixed(1)}/s, ${result.duplicates} duplicates, ${result.lost} lost\n`);
          if (result.errorLines > 0) {
            const events = [...result.errorEvents].map(([event, count]) => `${count} × \`${event}\``).join(', ');
            notes.push(`${provider} × ${instances}, limits ${mode === 'off' ? 'lifted' : 'on'}: the scheduler processes logged ${result.errorLines} error line(s): ${events}.`);
          }
          results.push(result);
        }
      }
    }
    if (results.some((r) => r.run.provider === 'sqlite' && r.run.instances > 1)) {
      notes.push(
        'SQLite with several processes: one file shared through WAL works here (nothing lost or doubled), but a write that follows a read in ' +
          'the same transaction can be refused with SQLITE_BUSY_SNAPSHOT, which busy_timeout does not wait for, or SQLITE_BUSY (Prisma\'s P1008): ' +
          'the scheduler logs `reminders.destination_failed` and tries that destination again at the next tick. Were it the write that records ' +
          'a post as sent, the post would be repeated once the claim expires. For several instances use PostgreSQL (README, "Database").',
      );
    }
    const report = formatReport(options, loops, results, loadBefore, notes);
    process.stdout.write(`${report}\n`);
    process.stderr.write(`written to ${await writeReport(report)}\n`);
  } finally {
    await connector.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:reminders failed: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exitCode = 1;
});
