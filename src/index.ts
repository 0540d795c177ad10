/**
 * Composition only: configuration, database, bot, HTTP server.
 */
import { ConfigError, loadConfig } from './config';
import { startBot } from './main';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78);
    }
    throw error;
  }
  const bot = await startBot(config);
  const shutdown = async () => {
    await bot.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((error: unknown) => {
  process.stderr.write(`Resursgrupp bot failed to start: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
