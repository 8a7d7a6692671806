import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { EchoError } from '../../../errors/catalogue.ts';
import { validateKey } from '../../../ports/object-keys.ts';
import type { ObjectInfo, ObjectStore, PutOptions, PutResult } from '../../../ports/object-store.ts';
import { readObject, tooLargeToRead } from '../../../util/read-object.ts';
import { decodeHeader, encodeHeader, HEADER_BYTES, newFixedHeader, PREFIX_BYTES, plaintextSize, SEGMENT_BYTES, TAG_BYTES } from './format.ts';
import { findDataKey, type Keyring, wrapKey } from './keyring.ts';
import { decryptSegments, decryptWhole, encryptSegments, integrityError } from './segments.ts';

/**
 * An ObjectStore that encrypts every object before it reaches the inner store (AES-256-GCM envelope
 * encryption: a random data key per object, wrapped by the active master key; format in format.ts).
 * Same contract as any store, on plaintext: `put` returns the plaintext size and sha256, `get` streams
 * verified plaintext, `getBytes` decrypts an object read whole, `head` gives the plaintext size. `localPath` is always null: no plain file exists,
 * so a worker copies (decrypts) the input into its private work dir.
 * A stored object that was altered fails with ECHO_ERR_INTEGRITY; one whose master key is not in the
 * ring fails with ECHO_ERR_KEY_UNAVAILABLE.
 */
export function createEncryptedObjectStore(inner: ObjectStore, ring: Keyring): ObjectStore {
  async function put(key: string, body: Readable | AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    validateKey(key);
    const fixed = newFixedHeader(randomBytes(PREFIX_BYTES));
    const dataKey = randomBytes(32);
    const slot = wrapKey(ring.active, dataKey, fixed);
    const header = encodeHeader({ fixed, segmentBytes: 0, noncePrefix: fixed.subarray(12, 12 + PREFIX_BYTES), slots: [slot, null] });
    const hash = options.skipSha256 ? null : createHash('sha256');
    let size = 0;
    const onPlain = (chunk: Uint8Array): void => {
      size += chunk.length;
      if (options.maxBytes !== undefined && size > options.maxBytes) {
        throw new EchoError('UPLOAD_TOO_LARGE', `object ${key} is over the limit of ${options.maxBytes} bytes`, { details: { limit: options.maxBytes } });
      }
      hash?.update(chunk);
    };
    async function* sealed(): AsyncIterable<Uint8Array> {
      yield header;
      yield* encryptSegments(body, { fixed, noncePrefix: fixed.subarray(12, 12 + PREFIX_BYTES) }, dataKey, onPlain);
    }
    await inner.put(key, sealed(), { skipSha256: true, ...(options.contentType ? { contentType: options.contentType } : {}) });
    return { key, size, sha256: hash ? hash.digest('hex') : null };
  }

  async function get(key: string): Promise<Readable> {
    const source = await inner.get(key);
    const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
    const release = async (): Promise<void> => {
      await iterator.return?.();
      source.destroy();
    };
    try {
      const { head, rest } = await readHeader(iterator, key);
      const parsed = decodeHeader(head);
      if (typeof parsed === 'string') throw integrityError(key, null, parsed);
      const { dataKey, keyId } = findDataKey(ring, parsed.slots, parsed.fixed, key);
      const remaining = { [Symbol.asyncIterator]: () => iterator };
      const plain = decryptSegments(remaining, rest, parsed, dataKey, key, keyId)[Symbol.asyncIterator]();
      // The first segment is verified before the stream is handed out, so a damaged object's first bytes
      // fail the call itself (a clean coded error) rather than a stream already being sent.
      const first = await plain.next();
      async function* all(): AsyncIterable<Buffer> {
        try {
          if (first.done) return;
          yield first.value;
          for (;;) {
            const next = await plain.next();
            if (next.done) return;
            yield next.value;
          }
        } finally {
          await release();
        }
      }
      return Readable.from(all(), { objectMode: false });
    } catch (err) {
      await release();
      throw err;
    }
  }

  async function getBytes(key: string, maxBytes: number): Promise<Uint8Array> {
    // The stored object is the plaintext plus the header and one tag per segment.
    const sealed = await readObject(inner, key, HEADER_BYTES + maxBytes + (Math.floor(maxBytes / SEGMENT_BYTES) + 1) * TAG_BYTES);
    const parsed = decodeHeader(Buffer.from(sealed.buffer, sealed.byteOffset, Math.min(sealed.byteLength, HEADER_BYTES)));
    if (typeof parsed === 'string') throw integrityError(key, null, parsed);
    const size = plaintextSize(sealed.byteLength);
    if (size !== null && size > maxBytes) throw tooLargeToRead(key, size, maxBytes);
    const { dataKey, keyId } = findDataKey(ring, parsed.slots, parsed.fixed, key);
    return decryptWhole(sealed.subarray(HEADER_BYTES), parsed, dataKey, key, keyId);
  }

  async function head(key: string): Promise<ObjectInfo | null> {
    const info = await inner.head(key);
    if (!info) return null;
    const size = plaintextSize(info.size);
    if (size === null) throw integrityError(key, null, `its stored size ${info.size} is not the size of any encrypted object (truncated)`);
    return { key, size };
  }

  return {
    put,
    get,
    getBytes,
    head,
    delete: (key) => inner.delete(key),
    list: (prefix) => inner.list(prefix),
    localPath: async (key) => {
      validateKey(key);
      return null;
    },
    close: () => inner.close(),
  };
}

async function readHeader(iterator: AsyncIterator<Uint8Array>, key: string): Promise<{ head: Buffer; rest: Buffer }> {
  const parts: Buffer[] = [];
  let bytes = 0;
  while (bytes < HEADER_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    parts.push(chunk);
    bytes += chunk.length;
  }
  const all = Buffer.concat(parts, bytes);
  if (all.length < HEADER_BYTES) throw integrityError(key, null, `it is ${all.length} bytes, shorter than the ${HEADER_BYTES}-byte encryption header (truncated)`);
  return { head: all.subarray(0, HEADER_BYTES), rest: all.subarray(HEADER_BYTES) };
}
