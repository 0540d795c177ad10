/**
 * `npm run db:migrate`: applies pending migrations to DATABASE_URL (SQLite by default) and says what
 * it did. The bot also does this at start; this is for deploy pipelines that migrate first.
 */
import { ConfigError, loadConfig } from '../src/config';
import { applyMigrations } from '../src/storage/migrations';
import { openDatabase } from '../src/storage/database';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  if (config.databaseProvider === 'sqlite') {
    // openDatabase creates the file's folder, then migrates.
    const database = await openDatabase(config.databaseUrl);
    await database.close();
    report(database.migration);
  } else {
    report(await applyMigrations(config.databaseProvider, config.databaseUrl));
  }
}

function report(result: { applied: string[]; alreadyApplied: string[] }): void {
  process.stdout.write(`Applied ${result.applied.length} migration(s)${result.applied.length ? `: ${result.applied.join(', ')}` : ''}; ${result.alreadyApplied.length} already applied.\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `Migration failed: ${(error as Error)?.message}\n`);
  process.exit(1);
});
