import type Database from 'better-sqlite3';
import { EchoError } from '../../../errors/catalogue.ts';

/**
 * Schema of the embedded queue file, as numbered migrations. `queue_schema_version` holds the number of
 * the last one applied, so a file made by a newer release is refused instead of misread.
 * Tables carry a `queue_` prefix so the file can sit beside (or be shared with) other embedded stores.
 */
const MIGRATIONS: readonly string[] = [
  // 1: messages. `visible_at` (ms since epoch) drives everything: ready when <= now, otherwise hidden
  // (in flight when a receipt is held, delayed when not). `seq` keeps first-in-first-out order among
  // messages that became visible at the same millisecond.
  `CREATE TABLE queue_messages (
     seq INTEGER PRIMARY KEY AUTOINCREMENT,
     id TEXT NOT NULL UNIQUE,
     body TEXT NOT NULL,
     visible_at INTEGER NOT NULL,
     receive_count INTEGER NOT NULL DEFAULT 0,
     receipt TEXT,
     sent_at INTEGER NOT NULL,
     dead_at INTEGER
   );
   CREATE INDEX queue_messages_live ON queue_messages (visible_at, seq) WHERE dead_at IS NULL;
   CREATE UNIQUE INDEX queue_messages_receipt ON queue_messages (receipt) WHERE receipt IS NOT NULL;
   CREATE INDEX queue_messages_dead ON queue_messages (dead_at, seq) WHERE dead_at IS NOT NULL;`,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the file up to SCHEMA_VERSION. Runs under BEGIN IMMEDIATE so processes opening together agree. */
export function migrate(db: Database.Database, path: string): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS queue_schema_version (version INTEGER NOT NULL)');
    const row = db.prepare('SELECT version FROM queue_schema_version').get() as { version: number } | undefined;
    const current = row?.version ?? 0;
    if (current > SCHEMA_VERSION) {
      throw new EchoError(
        'QUEUE_FAILED',
        `queue file "${path}" has schema version ${current}, newer than this release understands (${SCHEMA_VERSION}); upgrade EchoCloud or point ECHO_CLOUD_QUEUE at another file`,
        { details: { path, version: current, supported: SCHEMA_VERSION } },
      );
    }
    for (let version = current + 1; version <= SCHEMA_VERSION; version++) db.exec(MIGRATIONS[version - 1]!);
    if (row === undefined) db.prepare('INSERT INTO queue_schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
    else if (current !== SCHEMA_VERSION) db.prepare('UPDATE queue_schema_version SET version = ?').run(SCHEMA_VERSION);
  }).immediate();
}
