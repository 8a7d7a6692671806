import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Config, loadConfig } from '../../src/config/load.ts';
import type { UploadDeps } from '../../src/ingest/ingest-upload.ts';
import type { Catalog } from '../../src/ports/catalog.ts';
import type { JobQueue } from '../../src/ports/job-queue.ts';
import type { ObjectStore } from '../../src/ports/object-store.ts';
import { DEFAULT_PROJECT } from '../../src/security/tokens.ts';
import { createCatalog, createQueue, createStore } from '../../src/wiring/adapters.ts';
import { uploadDeps } from '../../src/wiring/ingest.ts';
import { deployedModel } from '../../src/wiring/model.ts';

export interface Embedded {
  dir: string;
  config: Config;
  env: Record<string, string>;
  catalog: Catalog;
  store: ObjectStore;
  queue: JobQueue;
  ingest: UploadDeps;
  close(): Promise<void>;
}

/** The embedded adapters on a fresh data dir, wired in this process exactly as `serve` wires them. */
export async function openEmbedded(env: Record<string, string> = {}): Promise<Embedded> {
  const dir = await mkdtemp(join(tmpdir(), 'echo-embedded-'));
  const fullEnv = { ECHO_CLOUD_DATA_DIR: dir, ECHO_CLOUD_LOG_LEVEL: 'silent', ...env };
  const config = loadConfig(fullEnv);
  const catalog = await createCatalog(config);
  await catalog.migrate();
  await catalog.ensureProject(DEFAULT_PROJECT.id, DEFAULT_PROJECT.name);
  const store = await createStore(config);
  const queue = await createQueue(config);
  const model = await deployedModel(config);
  const ingest = uploadDeps(config, { catalog, store, queue }, model);
  return {
    dir,
    config,
    env: fullEnv,
    catalog,
    store,
    queue,
    ingest,
    async close() {
      await queue.close();
      await store.close();
      await catalog.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
