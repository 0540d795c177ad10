/**
 * Bot processes for multi-process tests and benchmarks: each runs test/support/reminder-worker.ts (the
 * real startBot) under this project's tsx, in local mode, with the environment it is given.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

const WORKER_SCRIPT = path.join(__dirname, 'reminder-worker.ts');
const PROJECT_DIR = path.join(__dirname, '..', '..');

export interface WorkerProcess {
  pid: number;
  child: ChildProcess;
  /** Resolves with the worker's scheduler owner name once it serves; rejects if it exits first. */
  ready: Promise<{ owner: string | null; url: string }>;
  /** Log lines at level error, and the last lines of output (for a failure message). */
  errorLines: string[];
  outputTail: string[];
  /** Peak resident set (VmHWM) in MB, read from /proc while the process runs; NaN after it exited. */
  peakRssMb(): Promise<number>;
  exited: Promise<void>;
  /** SIGTERM (the tick in progress finishes), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts one worker. `env` is added to a local-mode environment (no Bot Framework credentials).
 * `nodeArgs` go before the script, e.g. `--cpu-prof`.
 *
 * @example
 *   const worker = startWorker({ DATABASE_URL: url, REMINDER_INTERVAL_SECONDS: '1' });
 *   await worker.ready;
 */
export function startWorker(env: Record<string, string>, nodeArgs: string[] = []): WorkerProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', LOG_LEVEL: 'warn', ...env };
  for (const name of ['MicrosoftAppId', 'MicrosoftAppPassword', 'MicrosoftAppType', 'MicrosoftAppTenantId', 'NODE_ENV', 'HOST', 'ALLOWED_SERVICE_HOSTS']) delete childEnv[name];
  const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', WORKER_SCRIPT], { cwd: PROJECT_DIR, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  const errorLines: string[] = [];
  let outputTail: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<{ owner: string | null; url: string }>((resolve, reject) => {
    let buffered = '';
    const collect = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines.filter(Boolean)) {
        if (line.includes('"event":"worker.ready"')) {
          const parsed = JSON.parse(line) as { owner: string | null; url: string };
          resolve(parsed);
        }
        if (line.includes('"level":"error"')) errorLines.push(line);
        outputTail = [...outputTail.slice(-19), line];
        worker.outputTail = outputTail;
      }
    };
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    void exited.then(() => reject(new Error(`worker ${child.pid} exited before it was ready:\n${outputTail.join('\n')}`)));
  });
  ready.catch(() => undefined);
  const worker: WorkerProcess = {
    pid: child.pid!,
    child,
    ready,
    errorLines,
    outputTail,
    exited,
    peakRssMb: () => peakRssMbOf(child),
    stop: (graceMs?: number) => stopChild(child, exited, graceMs),
  };
  return worker;
}

/** A running child's peak resident set (VmHWM) in MB, from /proc; NaN once it exited. */
export async function peakRssMbOf(child: ChildProcess): Promise<number> {
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
  return Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1]) / 1024;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the child exited (`exited`). */
export async function stopChild(child: ChildProcess, exited: Promise<void>, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
