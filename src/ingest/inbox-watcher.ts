import { createReadStream, watch, type FSWatcher } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { toEchoError } from '../errors/catalogue.ts';
import { ingestUpload, type UploadDeps, type UploadOutcome } from './ingest-upload.ts';

export interface InboxOptions {
  dir: string;
  projectId: string;
  /** A file is complete once its size and mtime have not changed for this long. */
  settleMs: number;
  log: Logger;
  onIngested?: (file: string, outcome: UploadOutcome) => void;
}

const REJECTED = '.rejected';

/**
 * The watched inbox folder. A file dropped in `<inbox>/` (or `<inbox>/<study>/`) is ingested once it is
 * complete, then removed. A file that cannot be ingested moves to `<inbox>/.rejected/` beside a
 * `<name>.error.txt` holding the coded error, so nothing is lost. Names starting with "." are ignored,
 * so writers can upload as `.name.part` and rename when done.
 */
export async function startInboxWatcher(deps: UploadDeps, options: InboxOptions) {
  const { dir, log } = options;
  await mkdir(join(dir, REJECTED), { recursive: true });
  const seen = new Map<string, { size: number; mtimeMs: number; since: number }>();
  const busy = new Set<string>();
  let stopped = false;
  let scanning: Promise<void> | null = null;
  let timer: NodeJS.Timeout | null = null;

  async function candidates(): Promise<{ path: string; name: string; study: string | null }[]> {
    const out: { path: string; name: string; study: string | null }[] = [];
    for (const e of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      if (e.name.startsWith('.')) continue;
      if (e.isFile()) out.push({ path: join(dir, e.name), name: e.name, study: null });
      else if (e.isDirectory()) {
        for (const f of await readdir(join(dir, e.name), { withFileTypes: true }).catch(() => [])) {
          if (f.isFile() && !f.name.startsWith('.')) out.push({ path: join(dir, e.name, f.name), name: f.name, study: e.name });
        }
      }
    }
    return out;
  }

  async function scan(): Promise<void> {
    const now = Date.now();
    const present = new Set<string>();
    for (const c of await candidates()) {
      present.add(c.path);
      if (busy.has(c.path)) continue;
      const s = await stat(c.path).catch(() => null);
      if (!s) continue;
      const prev = seen.get(c.path);
      if (!prev || prev.size !== s.size || prev.mtimeMs !== s.mtimeMs) {
        seen.set(c.path, { size: s.size, mtimeMs: s.mtimeMs, since: now });
        continue;
      }
      if (now - prev.since < options.settleMs) continue;
      busy.add(c.path);
      void ingestOne(c).finally(() => {
        busy.delete(c.path);
        seen.delete(c.path);
      });
    }
    for (const path of seen.keys()) if (!present.has(path)) seen.delete(path);
  }

  async function ingestOne(c: { path: string; name: string; study: string | null }): Promise<void> {
    try {
      const outcome = await ingestUpload(deps, { name: c.name, body: createReadStream(c.path), source: 'inbox', projectId: options.projectId, study: c.study });
      await rm(c.path, { force: true });
      log.info({ file: c.path, clips: outcome.kind === 'study' ? outcome.clips.map((o) => o.clip.id) : [outcome.clip.id] }, 'inbox file ingested');
      options.onIngested?.(c.path, outcome);
    } catch (err) {
      const e = toEchoError(err);
      const target = join(dir, REJECTED, `${Date.now()}-${c.name}`);
      await rename(c.path, target).catch(() => {});
      await writeFile(`${target}.error.txt`, `${e.wireCode}: ${e.message}\n`).catch(() => {});
      log.warn({ file: c.path, movedTo: target, err: e.toJSON() }, 'inbox file refused');
    }
  }

  const kick = (): void => {
    if (stopped || scanning) return;
    scanning = scan()
      .catch((err) => log.warn({ err: toEchoError(err).toJSON() }, 'inbox scan failed'))
      .finally(() => {
        scanning = null;
      });
  };

  let watcher: FSWatcher | null = null;
  try {
    watcher = watch(dir, { recursive: false }, () => kick());
  } catch (err) {
    log.warn({ err: toEchoError(err).toJSON() }, 'cannot watch the inbox; scanning on a timer only');
  }
  // The settle period needs a clock even without events; scan at a quarter of it (bounded).
  timer = setInterval(kick, Math.min(1000, Math.max(50, options.settleMs / 4)));
  timer.unref();
  kick();

  return {
    async stop(): Promise<void> {
      stopped = true;
      watcher?.close();
      if (timer) clearInterval(timer);
      await scanning;
      while (busy.size > 0) await new Promise((r) => setTimeout(r, 20));
    },
  };
}
