import { createCipheriv, createDecipheriv } from 'node:crypto';
import { EchoError } from '../../../errors/catalogue.ts';
import { type Header, SEGMENT_BYTES, segmentParams, TAG_BYTES } from './format.ts';
import { uninitialisedBytes } from '../../../util/bytes.ts';

/**
 * Encrypts a plaintext stream into segments (see format.ts). One segment of plaintext is held at a time:
 * a full segment waits until the next byte arrives, because only then is it known not to be the last.
 * The held chunks are fed to the segment's cipher as they are (never joined into one buffer first), and
 * the ciphertext comes out in as many pieces. `onPlain` sees every plaintext chunk first (for the size
 * cap and the sha256).
 */
export async function* encryptSegments(
  body: AsyncIterable<Uint8Array | string>,
  header: Pick<Header, 'fixed' | 'noncePrefix'>,
  dataKey: Buffer,
  onPlain: (chunk: Uint8Array) => void,
): AsyncIterable<Uint8Array> {
  const held: Buffer[] = [];
  let heldBytes = 0;
  let index = 0;
  /** Seals the first `n` held bytes as the next segment: its ciphertext pieces, then its tag. */
  const seal = (n: number, final: boolean): Buffer[] => {
    const { nonce, aad } = segmentParams(header, index++, final);
    const cipher = createCipheriv('aes-256-gcm', dataKey, nonce);
    cipher.setAAD(aad);
    const out: Buffer[] = [];
    for (let left = n; left > 0; ) {
      const head = held[0]!;
      if (head.length <= left) {
        held.shift();
        out.push(cipher.update(head));
        left -= head.length;
      } else {
        held[0] = head.subarray(left);
        out.push(cipher.update(head.subarray(0, left)));
        left = 0;
      }
    }
    heldBytes -= n;
    cipher.final();
    out.push(cipher.getAuthTag());
    return out;
  };
  for await (const raw of body) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
    onPlain(chunk);
    if (chunk.length === 0) continue;
    held.push(chunk);
    heldBytes += chunk.length;
    // Strictly more than a segment: the segment sealed here is certainly not the last one.
    while (heldBytes > SEGMENT_BYTES) yield* seal(SEGMENT_BYTES, false);
  }
  yield* seal(heldBytes, true);
}

/**
 * Decrypts the segments that follow the header. Each segment's plaintext is released only after its tag
 * verified; any failure (altered, reordered, truncated or extended ciphertext) throws ECHO_ERR_INTEGRITY
 * naming the object and the segment.
 */
export async function* decryptSegments(
  rest: AsyncIterable<Uint8Array>,
  first: Buffer,
  header: Pick<Header, 'fixed' | 'noncePrefix'>,
  dataKey: Buffer,
  objectKey: string,
  keyId: string,
): AsyncIterable<Buffer> {
  const whole = SEGMENT_BYTES + TAG_BYTES;
  // Received bytes not yet opened, as a list: each byte is copied at most once (when a segment straddles
  // two chunks), never re-concatenated per chunk.
  const parts: Buffer[] = first.length > 0 ? [first] : [];
  let held = first.length;
  const take = (n: number): Buffer => {
    const head = parts[0]!;
    if (head.length >= n) {
      if (head.length === n) parts.shift();
      else parts[0] = head.subarray(n);
      held -= n;
      return head.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let at = 0;
    while (at < n) {
      const p = parts[0]!;
      const k = Math.min(p.length, n - at);
      p.copy(out, at, 0, k);
      at += k;
      if (k === p.length) parts.shift();
      else parts[0] = p.subarray(k);
    }
    held -= n;
    return out;
  };
  let index = 0;
  const open = (sealed: Buffer, final: boolean): Buffer => openSegment(sealed, index++, final, header, dataKey, objectKey, keyId);
  for await (const raw of rest) {
    if (raw.byteLength === 0) continue;
    parts.push(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength));
    held += raw.byteLength;
    // More than a whole segment held: the first one is not the last.
    while (held > whole) yield open(take(whole), false);
  }
  if (held < TAG_BYTES) throw integrityError(objectKey, keyId, `it ends inside segment ${index} (${held} bytes where a segment needs at least ${TAG_BYTES}): truncated`);
  yield open(take(held), true);
}

/**
 * Decrypts every segment of an object held whole in memory (`body`: the bytes after the header) into one
 * buffer of the plaintext's size; the same checks as `decryptSegments`, with no stream hops per segment.
 */
export function decryptWhole(
  body: Uint8Array,
  header: Pick<Header, 'fixed' | 'noncePrefix'>,
  dataKey: Buffer,
  objectKey: string,
  keyId: string,
): Uint8Array {
  const sealed = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const whole = SEGMENT_BYTES + TAG_BYTES;
  const last = Math.max(0, Math.ceil(sealed.length / whole) - 1);
  const lastBytes = sealed.length - last * whole;
  if (lastBytes < TAG_BYTES) throw integrityError(objectKey, keyId, `it ends inside segment ${last} (${lastBytes} bytes where a segment needs at least ${TAG_BYTES}): truncated`);
  const size = sealed.length - (last + 1) * TAG_BYTES;
  const out = uninitialisedBytes(size); // every byte is written below before it is returned
  let at = 0;
  let written = 0;
  for (let index = 0; ; index++) {
    // Strictly more than a whole segment left: this one is not the last (as in decryptSegments).
    const final = sealed.length - at <= whole;
    const plain = openSegment(sealed.subarray(at, final ? sealed.length : at + whole), index, final, header, dataKey, objectKey, keyId);
    out.set(plain, written);
    written += plain.length;
    if (final) return out;
    at += whole;
  }
}

/** Opens segment `index` (ciphertext then tag); a failed check throws ECHO_ERR_INTEGRITY naming it. */
function openSegment(sealed: Buffer, index: number, final: boolean, header: Pick<Header, 'fixed' | 'noncePrefix'>, dataKey: Buffer, objectKey: string, keyId: string): Buffer {
  const { nonce, aad } = segmentParams(header, index, final);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, nonce);
    decipher.setAAD(aad);
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plain = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    decipher.final();
    return plain;
  } catch {
    throw integrityError(objectKey, keyId, `segment ${index}${final ? ' (the last)' : ''} fails authentication: the object was altered, truncated, extended or its segments reordered`);
  }
}

export function integrityError(objectKey: string, keyId: string | null, why: string): EchoError {
  return new EchoError('INTEGRITY', `stored object ${objectKey}${keyId ? ` (data key wrapped by master key ${keyId})` : ''}: ${why}`, {
    details: { key: objectKey, ...(keyId ? { keyId } : {}) },
  });
}
