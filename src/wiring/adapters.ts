import { createSqliteCatalog } from '../adapters/catalog/sqlite/create-sqlite-catalog.ts';
import { createSqliteQueue } from '../adapters/queue/sqlite/index.ts';
import { createEncryptedObjectStore } from '../adapters/store/encrypted/encrypted-object-store.ts';
import { firstPlainObject } from '../adapters/store/encrypted/migrate.ts';
import type { ObjectEventSource } from '../adapters/queue/sqs/index.ts';
import { createFsObjectStore } from '../adapters/store/fs/fs-object-store.ts';
import { type Config, urlPath } from '../config/load.ts';
import { EchoError } from '../errors/catalogue.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { hasKeyFile, loadKeyring } from '../security/master-key.ts';

/**
 * The one place that turns validated config into adapters. Core code receives ports and never imports an
 * adapter; entry points (serve, worker, CLI) call these factories once. The cloud adapters (PostgreSQL,
 * S3, SQS) are imported only when the config names them: the AWS SDK and pg would otherwise add ~6 MB to
 * every embedded process's heap, which each full garbage collection marks again.
 */
export async function createCatalog(config: Config, onWarning?: (message: string) => void): Promise<Catalog> {
  const scheme = new URL(config.databaseUrl).protocol;
  if (scheme === 'sqlite:') return createSqliteCatalog(urlPath(config.databaseUrl));
  if (scheme === 'postgres:' || scheme === 'postgresql:') {
    const { createPostgresCatalog } = await import('../adapters/catalog/postgres/create-postgres-catalog.ts');
    return createPostgresCatalog(config.databaseUrl, onWarning ? { onWarning } : {});
  }
  throw new EchoError('CONFIG_INVALID', `ECHO_CLOUD_DATABASE: unsupported scheme ${scheme} (accepted: sqlite:, postgres:)`);
}

export async function createStore(config: Config): Promise<ObjectStore> {
  const scheme = new URL(config.storeUrl).protocol;
  if (scheme === 'file:') return config.encryption ? createEncryptedFsStore(config) : createPlainFsStore(config);
  if (scheme === 's3:') {
    const { bucket, prefix } = s3Location(config.storeUrl);
    const { createS3ObjectStore } = await import('../adapters/store/s3/s3-object-store.ts');
    return createS3ObjectStore({ bucket, prefix, region: config.awsRegion, endpoint: config.awsEndpoint, kmsKeyId: config.kmsKeyId });
  }
  throw new EchoError('CONFIG_INVALID', `ECHO_CLOUD_STORE: unsupported scheme ${scheme} (accepted: file:, s3:)`);
}

/** `s3://<bucket>/<prefix>` → bucket and prefix (without slashes at either end). */
export function s3Location(storeUrl: string): ObjectEventSource {
  const url = new URL(storeUrl);
  return { bucket: url.hostname, prefix: urlPath(storeUrl).replace(/^\/+|\/+$/g, '') };
}

export async function createQueue(config: Config, onWarning?: (message: string) => void): Promise<JobQueue> {
  const scheme = new URL(config.queueUrl).protocol;
  if (scheme === 'sqlite:') {
    return createSqliteQueue({ path: urlPath(config.queueUrl), maxReceives: config.maxReceives, defaultVisibilitySeconds: config.visibilitySeconds });
  }
  if (scheme === 'sqs:') {
    // sqs://<queue name>: S3 event notifications on the queue map to store keys when the store is on S3.
    const queue = new URL(config.queueUrl).hostname;
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(queue)) {
      throw new EchoError('CONFIG_INVALID', `ECHO_CLOUD_QUEUE=${config.queueUrl}: expected sqs://<queue name> (1-80 letters, digits, - and _; standard queues only)`);
    }
    const objectEvents = new URL(config.storeUrl).protocol === 's3:' ? s3Location(config.storeUrl) : null;
    const { createSqsQueue } = await import('../adapters/queue/sqs/index.ts');
    return createSqsQueue({ queue, maxReceives: config.maxReceives, region: config.awsRegion, endpoint: config.awsEndpoint, objectEvents, onWarning });
  }
  throw new EchoError('CONFIG_INVALID', `ECHO_CLOUD_QUEUE: unsupported scheme ${scheme} (accepted: sqlite:, sqs:)`);
}

/**
 * The embedded store with encryption at rest (ECHO_CLOUD_ENCRYPTION=on, the default). A store that already
 * holds objects but has no master key yet was written without encryption: start-up stops and says how to
 * migrate it, rather than making a key that opens none of them.
 */
async function createEncryptedFsStore(config: Config): Promise<ObjectStore> {
  const inner = await createFsObjectStore(urlPath(config.storeUrl));
  if (!config.masterKey && !(await hasKeyFile(config.dataDir))) {
    const plain = await firstPlainObject(inner);
    if (plain) {
      throw new EchoError(
        'CONFIG_INVALID',
        `ECHO_CLOUD_ENCRYPTION=on but the store ${config.storeUrl} holds objects written without encryption (e.g. ${plain}) and no master key exists yet: run \`echo-cloud keys migrate\` once to encrypt them, or set ECHO_CLOUD_ENCRYPTION=off`,
        { details: { variable: 'ECHO_CLOUD_ENCRYPTION' } },
      );
    }
  }
  return createEncryptedObjectStore(inner, await loadKeyring(config.dataDir, config.masterKey));
}

/** ECHO_CLOUD_ENCRYPTION=off. A data dir with a master key holds encrypted objects: refuse to serve ciphertext. */
async function createPlainFsStore(config: Config): Promise<ObjectStore> {
  if (await hasKeyFile(config.dataDir)) {
    throw new EchoError(
      'CONFIG_INVALID',
      `ECHO_CLOUD_ENCRYPTION=off but ${config.dataDir}/master-key exists: this store's objects are encrypted and would be served as ciphertext; set ECHO_CLOUD_ENCRYPTION=on`,
      { details: { variable: 'ECHO_CLOUD_ENCRYPTION' } },
    );
  }
  return createFsObjectStore(urlPath(config.storeUrl));
}
