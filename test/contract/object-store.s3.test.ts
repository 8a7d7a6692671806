/**
 * The ObjectStore contract on S3 (fauxqs on loopback, a fresh bucket and a key prefix per suite), then what
 * only the S3 adapter promises: multipart above one part, aborted multipart leaving nothing, SSE-KMS on
 * every request, presigned GET/PUT URLs that work without credentials, keys confined to the prefix.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { CreateBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { createS3ObjectStore, MIN_PART_BYTES } from '../../src/adapters/store/s3/s3-object-store.ts';
import { isEchoError } from '../../src/errors/catalogue.ts';
import type { ObjectStore } from '../../src/ports/object-store.ts';
import { type Emulator, startEmulator, startEmulatorProcess } from '../helpers/fauxqs.ts';
import { tempDir } from '../helpers/temp.ts';
import { objectStoreContract } from './object-store.contract.ts';

let emulator: Emulator;
let admin: S3Client;
let buckets = 0;
before(async () => {
  emulator = await startEmulator();
  admin = new S3Client({ endpoint: emulator.endpoint, region: emulator.region, forcePathStyle: true });
});
after(async () => {
  admin.destroy();
  await emulator.stop();
});

async function freshBucket(): Promise<string> {
  const bucket = `echo-test-${++buckets}-${randomBytes(3).toString('hex')}`;
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

async function rawKeys(bucket: string): Promise<string[]> {
  const out = await admin.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (out.Contents ?? []).map((o) => o.Key ?? '');
}

objectStoreContract('s3 (fauxqs)', async () => {
  const bucket = await freshBucket();
  return {
    store: createS3ObjectStore({ bucket, prefix: 'tenant/a', endpoint: emulator.endpoint, region: emulator.region }),
    cleanup: async () => {},
    rawFiles: () => rawKeys(bucket),
  };
});

async function* pattern(total: number, chunk = 256 * 1024): AsyncIterable<Uint8Array> {
  for (let sent = 0, i = 0; sent < total; sent += chunk, i++) yield new Uint8Array(Math.min(chunk, total - sent)).fill(i % 253);
}

describe('s3 store specifics', () => {
  let bucket: string;
  let store: ObjectStore;
  before(async () => {
    bucket = await freshBucket();
    store = createS3ObjectStore({ bucket, prefix: 'p', endpoint: emulator.endpoint, region: emulator.region, partSizeBytes: MIN_PART_BYTES, kmsKeyId: 'alias/echo-test' });
  });
  after(() => store.close());

  test('a body over one part goes up as a multipart upload, streamed, with the right sha256', async () => {
    const total = MIN_PART_BYTES * 2 + 12345;
    const expected = createHash('sha256');
    for await (const c of pattern(total)) expected.update(c);
    const put = await store.put('inputs/big/multi.bin', pattern(total));
    assert.equal(put.size, total);
    assert.equal(put.sha256, expected.digest('hex'));
    const headOut = await admin.send(new HeadObjectCommand({ Bucket: bucket, Key: 'p/inputs/big/multi.bin' }));
    assert.match(headOut.ETag ?? '', /-3"?$/, `multipart ETag (3 parts), got ${headOut.ETag}`);
    const back = createHash('sha256');
    for await (const c of await store.get('inputs/big/multi.bin')) back.update(c);
    assert.equal(back.digest('hex'), put.sha256);
  });

  test('a multipart put that fails midway or runs over maxBytes leaves nothing under the key', async () => {
    async function* failing(): AsyncIterable<Uint8Array> {
      yield* pattern(MIN_PART_BYTES + 1000);
      throw new Error('client went away');
    }
    await assert.rejects(store.put('inputs/big/broken.bin', failing()), (err: unknown) => isEchoError(err, 'STORE_FAILED') && /inputs\/big\/broken\.bin/.test((err as Error).message));
    assert.equal(await store.head('inputs/big/broken.bin'), null);
    await assert.rejects(store.put('inputs/big/over.bin', pattern(MIN_PART_BYTES * 2), { maxBytes: MIN_PART_BYTES + 10 }), { code: 'UPLOAD_TOO_LARGE' });
    assert.equal(await store.head('inputs/big/over.bin'), null);
    assert.deepEqual((await rawKeys(bucket)).filter((k) => k.includes('broken') || k.includes('over')), []);
  });

  test('a put streams: memory held stays far below the body size', async (t) => {
    // fauxqs in its own process, so only this process's buffering is measured.
    const { dir, cleanup } = await tempDir();
    const peer = await startEmulatorProcess(dir);
    try {
      const client = new S3Client({ endpoint: peer.endpoint, region: peer.region, forcePathStyle: true });
      await client.send(new CreateBucketCommand({ Bucket: 'streaming' }));
      const streaming = createS3ObjectStore({ bucket: 'streaming', prefix: '', client, partSizeBytes: MIN_PART_BYTES, queueSize: 2 });
      const total = 256 * 1024 * 1024;
      const before = process.memoryUsage();
      let peak = 0;
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        peak = Math.max(peak, m.arrayBuffers + m.heapUsed - before.arrayBuffers - before.heapUsed);
      }, 5);
      const started = Date.now();
      const put = await streaming.put('inputs/huge.bin', pattern(total, 64 * 1024)).finally(() => clearInterval(sampler));
      assert.equal(put.size, total);
      t.diagnostic(`256 MiB put in ${Date.now() - started} ms; heap + buffers grew at most ${(peak / 2 ** 20).toFixed(1)} MiB (parts of 5 MiB, 2 in flight)`);
      assert.ok(peak < total / 2, `held ${(peak / 2 ** 20).toFixed(1)} MiB while putting 256 MiB`);
      client.destroy();
    } finally {
      await peer.stop();
      await cleanup();
    }
  });

  test('puts send SSE-KMS with the configured key', async () => {
    const sent: Record<string, string>[] = [];
    const client = new S3Client({ endpoint: emulator.endpoint, region: emulator.region, forcePathStyle: true });
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (request.headers) sent.push({ ...request.headers });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'recordHeaders' },
    );
    const kms = createS3ObjectStore({ bucket, prefix: 'p', client, kmsKeyId: 'arn:aws:kms:us-east-1:000000000000:key/test' });
    await kms.put('outputs/kms.json', Readable.from(['{}']));
    const putHeaders = sent.find((h) => h['x-amz-server-side-encryption']);
    assert.equal(putHeaders?.['x-amz-server-side-encryption'], 'aws:kms');
    assert.equal(putHeaders?.['x-amz-server-side-encryption-aws-kms-key-id'], 'arn:aws:kms:us-east-1:000000000000:key/test');
    await kms.close();
    client.destroy();
  });

  test('presigned PUT and GET URLs move the bytes without credentials', async () => {
    const up = await store.presignPut!('inputs/presigned/clip.mat', { expiresInSeconds: 300, contentType: 'application/octet-stream' });
    assert.equal(up.method, 'PUT');
    assert.match(up.url, /X-Amz-Signature=/);
    // No checksum of the (absent) body baked into the URL: S3 would refuse every upload whose bytes differ.
    assert.doesNotMatch(up.url, /x-amz-checksum-|x-amz-sdk-checksum-algorithm/i);
    assert.equal(up.headers['if-none-match'], undefined);
    const once = await store.presignPut!('inputs/presigned/once.mat', { expiresInSeconds: 300, createOnly: true });
    assert.equal(once.headers['if-none-match'], '*', 'createOnly: a conditional write');
    assert.match(once.url, /X-Amz-SignedHeaders=[^&]*if-none-match/, 'the condition is signed');
    assert.equal(up.headers['x-amz-server-side-encryption'], 'aws:kms', 'the client must send the signed encryption headers');
    const bytes = randomBytes(4096);
    const res = await fetch(up.url, { method: 'PUT', headers: up.headers, body: bytes });
    assert.equal(res.status, 200, await res.text());
    assert.deepEqual(await store.head('inputs/presigned/clip.mat'), { key: 'inputs/presigned/clip.mat', size: 4096 });
    const down = await store.presignGet!('inputs/presigned/clip.mat', { expiresInSeconds: 60, downloadName: 'clip.mat' });
    assert.match(down.url, /X-Amz-Expires=60/);
    const got = await fetch(down.url);
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
    await assert.rejects(store.presignGet!('inputs/x', { expiresInSeconds: 0 }), { code: 'BAD_REQUEST' });
    await assert.rejects(store.presignGet!('inputs/x', { expiresInSeconds: 8 * 24 * 3600 }), { code: 'BAD_REQUEST' });
    await assert.rejects(store.presignPut!('../x', { expiresInSeconds: 10 }), { code: 'INVALID_KEY' });
  });

  test('keys live below the prefix; list strips it; localPath is null', async () => {
    await store.put('outputs/one.csv', Readable.from(['1']));
    assert.ok((await rawKeys(bucket)).includes('p/outputs/one.csv'));
    const keys: string[] = [];
    for await (const k of store.list('outputs/')) keys.push(k);
    assert.ok(keys.includes('outputs/one.csv'), keys.join());
    assert.equal(await store.localPath!('outputs/one.csv'), null);
    assert.equal(await text(await store.get('outputs/one.csv')), '1');
  });

  test('driver failures become STORE_FAILED naming the key; a bad bucket name is CONFIG_INVALID', async () => {
    const missing = createS3ObjectStore({ bucket: 'no-such-bucket-here', prefix: '', endpoint: emulator.endpoint, region: emulator.region });
    await assert.rejects(missing.put('inputs/k.bin', Readable.from(['x'])), (err: unknown) => isEchoError(err, 'STORE_FAILED') && (err as Error).message.includes('inputs/k.bin'));
    await missing.close();
    assert.throws(() => createS3ObjectStore({ bucket: 'Bad_Bucket', prefix: '' }), { code: 'CONFIG_INVALID' });
  });
});
