import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Catalog } from '../../../ports/catalog.ts';
import { createKyselyCatalog } from '../sql/kysely-catalog.ts';
import type { CatalogDb } from '../sql/schema.ts';

// int8 (bigint) columns hold ms timestamps and byte sizes, all below 2^53: parse them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));

/** The scale-out catalog on PostgreSQL: the same queries and migrations as SQLite. */
export function createPostgresCatalog(url: string, options: { maxConnections?: number } = {}): Catalog {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10 });
  const db = new Kysely<CatalogDb>({ dialect: new PostgresDialect({ pool }) });
  return createKyselyCatalog(db, 'postgres');
}
