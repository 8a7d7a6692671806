import { CompiledQuery, type DatabaseConnection, type DialectAdapter, type Driver, SqliteAdapter, SqliteDialect, type SqliteDialectConfig, SqliteDriver } from 'kysely';

/**
 * Kysely's SQLite dialect with write transactions that take SQLite's write lock when they begin
 * (`BEGIN IMMEDIATE`) instead of at their first write. The catalog file is shared by the API and the worker
 * processes: a deferred transaction that has read and then tries to write after another process committed
 * fails at once with "database is locked" (SQLITE_BUSY, which busy_timeout does not retry, since waiting
 * could deadlock); an immediate one waits its turn under busy_timeout instead.
 *
 * Migrations run in one such transaction too (SQLite's DDL is transactional; Kysely's SQLite adapter
 * does not say so, and then runs them with no lock at all): processes that open a fresh catalog at the same
 * moment (CLI commands, the API and its workers) take turns, and the later ones find the migrations done
 * instead of failing with "table already exists".
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

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}
