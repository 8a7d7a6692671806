import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { PREFIX_BYTES, SEGMENT_BYTES, TAG_BYTES } from '../../../src/adapters/store/encrypted/format.ts';
import { decryptSegments, decryptWhole, encryptSegments } from '../../../src/adapters/store/encrypted/segments.ts';

const fixed = randomBytes(20);
const header = { fixed, noncePrefix: fixed.subarray(12, 12 + PREFIX_BYTES) };
const dataKey = randomBytes(32);

async function seal(chunks: Uint8Array[]): Promise<Buffer> {
  const out: Uint8Array[] = [];
  async function* body() {
    yield* chunks;
  }
  for await (const piece of encryptSegments(body(), header, dataKey, () => {})) out.push(piece);
  return Buffer.concat(out);
}

/** `data` cut into pieces of the given sizes, cycling, with an empty chunk now and then. */
function cut(data: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0, i = 0; at < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    out.push(data.subarray(at, at + n));
    if (i % 5 === 0) out.push(Buffer.alloc(0));
    at += n;
  }
  return out;
}

for (const size of [0, 1, SEGMENT_BYTES - 1, SEGMENT_BYTES, SEGMENT_BYTES + 1, 2 * SEGMENT_BYTES, 5 * SEGMENT_BYTES + 12_345]) {
  test(`a ${size}-byte object seals to the same bytes whatever its chunks, and opens back to the plaintext`, async () => {
    const plain = randomBytes(size);
    const whole = await seal(size === 0 ? [] : [plain]);
    const segments = Math.max(1, Math.ceil(size / SEGMENT_BYTES));
    assert.equal(whole.length, size + segments * TAG_BYTES);
    for (const sizes of [[1000], [SEGMENT_BYTES], [7, 65_000, 70_000, 3], [SEGMENT_BYTES + 1]]) {
      assert.ok((await seal(cut(plain, sizes))).equals(whole), `chunks of ${sizes.join(', ')} bytes sealed differently`);
    }
    assert.ok(Buffer.from(decryptWhole(whole, header, dataKey, 'k', 'id')).equals(plain));
    async function* rest() {
      yield* cut(whole, [4096, 70_000]);
    }
    const back: Buffer[] = [];
    for await (const c of decryptSegments(rest(), Buffer.alloc(0), header, dataKey, 'k', 'id')) back.push(c);
    assert.ok(Buffer.concat(back).equals(plain));
  });
}
