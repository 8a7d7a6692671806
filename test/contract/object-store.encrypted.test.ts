import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createEncryptedObjectStore } from '../../src/adapters/store/encrypted/encrypted-object-store.ts';
import { keyring, masterKey } from '../../src/adapters/store/encrypted/keyring.ts';
import { createFsObjectStore } from '../../src/adapters/store/fs/fs-object-store.ts';
import { tempDir } from '../helpers/temp.ts';
import { objectStoreContract } from './object-store.contract.ts';

objectStoreContract('encrypted over fs', async () => {
  const { dir, cleanup } = await tempDir();
  const root = join(dir, 'objects');
  return {
    store: createEncryptedObjectStore(await createFsObjectStore(root), keyring(masterKey(randomBytes(32)))),
    cleanup,
    rawFiles: async () => (await readdir(root, { recursive: true })).map(String),
  };
});
