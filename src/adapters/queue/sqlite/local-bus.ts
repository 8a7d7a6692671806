/**
 * In-process wake-ups: every queue opened on the same file in this process hears about sends and releases
 * at once, without waiting for the file watcher. Keyed by the file's resolved path.
 */
const listeners = new Map<string, Set<() => void>>();

export function subscribeLocal(file: string, listener: () => void): () => void {
  let set = listeners.get(file);
  if (set === undefined) {
    set = new Set();
    listeners.set(file, set);
  }
  set.add(listener);
  return () => {
    const current = listeners.get(file);
    if (current === undefined) return;
    current.delete(listener);
    if (current.size === 0) listeners.delete(file);
  };
}

export function publishLocal(file: string): void {
  const set = listeners.get(file);
  if (set === undefined) return;
  for (const listener of [...set]) listener();
}
