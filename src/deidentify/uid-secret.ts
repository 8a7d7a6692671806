import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { isEchoError } from '../errors/catalogue.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { readObject } from '../util/read-object.ts';

/** Where the deployment's UID remapping secret lives (encrypted at rest like every object). */
export const UID_SECRET_KEY = 'secrets/uid-remap.key';

/**
 * The root secret of UID remapping: 32 random bytes made on first use and kept in the object store, so it
 * survives master key rotations and is shared by every API process on the same store. (Concurrent first
 * uses in one process share one promise; see docs/security.md for several API processes.)
 */
export function uidRootSecret(store: ObjectStore): () => Promise<Buffer> {
  let pending: Promise<Buffer> | null = null;
  return () => {
    pending ??= load(store).catch((err) => {
      pending = null;
      throw err;
    });
    return pending;
  };
}

async function load(store: ObjectStore): Promise<Buffer> {
  try {
    const stored = Buffer.from(await readObject(store, UID_SECRET_KEY, 1024));
    if (stored.length === 32) return stored;
  } catch (err) {
    if (!isEchoError(err, 'NOT_FOUND')) throw err;
  }
  const secret = randomBytes(32);
  await store.put(UID_SECRET_KEY, Readable.from([secret]));
  return secret;
}
