import { createPostgresCatalog } from '../adapters/catalog/postgres/create-postgres-catalog.ts';
import { createSqliteCatalog } from '../adapters/catalog/sqlite/create-sqlite-catalog.ts';
import { createSqliteQueue } from '../adapters/queue/sqlite/index.ts';
import { createEncryptedObjectStore } from '../adapters/store/encrypted/encrypted-object-store.ts';
import { createFsObjectStore } from '../adapters/store/fs/fs-object-store.ts';
import { type Config, urlPath } from '../config/load.ts';
import { EchoError } from '../errors/catalogue.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { loadKeyring } from '../security/master-key.ts';

/**
 * The one place that turns validated config into adapters. Core code receives ports and never imports an
 * adapter; entry points (serve, worker, CLI) call these factories once.
 */
export function createCatalog(config: Config): Catalog {
  const scheme = new URL(config.databaseUrl).protocol;
  if (scheme === 'sqlite:') return createSqliteCatalog(urlPath(config.databaseUrl));
  if (scheme === 'postgres:' || scheme === 'postgresql:') return createPostgresCatalog(config.databaseUrl);
  throw new EchoError('CONFIG_INVALID', `ECHO_CLOUD_DATABASE: unsupported scheme ${scheme} (accepted: sqlite:, postgres:)`);
}

export function createStore(config: Config): Promise<ObjectStore> {
  const scheme = new URL(config.storeUrl).protocol;
  if (scheme === 'file:') return config.encryption ? createEncryptedFsStore(config) : createFsObjectStore(urlPath(config.storeUrl));
  throw new EchoError('CONFIG_INVALID', `ECHO_CLOUD_STORE: unsupported scheme ${scheme} (accepted: file:)`);
}

export function createQueue(config: Config): Promise<JobQueue> {
  const scheme = new URL(config.queueUrl).protocol;
  if (scheme === 'sqlite:') {
    return createSqliteQueue({ path: urlPath(config.queueUrl), maxReceives: config.maxReceives, defaultVisibilitySeconds: config.visibilitySeconds });
  }
  throw new EchoError('CONFIG_INVALID', `ECHO_CLOUD_QUEUE: unsupported scheme ${scheme} (accepted: sqlite:)`);
}

/** The embedded store with encryption at rest (ECHO_CLOUD_ENCRYPTION=on, the default). */
async function createEncryptedFsStore(config: Config): Promise<ObjectStore> {
  const ring = await loadKeyring(config.dataDir, config.masterKey);
  return createEncryptedObjectStore(await createFsObjectStore(urlPath(config.storeUrl)), ring);
}
