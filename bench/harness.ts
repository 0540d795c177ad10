/**
 * What the benchmarks share: server processes (started on a free loopback port, healthy once GET
 * /healthz answers 200, measured by their peak resident set (VmHWM), stopped with SIGTERM, SIGKILL
 * after a grace), percentiles, and option parsing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { peakRssMbOf, stopChild } from '../test/support/worker-processes';

export interface ServerProcess {
  label: string;
  url: string;
  child: ChildProcess;
  /** Log lines at level error (event names and codes only: never message text). */
  errorLines: string[];
  outputTail: string[];
  /** The bot's `process.stats` log lines (src/process-stats.ts), parsed, oldest first (the last MAX_STATS). */
  stats: ProcessStats[];
  /** Peak resident set (VmHWM) in MB while it runs. */
  peakRssMb(): Promise<number>;
  stop(graceMs?: number): Promise<void>;
}

/** One `process.stats` line of the bot: memory, event-loop delay, scheduler work and backlog since the last. */
export interface ProcessStats {
  time: string;
  rssMb: number;
  heapUsedMb: number;
  heapLimitMb: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  ticks?: number;
  failedTicks?: number;
  maxTickMs?: number;
  planned?: number;
  sent?: number;
  remindersDue?: number;
  agreementsUnplanned?: number;
}

const MAX_STATS = 5_000;

/**
 * The node arguments of the production start, from package.json's `start` script (one source): the heap
 * flags and `dist/src/index.js`, as `npm start`, App Service and the container run the bot.
 */
export function productionNodeArgs(root: string): string[] {
  const { scripts } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [command, ...args] = scripts.start.trim().split(/\s+/);
  if (command !== 'node' || args.at(-1) !== 'dist/src/index.js') throw new Error(`npm start is not "node [flags] dist/src/index.js": ${scripts.start}`);
  return args;
}

/** A port nobody listens on right now, on loopback. */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The environment of a bot in local mode (no Bot Framework credentials) on `port`. */
export function localModeEnvironment(port: number, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), LOG_LEVEL: 'warn', ...extra };
  for (const name of ['MicrosoftAppId', 'MicrosoftAppPassword', 'MicrosoftAppType', 'MicrosoftAppTenantId', 'NODE_ENV', 'HOST', 'ALLOWED_SERVICE_HOSTS']) delete env[name];
  return env;
}

/**
 * Starts `node <args>` and resolves once its /healthz answers on `port`.
 *
 * @example
 *   const bot = await startServerProcess('bot', ['dist/src/index.js'], localModeEnvironment(port, { DATABASE_URL }), port);
 */
export async function startServerProcess(label: string, args: string[], env: NodeJS.ProcessEnv, port: number, cwd: string, timeoutMs = 120_000): Promise<ServerProcess> {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const server: ServerProcess = {
    label,
    url: `http://127.0.0.1:${port}`,
    child,
    errorLines: [],
    outputTail: [],
    stats: [],
    peakRssMb: () => peakRssMbOf(child),
    stop: (graceMs?: number) => stopChild(child, exited, graceMs),
  };
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      if (line.includes('"level":"error"')) server.errorLines.push(line);
      if (line.includes('"event":"process.stats"')) {
        try {
          server.stats.push(JSON.parse(line) as ProcessStats);
          if (server.stats.length > MAX_STATS) server.stats.shift();
        } catch {
          /* a line cut by the pipe: skipped */
        }
      }
      server.outputTail = [...server.outputTail.slice(-19), line];
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null) {
    if (await fetch(`${server.url}/healthz`).then((r) => r.ok, () => false)) return server;
    await new Promise((wake) => setTimeout(wake, 100));
  }
  await server.stop(1_000);
  throw new Error(`${label} did not become healthy. Its last output:\n${server.outputTail.join('\n')}`);
}

/** The p-quantile (0–1) of sorted values, nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

/** A command-line option that must be a whole number of at least 1. */
export function positiveOption(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} is "${raw}": give a whole number of at least 1.`);
  return value;
}
