/**
 * Resumable uploads against a real server: chunks in order, a chunk at the wrong offset refused, a
 * connection cut mid-chunk and resumed from the offset the server reports, then the file ingested like
 * any upload (same bytes, same result path).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { after, before, test } from 'node:test';
import { writePatientMat } from '../../src/formats/mat-v5/write-mat.ts';
import { generatePhantom } from '../../src/phantom/index.ts';
import { startServer, type TestServer, waitForClip } from '../helpers/server.ts';

let server: TestServer;
let file: Buffer;
const MiB = 1024 * 1024;

before(async () => {
  server = await startServer();
  const p = generatePhantom({ view: 'PLAX', quality: 0.8, seed: 11, frames: 24, height: 600, width: 800 });
  file = writePatientMat(p.frames, p.height, p.width);
});
after(() => server?.cleanup());

async function create(name: string, size: number): Promise<{ id: string; offset: number; chunk_size: number }> {
  const res = await server.fetch('/v1/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, size }) });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as { id: string; offset: number; chunk_size: number };
}

async function put(id: string, offset: number, bytes: Uint8Array): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const res = await server.fetch(`/v1/uploads/${id}`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', 'upload-offset': String(offset) }, body: bytes });
    // The server may still be closing the chunk whose connection was cut: it says so, and a retry follows.
    if (res.status === 409 && attempt < 20 && /receiving another chunk/.test(await res.clone().text())) {
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    return res;
  }
}

/** Sends `declared` bytes' worth of headers but only `sent` bytes, then cuts the connection. */
function cutChunk(id: string, offset: number, bytes: Uint8Array, sent: number): Promise<void> {
  return new Promise((resolve) => {
    const url = new URL(`/v1/uploads/${id}`, server.url);
    const req = httpRequest(url, {
      method: 'PUT',
      headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/octet-stream', 'upload-offset': String(offset), 'content-length': String(bytes.length) },
    });
    req.on('error', () => resolve());
    req.write(bytes.subarray(0, sent), () => setTimeout(() => req.destroy(), 200));
    req.on('close', () => resolve());
  });
}

test('a large file sent in chunks, cut off mid-chunk and resumed, is ingested with exactly its bytes', async () => {
  assert.ok(file.length > 3 * MiB, `the test file is ${file.length} bytes`);
  const session = await create('resumed.mat', file.length);
  assert.equal(session.offset, 0);

  let offset = 0;
  let res = await put(session.id, 0, file.subarray(0, MiB));
  assert.equal(res.status, 200);
  offset = ((await res.json()) as { offset: number }).offset;
  assert.equal(offset, MiB);

  // A chunk at the wrong offset is refused and changes nothing.
  res = await put(session.id, 0, file.subarray(0, MiB));
  assert.equal(res.status, 409);
  assert.match(((await res.json()) as { error: { message: string } }).error.message, new RegExp(`must start at offset ${offset}`));

  // The connection breaks midway through a chunk: the server keeps what arrived and says where to resume.
  await cutChunk(session.id, offset, file.subarray(offset, offset + MiB), 0.4 * MiB);
  const status = (await (await server.fetch(`/v1/uploads/${session.id}`)).json()) as { offset: number; size: number };
  assert.equal(status.size, file.length);
  assert.ok(status.offset > offset && status.offset < offset + MiB, `resume point ${status.offset}`);
  offset = status.offset;

  // Completing early is refused with where to continue.
  res = await server.fetch(`/v1/uploads/${session.id}/complete`, { method: 'POST' });
  assert.equal(res.status, 409);

  while (offset < file.length) {
    res = await put(session.id, offset, file.subarray(offset, Math.min(file.length, offset + 512 * 1024)));
    assert.equal(res.status, 200);
    offset = ((await res.json()) as { offset: number }).offset;
  }
  res = await server.fetch(`/v1/uploads/${session.id}/complete`, { method: 'POST' });
  assert.equal(res.status, 202, await res.clone().text());
  const clip = (await res.json()) as { id: string; sha256: string; size: number; name: string };
  assert.equal(clip.sha256, createHash('sha256').update(file).digest('hex'));
  assert.equal(clip.size, file.length);
  const done = await waitForClip(server, clip.id);
  assert.equal(done.status, 'done');
  assert.equal((await server.fetch(`/v1/uploads/${session.id}`)).status, 404, 'the session is gone once complete');
});

test('a chunk past the declared size is refused whole; a file that is not a cine is refused on complete', async () => {
  const text = Buffer.from('this is not a cine, just some text bytes');
  const session = await create('notes.mat', text.length);
  let res = await put(session.id, 0, Buffer.concat([text, Buffer.from('extra')]));
  assert.equal(res.status, 413);
  assert.equal(((await (await server.fetch(`/v1/uploads/${session.id}`)).json()) as { offset: number }).offset, 0);
  res = await put(session.id, 0, text);
  assert.equal(res.status, 200);
  res = await server.fetch(`/v1/uploads/${session.id}/complete`, { method: 'POST' });
  assert.equal(res.status, 415);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ECHO_ERR_UNSUPPORTED_FORMAT');
  assert.equal((await server.fetch(`/v1/uploads/${session.id}`)).status, 404);
});

test('sessions refuse bad names, empty and oversized files, and unknown ids', async () => {
  const bad = await server.fetch('/v1/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: '../x.mat', size: 10 }) });
  assert.equal(bad.status, 400);
  const empty = await server.fetch('/v1/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x.mat', size: 0 }) });
  assert.equal(empty.status, 400);
  const huge = await server.fetch('/v1/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x.mat', size: 2 ** 50 }) });
  assert.equal(huge.status, 413);
  assert.equal((await server.fetch('/v1/uploads/upload_0000000000000000')).status, 404);
  assert.equal((await fetch(new URL('/v1/uploads/upload_0000000000000000', server.url))).status, 401);
});
