import { CompiledQuery, type DatabaseConnection, type Driver, SqliteDialect, type SqliteDialectConfig, SqliteDriver } from 'kysely';

/**
 * Kysely's SQLite dialect with write transactions that take SQLite's write lock when they begin
 * (`BEGIN IMMEDIATE`) instead of at their first write. The catalog file is shared by the API and the worker
 * processes: a deferred transaction that has read and then tries to write after another process committed
 * fails at once with "database is locked" (SQLITE_BUSY, which busy_timeout does not retry, since waiting
 * could deadlock); an immediate one waits its turn under busy_timeout instead.
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
