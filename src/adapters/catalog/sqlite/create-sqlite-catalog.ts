import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { Kysely } from 'kysely';
import { EchoError } from '../../../errors/catalogue.ts';
import type { Catalog } from '../../../ports/catalog.ts';
import { createKyselyCatalog } from '../sql/kysely-catalog.ts';
import { ImmediateSqliteDialect } from './immediate-dialect.ts';
import type { CatalogDb } from '../sql/schema.ts';

/**
 * The embedded catalog: one SQLite file in WAL mode, shared by the API process and the worker processes
 * (busy_timeout lets concurrent writers wait instead of failing; write transactions begin immediate so
 * that they wait too, see immediate-dialect.ts).
 */
export function createSqliteCatalog(path: string): Catalog {
  let database: Database.Database;
  try {
    mkdirSync(dirname(path), { recursive: true });
    database = new Database(path);
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('busy_timeout = 10000');
    database.pragma('foreign_keys = ON');
  } catch (err) {
    throw new EchoError('CATALOG_FAILED', `cannot open the SQLite catalog at ${path}: ${(err as Error).message}`, { cause: err });
  }
  const db = new Kysely<CatalogDb>({ dialect: new ImmediateSqliteDialect({ database }) });
  return createKyselyCatalog(db, 'sqlite');
}
