import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { EchoError } from '../errors/catalogue.ts';
import type { ObjectStore } from '../ports/object-store.ts';

/**
 * A stored object's bytes in one buffer of the caller's own: the store's `getBytes` where it has one (one
 * read instead of a stream of chunks), else its stream gathered. Over `maxBytes`: ECHO_ERR_STORE_FAILED,
 * and nothing past the limit is held.
 */
export async function readObject(store: ObjectStore, key: string, maxBytes: number): Promise<Uint8Array> {
  if (store.getBytes) return store.getBytes(key, maxBytes);
  const parts: Uint8Array[] = [];
  let bytes = 0;
  for await (const chunk of await store.get(key)) {
    bytes += chunk.length;
    if (bytes > maxBytes) throw tooLargeToRead(key, bytes, maxBytes);
    parts.push(chunk);
  }
  return Buffer.concat(parts, bytes);
}

export function tooLargeToRead(key: string, size: number, maxBytes: number): EchoError {
  return new EchoError('STORE_FAILED', `object ${key} is ${size} bytes or more, over the ${maxBytes}-byte limit for reading it into memory`, {
    details: { key, limit: maxBytes },
  });
}

/**
 * Copies a stored object to the local file `path`, private to this user (mode 0600): with encryption at
 * rest it is the only plaintext of the object. The caller removes it when done.
 */
export async function spoolObject(store: ObjectStore, key: string, path: string): Promise<void> {
  await pipeline(await store.get(key), createWriteStream(path, { mode: 0o600 }));
}
