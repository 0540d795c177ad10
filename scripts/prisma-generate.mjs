// Derives the PostgreSQL schema variant from prisma/schema.prisma (the single source of truth) and
// generates a Prisma client for each provider. Runs on `npm install` (postinstall) and `npm run db:generate`.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Turns the SQLite schema text into the PostgreSQL variant: only the datasource and output differ. */
export function derivePostgresSchema(sqliteSchema) {
  const header =
    '// GENERATED from prisma/schema.prisma by scripts/prisma-generate.mjs. Do not edit; edit the source.\n';
  return (
    header +
    sqliteSchema
      .replace('output     = "../src/generated/sqlite"', 'output     = "../../src/generated/postgresql"')
      .replace(/provider = "sqlite"\n  url      = "file:\.\/dev\.db"/, 'provider = "postgresql"\n  url      = env("DATABASE_URL")')
  );
}

function run() {
  const source = readFileSync(path.join(root, 'prisma', 'schema.prisma'), 'utf8');
  const pgSchema = derivePostgresSchema(source);
  if (!pgSchema.includes('provider = "postgresql"') || !pgSchema.includes('src/generated/postgresql')) {
    throw new Error('prisma/schema.prisma no longer has the expected datasource/generator lines; update derivePostgresSchema');
  }
  mkdirSync(path.join(root, 'prisma', 'postgresql'), { recursive: true });
  writeFileSync(path.join(root, 'prisma', 'postgresql', 'schema.prisma'), pgSchema);

  const prisma = path.join(root, 'node_modules', '.bin', 'prisma');
  for (const provider of ['sqlite', 'postgresql']) {
    execFileSync(prisma, ['generate'], {
      cwd: root,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        PRISMA_PROVIDER: provider,
        DATABASE_URL: provider === 'postgresql' ? 'postgresql://postgres@127.0.0.1:5432/postgres' : 'file:./data/prisma-cli.db',
        PRISMA_HIDE_UPDATE_MESSAGE: '1',
      },
    });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) run();
