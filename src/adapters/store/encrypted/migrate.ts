import type { ObjectStore } from '../../../ports/object-store.ts';
import { MAGIC } from './format.ts';
import { readPrefix } from './read-prefix.ts';

/** True when the stored object starts with the encryption header's magic. */
export async function isEncrypted(inner: ObjectStore, key: string): Promise<boolean> {
  return (await readPrefix(inner, key, MAGIC.length)).subarray(0, MAGIC.length).equals(MAGIC);
}

/** The first object of the inner store that is not encrypted, or null (stops at the first one found). */
export async function firstPlainObject(inner: ObjectStore): Promise<string | null> {
  for await (const key of inner.list('')) if (!(await isEncrypted(inner, key))) return key;
  return null;
}

/**
 * `echo-cloud keys migrate`: encrypts every object of a store written before encryption at rest was on.
 * Each object is re-put through the encrypting store (atomic replace: a reader sees the plain or the
 * encrypted object, never a partial one); objects already encrypted are left alone, so it can be re-run.
 */
export async function encryptPlainObjects(inner: ObjectStore, encrypted: ObjectStore): Promise<{ objects: number; encrypted: number }> {
  const report = { objects: 0, encrypted: 0 };
  for await (const key of inner.list('')) {
    report.objects++;
    if (await isEncrypted(inner, key)) continue;
    await encrypted.put(key, await inner.get(key));
    report.encrypted++;
  }
  return report;
}
