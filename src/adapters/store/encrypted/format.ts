import { randomFillSync } from 'node:crypto';

/**
 * The on-disk format of an encrypted object (version 1), documented in docs/security.md:
 *
 *   offset  size  field
 *   0       7     magic "ECHOENC"
 *   7       1     format version (1)
 *   8       4     plaintext bytes per segment, big-endian (65536 in version 1)
 *   12      7     nonce prefix (random per object)
 *   19      1     reserved (0)
 *   20      68    key slot 0: master key id (8) | wrap nonce (12) | wrapped data key (32) | wrap tag (16)
 *   88      68    key slot 1 (same layout; an empty slot has key id 0 and random filler)
 *   156     ...   segments: AES-256-GCM ciphertext of up to 65536 plaintext bytes, then its 16-byte tag
 *
 * Segment i (from 0) uses nonce = prefix (7) | i as uint32 BE (4) | final flag (1) and additional data
 * = the fixed header (bytes 0..19) | i (4) | final flag (1). Only the last segment has the flag 1 and only
 * it may be shorter than a full segment (an empty object is one empty final segment), so a reordered,
 * truncated or extended object fails authentication. The data key slots are outside the segments'
 * additional data so that a rotation can re-wrap the data key in place without touching the payload.
 */
export const MAGIC = Buffer.from('ECHOENC', 'ascii');
export const VERSION = 1;
export const SEGMENT_BYTES = 64 * 1024;
export const TAG_BYTES = 16;
export const FIXED_BYTES = 20;
export const KEY_ID_BYTES = 8;
export const SLOT_BYTES = KEY_ID_BYTES + 12 + 32 + TAG_BYTES;
export const SLOT_COUNT = 2;
export const HEADER_BYTES = FIXED_BYTES + SLOT_COUNT * SLOT_BYTES;
export const PREFIX_BYTES = 7;

export interface KeySlot {
  keyId: string;
  wrapNonce: Buffer;
  wrappedKey: Buffer;
  wrapTag: Buffer;
}

export interface Header {
  /** Bytes 0..19, the additional data bound into every segment and every wrapped key. */
  fixed: Buffer;
  segmentBytes: number;
  noncePrefix: Buffer;
  /** Index = slot number; null for an empty slot. */
  slots: (KeySlot | null)[];
}

export function newFixedHeader(noncePrefix: Buffer): Buffer {
  const fixed = Buffer.alloc(FIXED_BYTES);
  MAGIC.copy(fixed, 0);
  fixed[7] = VERSION;
  fixed.writeUInt32BE(SEGMENT_BYTES, 8);
  noncePrefix.copy(fixed, 12, 0, PREFIX_BYTES);
  return fixed;
}

/** An empty slot is a zero key id followed by random filler (no long constant runs in a stored file). */
export function encodeSlot(slot: KeySlot | null): Buffer {
  const out = Buffer.alloc(SLOT_BYTES);
  if (!slot) {
    randomFillSync(out, KEY_ID_BYTES);
    return out;
  }
  Buffer.from(slot.keyId, 'hex').copy(out, 0);
  slot.wrapNonce.copy(out, KEY_ID_BYTES);
  slot.wrappedKey.copy(out, KEY_ID_BYTES + 12);
  slot.wrapTag.copy(out, KEY_ID_BYTES + 44);
  return out;
}

export function slotOffset(index: number): number {
  return FIXED_BYTES + index * SLOT_BYTES;
}

export function encodeHeader(header: Header): Buffer {
  return Buffer.concat([header.fixed, ...header.slots.map(encodeSlot)]);
}

/** Parses a header; returns a reason string when the bytes are not a version-1 header. */
export function decodeHeader(bytes: Buffer): Header | string {
  if (bytes.length < HEADER_BYTES) return `the object is ${bytes.length} bytes, shorter than the ${HEADER_BYTES}-byte encryption header`;
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) return 'it does not start with the encryption header ("ECHOENC"): it was not written by the encrypting store or was overwritten';
  if (bytes[7] !== VERSION) return `its encryption format version ${bytes[7]} is not supported (supported: ${VERSION})`;
  const segmentBytes = bytes.readUInt32BE(8);
  if (segmentBytes !== SEGMENT_BYTES) return `its segment size ${segmentBytes} is not the version-1 size ${SEGMENT_BYTES}`;
  const fixed = Buffer.from(bytes.subarray(0, FIXED_BYTES));
  const slots: (KeySlot | null)[] = [];
  for (let i = 0; i < SLOT_COUNT; i++) {
    const raw = bytes.subarray(slotOffset(i), slotOffset(i) + SLOT_BYTES);
    const keyId = raw.subarray(0, KEY_ID_BYTES);
    slots.push(
      keyId.every((b) => b === 0)
        ? null
        : {
            keyId: keyId.toString('hex'),
            wrapNonce: Buffer.from(raw.subarray(KEY_ID_BYTES, KEY_ID_BYTES + 12)),
            wrappedKey: Buffer.from(raw.subarray(KEY_ID_BYTES + 12, KEY_ID_BYTES + 44)),
            wrapTag: Buffer.from(raw.subarray(KEY_ID_BYTES + 44, SLOT_BYTES)),
          },
    );
  }
  return { fixed, segmentBytes, noncePrefix: Buffer.from(bytes.subarray(12, 12 + PREFIX_BYTES)), slots };
}

/** Nonce and additional data of segment `index`. */
export function segmentParams(header: Pick<Header, 'fixed' | 'noncePrefix'>, index: number, final: boolean): { nonce: Buffer; aad: Buffer } {
  if (index > 0xffffffff) throw new RangeError('object has more than 2^32 segments');
  const nonce = Buffer.alloc(12);
  header.noncePrefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, PREFIX_BYTES);
  nonce[11] = final ? 1 : 0;
  const aad = Buffer.alloc(FIXED_BYTES + 5);
  header.fixed.copy(aad, 0);
  aad.writeUInt32BE(index, FIXED_BYTES);
  aad[FIXED_BYTES + 4] = final ? 1 : 0;
  return { nonce, aad };
}

/** Plaintext size of an object whose stored (ciphertext) size is `stored`, or null if no v1 object has it. */
export function plaintextSize(stored: number): number | null {
  const body = stored - HEADER_BYTES;
  if (body < TAG_BYTES) return null;
  const segments = Math.max(1, Math.ceil(body / (SEGMENT_BYTES + TAG_BYTES)));
  const size = body - segments * TAG_BYTES;
  return size >= 0 ? size : null;
}
