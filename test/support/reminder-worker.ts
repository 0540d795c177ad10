/**
 * One bot process for multi-process reminder tests and benchmarks: the real `startBot` with the
 * configuration from its environment (as src/index.ts starts it), so its reminder scheduler runs as in
 * production. Prints one line `{"event":"worker.ready",…}` on stdout when it serves; SIGTERM stops it
 * cleanly (the tick in progress finishes); SIGKILL is what a test uses to make it die mid-send.
 *
 *   DATABASE_URL=postgresql://… REMINDER_INTERVAL_SECONDS=1 node --import tsx test/support/reminder-worker.ts
 */
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { startBot } from '../../src/main';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const bot = await startBot(config, createLogger(config.logLevel));
  process.stdout.write(`${JSON.stringify({ event: 'worker.ready', pid: process.pid, url: bot.url, owner: bot.reminders?.owner ?? null })}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    bot.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`reminder worker failed to start: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
