import Database from 'better-sqlite3';
import { guard } from './errors.ts';
import { migrate } from './schema.ts';

export interface OpenOptions {
  path: string;
  /** How long a statement waits for another process's write lock before failing (ms). */
  busyTimeoutMs: number;
}

/**
 * Opens (creating if needed) the queue file in WAL mode: readers never block the writer, and every commit
 * appends to `<file>-wal`, which is what the wake-up watcher listens to.
 */
export function openQueueDatabase(options: OpenOptions): Database.Database {
  const { path } = options;
  return guard(path, 'open', () => {
    const db = new Database(path, { timeout: options.busyTimeoutMs });
    try {
      db.pragma('journal_mode = WAL');
      // NORMAL is crash-safe in WAL mode (a process crash loses nothing); only a power cut can lose the last
      // commits. Jobs are re-creatable from the catalog, and FULL would fsync every receive and delete.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, path);
      return db;
    } catch (err) {
      db.close();
      throw err;
    }
  });
}
