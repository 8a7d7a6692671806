import { open } from 'node:fs/promises';

/** fsync a directory, so that a rename or a new file in it survives a power loss. */
export async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
