import type { ObjectStore } from '../../../ports/object-store.ts';

/** The first `bytes` bytes of a stored object (fewer when it is shorter), reading no further than needed. */
export async function readPrefix(inner: ObjectStore, key: string, bytes: number): Promise<Buffer> {
  const stream = await inner.get(key);
  const parts: Buffer[] = [];
  let have = 0;
  try {
    for await (const chunk of stream) {
      parts.push(chunk as Buffer);
      have += (chunk as Buffer).length;
      if (have >= bytes) break;
    }
  } finally {
    stream.destroy();
  }
  return Buffer.concat(parts, have);
}
