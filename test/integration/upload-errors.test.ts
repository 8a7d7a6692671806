import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { readFileSync } from 'node:fs';
import { PHANTOM_MATS, startServer, type TestServer, uploadBytes } from '../helpers/server.ts';

const LIMIT = 300_000;

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('bad uploads get a 4xx with a coded error and leave nothing behind', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ env: { ECHO_CLOUD_MAX_UPLOAD_BYTES: String(LIMIT), ECHO_CLOUD_WORKERS: '0' } });
  });
  after(async () => {
    await server.cleanup();
  });

  const cases: [string, () => Promise<Response>, number, string][] = [
    ['empty file', () => uploadBytes(server, 'empty.mat', new Uint8Array(0)), 400, 'ECHO_ERR_UPLOAD_EMPTY'],
    ['over the size limit', () => uploadBytes(server, 'big.mat', Buffer.concat([readFileSync(join(PHANTOM_MATS, 'plax_resized.mat'))])), 413, 'ECHO_ERR_UPLOAD_TOO_LARGE'],
    ['unknown type (PNG named .mat)', () => uploadBytes(server, 'x.mat', Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(2000, 3)])), 415, 'ECHO_ERR_UNSUPPORTED_FORMAT'],
    ['random bytes', () => uploadBytes(server, 'noise.bin', Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256))), 415, 'ECHO_ERR_UNSUPPORTED_FORMAT'],
    ['large unsupported file (refused after 512 bytes, body drained)', () => uploadBytes(server, 'big.bin', Buffer.alloc(250_000, 0xab)), 415, 'ECHO_ERR_UNSUPPORTED_FORMAT'],
    ['large file over the limit', () => uploadBytes(server, 'huge.mat', Buffer.concat([readFileSync(join(PHANTOM_MATS, 'ap4_patient.mat')), Buffer.alloc(3_000_000, 1)])), 413, 'ECHO_ERR_UPLOAD_TOO_LARGE'],
    ['path traversal name', () => uploadBytes(server, '../../etc/passwd', readFileSync(join(PHANTOM_MATS, 'ap4_patient.mat'))), 400, 'ECHO_ERR_INVALID_NAME'],
    ['name with a directory', () => uploadBytes(server, 'a/b.mat', readFileSync(join(PHANTOM_MATS, 'ap4_patient.mat'))), 400, 'ECHO_ERR_INVALID_NAME'],
    ['hidden name', () => uploadBytes(server, '.env', readFileSync(join(PHANTOM_MATS, 'ap4_patient.mat'))), 400, 'ECHO_ERR_INVALID_NAME'],
    [
      'no file field',
      () => {
        const form = new FormData();
        form.append('other', new Blob([Buffer.from('x')]), 'x.mat');
        return server.fetch('/v1/clips', { method: 'POST', body: form });
      },
      400,
      'ECHO_ERR_UPLOAD_MISSING_FILE',
    ],
    ['not multipart', () => server.fetch('/v1/clips', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 400, 'ECHO_ERR_BAD_REQUEST'],
    ['no token', () => fetch(new URL('/v1/clips', server.url), { method: 'POST' }), 401, 'ECHO_ERR_UNAUTHORIZED'],
    ['forged token', () => fetch(new URL('/v1/clips', server.url), { headers: { authorization: 'Bearer forged-token-0123456789abcdef' } }), 401, 'ECHO_ERR_UNAUTHORIZED'],
  ];

  for (const [name, send, status, code] of cases) {
    test(name, async () => {
      const res = await send();
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(res.status, status, JSON.stringify(body));
      assert.equal(body.error.code, code);
      assert.ok(body.error.message.length > 10 && !body.error.message.includes('    at '), body.error.message);
    });
  }

  test('nothing was stored or catalogued', async () => {
    assert.deepEqual(await filesUnder(join(server.dataDir, 'objects')), []);
    const res = await server.fetch('/v1/clips');
    assert.deepEqual(((await res.json()) as { clips: unknown[] }).clips, []);
  });

  test('unknown routes and clips answer a coded 404', async () => {
    const a = await server.fetch('/v1/nope');
    assert.equal(a.status, 404);
    assert.equal(((await a.json()) as { error: { code: string } }).error.code, 'ECHO_ERR_NOT_FOUND');
    const b = await server.fetch('/v1/clips/clip_0000000000000000');
    assert.equal(b.status, 404);
    const c = await server.fetch('/v1/clips/..%2F..%2Fetc');
    assert.equal(c.status, 400);
  });
});
