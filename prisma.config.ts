import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';

/**
 * Prisma CLI configuration. The CLI runs fully offline on the JS schema engine through a driver adapter
 * (Prisma's native engine binaries cannot be downloaded here; see README "Database").
 * `PRISMA_PROVIDER=postgresql` selects the PostgreSQL schema variant.
 */
const provider = process.env.PRISMA_PROVIDER === 'postgresql' ? 'postgresql' : 'sqlite';
const url = process.env.DATABASE_URL;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: provider === 'postgresql' ? path.join('prisma', 'postgresql', 'schema.prisma') : path.join('prisma', 'schema.prisma'),
  adapter: async () =>
    provider === 'postgresql'
      ? new PrismaPg({ connectionString: url ?? 'postgresql://postgres@127.0.0.1:5432/postgres' })
      : new PrismaBetterSQLite3({ url: url ?? 'file:./data/prisma-cli.db' }),
});
