import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface WalWatcher {
  close(): void;
}

/**
 * Calls `onChange` shortly after another process commits to the database: in WAL mode every commit
 * appends to `<file>-wal`, and inotify reports that write. The directory is watched, not the file, because
 * SQLite deletes and recreates the `-wal` file as connections come and go.
 *
 * A commit is several write() calls (frames, then the commit frame), so events are coalesced: the first one
 * arms a short timer and the callback runs once after it, by when the commit has landed. A missed or early
 * wake-up is harmless; the queue's fallback poll covers it.
 */
export function watchWal(
  file: string,
  onChange: () => void,
  options: { coalesceMs: number; onError: (err: unknown) => void },
): WalWatcher {
  const wal = basename(file) + '-wal';
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const fire = (): void => {
    timer = undefined;
    if (!closed) onChange();
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
      // Some platforms omit the name; treat that as a possible change.
      if (name !== null && name !== wal) return;
      if (timer === undefined && !closed) timer = setTimeout(fire, options.coalesceMs);
    });
    watcher.on('error', (err) => {
      options.onError(err);
      watcher?.close();
      watcher = undefined;
    });
  } catch (err) {
    // e.g. ENOSPC (inotify watch limit) or a filesystem without notifications: the poll still works.
    options.onError(err);
  }
  return {
    close(): void {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      watcher?.close();
    },
  };
}
