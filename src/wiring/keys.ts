import { createEncryptedObjectStore } from '../adapters/store/encrypted/encrypted-object-store.ts';
import { encryptPlainObjects } from '../adapters/store/encrypted/migrate.ts';
import { createFsObjectStore } from '../adapters/store/fs/fs-object-store.ts';
import { type Config, urlPath } from '../config/load.ts';
import { EchoError } from '../errors/catalogue.ts';
import { type RotationReport, rotateMasterKey } from '../security/key-rotation.ts';
import { loadKeyring } from '../security/master-key.ts';

/** `echo-cloud keys rotate`, wired: the embedded store's ciphertext, the configured key source. */
export async function rotateStoreKeys(config: Config, newKeyFile?: string): Promise<RotationReport> {
  checkEncryptedFileStore(config, 'rotate');
  const inner = await createFsObjectStore(urlPath(config.storeUrl));
  try {
    return await rotateMasterKey(inner, { dataDir: config.dataDir, envKey: config.masterKey, ...(newKeyFile ? { newKeyFile } : {}) });
  } finally {
    await inner.close();
  }
}

/** `echo-cloud keys migrate`: encrypts the objects of a store written before encryption at rest was on. */
export async function migrateStoreToEncryption(config: Config): Promise<{ objects: number; encrypted: number; keyId: string }> {
  checkEncryptedFileStore(config, 'migrate');
  const inner = await createFsObjectStore(urlPath(config.storeUrl));
  try {
    const ring = await loadKeyring(config.dataDir, config.masterKey);
    return { ...(await encryptPlainObjects(inner, createEncryptedObjectStore(inner, ring))), keyId: ring.active.id };
  } finally {
    await inner.close();
  }
}

function checkEncryptedFileStore(config: Config, sub: string): void {
  if (new URL(config.storeUrl).protocol !== 'file:') {
    throw new EchoError('BAD_REQUEST', `keys ${sub} works on the embedded file: store; ${config.storeUrl} is encrypted by its own service (e.g. SSE-KMS)`);
  }
  if (!config.encryption) throw new EchoError('BAD_REQUEST', `ECHO_CLOUD_ENCRYPTION=off: the store is not encrypted (keys ${sub} needs it on)`);
}
