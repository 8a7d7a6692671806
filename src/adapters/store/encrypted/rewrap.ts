import { open } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { isEchoError, toEchoError } from '../../../errors/catalogue.ts';
import type { ObjectStore } from '../../../ports/object-store.ts';
import { decodeHeader, encodeHeader, encodeSlot, HEADER_BYTES, type Header, slotOffset } from './format.ts';
import { readPrefix } from './read-prefix.ts';
import { findDataKey, type Keyring, type MasterKey, unwrapKey, wrapKey } from './keyring.ts';
import { integrityError } from './segments.ts';

export interface RewrapReport {
  objects: number;
  changed: number;
  failed: { key: string; error: { code: string; message: string } }[];
}

/**
 * One pass of a key rotation over every object of the inner (ciphertext) store. Only the key slots of
 * each header change; the payload is never re-encrypted or copied where the store has local files.
 * - `add`: make sure a slot holds the data key wrapped by `target` (written into the slot that the
 *   unwrapping key does not use, so the old slot stays valid until the new one is on disk).
 * - `drop`: once `target`'s slot unwraps, clear every other slot: the old master key no longer opens it.
 * Each object is one small in-place write (fsynced), so a pass interrupted anywhere can be run again.
 */
export async function rewrapObjects(inner: ObjectStore, ring: Keyring, target: MasterKey, mode: 'add' | 'drop'): Promise<RewrapReport> {
  const report: RewrapReport = { objects: 0, changed: 0, failed: [] };
  for await (const key of inner.list('')) {
    report.objects++;
    try {
      if (await rewrapOne(inner, ring, target, mode, key)) report.changed++;
    } catch (err) {
      if (!isEchoError(err) && (err as NodeJS.ErrnoException).code === 'ENOENT') continue; // deleted meanwhile
      report.failed.push({ key, error: toEchoError(err, 'STORE_FAILED', `re-wrapping ${key}`).toJSON() });
    }
  }
  return report;
}

async function rewrapOne(inner: ObjectStore, ring: Keyring, target: MasterKey, mode: 'add' | 'drop', key: string): Promise<boolean> {
  const header = await readHeader(inner, key);
  const targetSlot = header.slots.findIndex((s) => s?.keyId === target.id);
  if (targetSlot >= 0) {
    if (!unwrapKey(target, header.slots[targetSlot]!, header.fixed)) {
      throw integrityError(key, target.id, `its data key slot for master key ${target.id} fails authentication`);
    }
    if (mode === 'add') return false;
    const others = header.slots.map((s, i) => (s && i !== targetSlot ? i : -1)).filter((i) => i >= 0);
    if (others.length === 0) return false;
    for (const i of others) header.slots[i] = null;
    await writeSlots(inner, key, header, others);
    return true;
  }
  const { dataKey, keyId } = findDataKey(ring, header.slots, header.fixed, key);
  const free = header.slots.findIndex((s) => s?.keyId !== keyId);
  header.slots[free] = wrapKey(target, dataKey, header.fixed);
  await writeSlots(inner, key, header, [free]);
  if (mode === 'drop') return rewrapOne(inner, ring, target, mode, key);
  return true;
}

async function readHeader(inner: ObjectStore, key: string): Promise<Header> {
  const parsed = decodeHeader(await readPrefix(inner, key, HEADER_BYTES));
  if (typeof parsed === 'string') throw integrityError(key, null, parsed);
  return parsed;
}

/** Writes the given slots in place (local file), else rewrites the object with the new header (atomic put). */
async function writeSlots(inner: ObjectStore, key: string, header: Header, slots: number[]): Promise<void> {
  const path = await inner.localPath?.(key);
  if (path) {
    const handle = await open(path, 'r+');
    try {
      for (const i of slots) await handle.write(encodeSlot(header.slots[i] ?? null), 0, undefined, slotOffset(i));
      await handle.sync();
    } finally {
      await handle.close();
    }
    return;
  }
  const source = await inner.get(key);
  async function* replaced(): AsyncIterable<Uint8Array> {
    let skipped = 0;
    yield encodeHeader(header);
    for await (const raw of source) {
      const chunk = raw as Buffer;
      if (skipped >= HEADER_BYTES) {
        yield chunk;
        continue;
      }
      const cut = Math.min(chunk.length, HEADER_BYTES - skipped);
      skipped += cut;
      if (cut < chunk.length) yield chunk.subarray(cut);
    }
  }
  await inner.put(key, Readable.from(replaced()));
}
