import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createFsObjectStore } from '../../src/adapters/store/fs/fs-object-store.ts';
import { tempDir } from '../helpers/temp.ts';
import { objectStoreContract } from './object-store.contract.ts';

objectStoreContract('fs', async () => {
  const { dir, cleanup } = await tempDir();
  const root = join(dir, 'objects');
  return {
    store: await createFsObjectStore(root),
    cleanup,
    rawFiles: async () => (await readdir(root, { recursive: true })).map(String),
  };
});
