/**
 * Live clip status for the API's server-sent events. Workers run in other processes (or on other
 * machines) and write the shared catalog, so the one source that sees every change is the catalog: one
 * poll per watched project every `intervalMs`, compared with what the last poll saw, and each changed
 * clip pushed to that project's subscribers. The browser never polls; with nobody subscribed nothing runs.
 */
import type { Catalog, Clip } from '../ports/catalog.ts';

export interface ClipWatcherOptions {
  intervalMs: number;
  /** How many of a project's newest clips each poll compares. */
  limit: number;
}

export interface ClipChangeListener {
  /** The baseline is taken: every change after this moment will be delivered. */
  ready(): void;
  change(clip: Clip): void;
}

interface Watched {
  listeners: Set<ClipChangeListener>;
  /** Signature (status, update time, result) of each clip at the last poll; null before the first poll. */
  seen: Map<string, string> | null;
  timer: NodeJS.Timeout | null;
}

function signature(clip: Clip): string {
  return `${clip.status}|${clip.updatedAt}|${clip.resultId ?? ''}`;
}

export function createClipWatcher(catalog: Catalog, options: ClipWatcherOptions, onError: (err: unknown) => void) {
  const projects = new Map<string, Watched>();
  let closed = false;

  async function poll(projectId: string, watched: Watched): Promise<void> {
    try {
      const clips = await catalog.listClips({ projectId, limit: options.limit });
      const first = watched.seen === null;
      const seen = new Map<string, string>();
      for (const clip of clips) {
        const sig = signature(clip);
        seen.set(clip.id, sig);
        if (!first && watched.seen!.get(clip.id) !== sig) for (const l of watched.listeners) l.change(clip);
      }
      watched.seen = seen;
      if (first) for (const l of watched.listeners) l.ready();
    } catch (err) {
      onError(err);
    }
    if (!closed && projects.get(projectId) === watched) watched.timer = setTimeout(() => poll(projectId, watched), options.intervalMs);
  }

  return {
    /** Starts delivering the project's clip changes to `listener`; returns the unsubscribe function. */
    subscribe(projectId: string, listener: ClipChangeListener): () => void {
      let watched = projects.get(projectId);
      if (!watched) {
        watched = { listeners: new Set(), seen: null, timer: null };
        projects.set(projectId, watched);
        watched.listeners.add(listener);
        void poll(projectId, watched);
      } else {
        watched.listeners.add(listener);
        if (watched.seen !== null) listener.ready();
      }
      const w = watched;
      return () => {
        w.listeners.delete(listener);
        if (w.listeners.size === 0 && projects.get(projectId) === w) {
          if (w.timer) clearTimeout(w.timer);
          projects.delete(projectId);
        }
      };
    },
    close(): void {
      closed = true;
      for (const w of projects.values()) if (w.timer) clearTimeout(w.timer);
      projects.clear();
    },
  };
}
