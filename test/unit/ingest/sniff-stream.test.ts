import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sniffStream } from '../../../src/ingest/sniff-stream.ts';

const detect = (head: Uint8Array) => (Buffer.from(head.subarray(0, 4)).toString() === 'MATL' ? 'mat-v5' : null);

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

async function* chunked(buf: Buffer, size: number): AsyncIterable<Uint8Array> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

test('passes bytes through unchanged once the format is known, whatever the chunking', async () => {
  const data = Buffer.concat([Buffer.from('MATLAB 5.0'), Buffer.alloc(3000, 7)]);
  for (const size of [1, 7, 511, 512, 4096]) {
    let format = '';
    const out = await collect(sniffStream(chunked(data, size), 'a.mat', detect, () => 'mat', (f) => (format = f)));
    assert.ok(out.equals(data), `chunk size ${size}`);
    assert.equal(format, 'mat-v5');
  }
});

test('short files are sniffed at their end', async () => {
  const out = await collect(sniffStream(chunked(Buffer.from('MATL'), 2), 'a', detect, () => 'mat', () => {}));
  assert.equal(out.toString(), 'MATL');
});

test('empty and unknown streams are refused before the rest is read', async () => {
  await assert.rejects(collect(sniffStream(chunked(Buffer.alloc(0), 1), 'e.mat', detect, () => 'mat', () => {})), { code: 'UPLOAD_EMPTY' });
  let pulled = 0;
  async function* endless(): AsyncIterable<Uint8Array> {
    for (;;) {
      pulled++;
      yield Buffer.alloc(1024, 1);
    }
  }
  await assert.rejects(collect(sniffStream(endless(), 'x.mat', detect, () => 'MAT v5', () => {})), (e: Error & { code?: string }) => e.code === 'UNSUPPORTED_FORMAT' && /x\.mat.*supported: MAT v5/.test(e.message));
  assert.equal(pulled, 1);
});
