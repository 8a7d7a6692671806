import { createFsObjectStore } from '../adapters/store/fs/fs-object-store.ts';
import { type Config, urlPath } from '../config/load.ts';
import { EchoError } from '../errors/catalogue.ts';
import { type RotationReport, rotateMasterKey } from '../security/key-rotation.ts';

/** `echo-cloud keys rotate`, wired: the embedded store's ciphertext, the configured key source. */
export async function rotateStoreKeys(config: Config, newKeyFile?: string): Promise<RotationReport> {
  if (new URL(config.storeUrl).protocol !== 'file:') {
    throw new EchoError('BAD_REQUEST', `keys rotate works on the embedded file: store; ${config.storeUrl} is encrypted by its own service (e.g. SSE-KMS)`);
  }
  if (!config.encryption) throw new EchoError('BAD_REQUEST', 'ECHO_CLOUD_ENCRYPTION=off: the store is not encrypted, there is no key to rotate');
  const inner = await createFsObjectStore(urlPath(config.storeUrl));
  try {
    return await rotateMasterKey(inner, { dataDir: config.dataDir, envKey: config.masterKey, ...(newKeyFile ? { newKeyFile } : {}) });
  } finally {
    await inner.close();
  }
}
