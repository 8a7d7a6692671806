import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { EchoError } from '../../../errors/catalogue.ts';
import type { Catalog } from '../../../ports/catalog.ts';
import { createKyselyCatalog } from '../sql/kysely-catalog.ts';
import type { CatalogDb } from '../sql/schema.ts';

// int8 (bigint) columns hold ms timestamps and byte sizes, all below 2^53: parse them as numbers.
pg.types.setTypeParser(20, (v) => Number(v));

export interface PostgresCatalogOptions {
  maxConnections?: number;
  /**
   * Told when an idle pooled connection fails (PostgreSQL restarted, the backend was terminated): the pool
   * drops that connection and the next use opens a new one, or fails with ECHO_ERR_CATALOG_FAILED when the
   * server is still away. Without this handler the pool's 'error' event would crash the process.
   */
  onWarning?: (message: string, err: EchoError) => void;
}

/** The scale-out catalog on PostgreSQL: the same queries and migrations as SQLite. */
export function createPostgresCatalog(url: string, options: PostgresCatalogOptions = {}): Catalog {
  const pool = new pg.Pool({ connectionString: url, max: options.maxConnections ?? 10 });
  pool.on('error', (err) => {
    const echo = new EchoError('CATALOG_FAILED', `postgres catalog: an idle connection failed (${err.message}); it is dropped and the next use opens a new one`, { cause: err });
    options.onWarning?.(echo.message, echo);
  });
  // Every connection the pool opened and has not finished closing: pool.end() resolves as soon as it has
  // asked its idle connections to close, not when they are closed (pg-pool 3), so close() waits for them
  // itself — a caller that drops the database right after close() must not find a live connection.
  const open = new Set<pg.Client>();
  pool.on('connect', (client) => {
    // A connection that fails while checked out (a query running when PostgreSQL restarts) emits 'error'
    // as well as rejecting that query, which reaches its caller as ECHO_ERR_CATALOG_FAILED; the pool only
    // listens while the connection is idle (reported above). Without this listener the event would be an
    // uncaught exception that ends the process.
    client.on('error', () => {});
    open.add(client);
    client.once('end', () => open.delete(client));
  });
  const db = new Kysely<CatalogDb>({ dialect: new PostgresDialect({ pool }) });
  const catalog = createKyselyCatalog(db, 'postgres');
  return {
    ...catalog,
    async close() {
      const closing = [...open].map((client) => new Promise<void>((resolve) => (open.has(client) ? client.once('end', () => resolve()) : resolve())));
      await catalog.close();
      await Promise.all(closing);
    },
  };
}
