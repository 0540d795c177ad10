// `npm run db:new-migration -- <name>`: writes a new migration for BOTH providers from the change to
// prisma/schema.prisma since the last migration. Each SQLite migration folder keeps the schema it
// produced (schema.prisma), which is what the next diff starts from; a test proves the newest snapshot
// equals the current schema, so a schema change without a migration fails CI.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { derivePostgresSchema } from './prisma-generate.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const name = process.argv[2];
if (!name || !/^[a-z0-9_]+$/.test(name)) {
  process.stderr.write('Usage: npm run db:new-migration -- <name_in_snake_case>\n');
  process.exit(2);
}

const sqliteDir = path.join(root, 'prisma', 'migrations');
const postgresDir = path.join(root, 'prisma', 'postgresql', 'migrations');
const last = readdirSync(sqliteDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort().at(-1);
const current = readFileSync(path.join(root, 'prisma', 'schema.prisma'), 'utf8');
const previous = last ? readFileSync(path.join(sqliteDir, last, 'schema.prisma'), 'utf8') : undefined;
if (previous === current) {
  process.stdout.write('prisma/schema.prisma has not changed since the last migration; nothing to do.\n');
  process.exit(0);
}

const work = mkdtempSync(path.join(tmpdir(), 'resursgrupp-migration-'));
function diff(provider, fromSchema, toSchema) {
  const from = path.join(work, `${provider}-from.prisma`);
  const to = path.join(work, `${provider}-to.prisma`);
  writeFileSync(to, toSchema);
  const fromArgs = fromSchema === undefined ? ['--from-empty'] : (writeFileSync(from, fromSchema), ['--from-schema-datamodel', from]);
  return execFileSync(path.join(root, 'node_modules', '.bin', 'prisma'), ['migrate', 'diff', ...fromArgs, '--to-schema-datamodel', to, '--script'], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      PRISMA_PROVIDER: provider,
      DATABASE_URL: provider === 'postgresql' ? 'postgresql://postgres@127.0.0.1:5432/postgres' : `file:${path.join(work, 'cli.db')}`,
    },
  });
}

const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
const folder = `${stamp}_${name}`;
const sqliteSql = diff('sqlite', previous, current);
const postgresSql = diff('postgresql', previous && derivePostgresSchema(previous), derivePostgresSchema(current));
mkdirSync(path.join(sqliteDir, folder), { recursive: true });
mkdirSync(path.join(postgresDir, folder), { recursive: true });
writeFileSync(path.join(sqliteDir, folder, 'migration.sql'), sqliteSql);
writeFileSync(path.join(postgresDir, folder, 'migration.sql'), postgresSql);
copyFileSync(path.join(root, 'prisma', 'schema.prisma'), path.join(sqliteDir, folder, 'schema.prisma'));
process.stdout.write(`Wrote prisma/migrations/${folder} and prisma/postgresql/migrations/${folder}. Review both SQL files before committing.\n`);
