/**
 * Issue 7, browser bytes past the API server: on S3 + SQS (fauxqs) + PostgreSQL, a token of a non-default
 * project asks for a presigned PUT, the bytes go straight to the store with a plain fetch (as a browser
 * sends them), the S3 event notification (delivered twice, as SQS may) makes the clip, which reaches done
 * once, in that project and study only. S3's own check of presigned URLs (signature, expiry) is played by
 * test/helpers/sigv4-gate.ts in front of fauxqs, which does not check them. The input comes back through a
 * presigned GET. On the embedded store the presign route answers ECHO_ERR_NOT_SUPPORTED and the input is
 * streamed (decrypted) through the API.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { HeadObjectCommand } from '@aws-sdk/client-s3';
import { createPostgresCatalog } from '../../src/adapters/catalog/postgres/create-postgres-catalog.ts';
import type { Catalog, Role } from '../../src/ports/catalog.ts';
import { createProject } from '../../src/security/project-service.ts';
import { generateToken, hashToken } from '../../src/security/tokens.ts';
import { randomId } from '../../src/util/ids.ts';
import { startCloud, startHost } from '../helpers/cloud.ts';
import { waitFor } from '../helpers/embedded.ts';
import { PHANTOM_MATS, startServer, uploadBytes, waitForClip } from '../helpers/server.ts';
import { startSigV4Gate } from '../helpers/sigv4-gate.ts';

interface Presigned {
  clip_id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  key: string;
  expires_at: string;
  study_id: string | null;
}

async function token(catalog: Catalog, projectId: string, role: Role): Promise<string> {
  const secret = generateToken();
  await catalog.createToken({ id: randomId('tok'), hash: hashToken(secret), projectId, role, label: `${projectId}-${role}`, createdAt: Date.now(), expiresAt: null });
  return secret;
}

test('presigned upload on S3: a non-default project’s token, bytes straight to S3, one clip done in that project only; forged and expired URLs refused; input back by presigned GET', async (t) => {
  const cloud = await startCloud({ maxReceives: 4 });
  const gate = await startSigV4Gate(cloud.emulator.endpoint, cloud.emulator.env.AWS_SECRET_ACCESS_KEY!);
  const catalog = createPostgresCatalog(cloud.databaseUrl);
  let host: Awaited<ReturnType<typeof startHost>> | null = null;
  try {
    // Every S3 call of the server goes through the gate, so the URLs it signs point at the gate too.
    host = await startHost(cloud, 'all', { ECHO_CLOUD_AWS_ENDPOINT: gate.endpoint, ECHO_CLOUD_WORKERS: '1' });
    const api = host.url!;
    await createProject(catalog, 'lab-b', 'Lab B');
    await createProject(catalog, 'lab-c', 'Lab C');
    const labB = await token(catalog, 'lab-b', 'uploader');
    const labBViewer = await token(catalog, 'lab-b', 'viewer');
    const labC = await token(catalog, 'lab-c', 'admin');
    const call = (path: string, bearer: string, init: RequestInit = {}) =>
      fetch(new URL(path, api), { redirect: 'manual', ...init, headers: { authorization: `Bearer ${bearer}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...(init.headers ?? {}) } });

    const bytes = await readFile(join(PHANTOM_MATS, 'ap4_patient.mat'));
    const asked = await call('/v1/clips/presign', labB, { method: 'POST', body: JSON.stringify({ name: 'a4c view.mat', size: bytes.length, study: 'ward 9' }) });
    const askedText = await asked.text();
    assert.equal(asked.status, 201, askedText);
    const up = JSON.parse(askedText) as Presigned;
    assert.equal(up.method, 'PUT');
    assert.match(up.clip_id, /^clip_[0-9a-z]+$/);
    assert.equal(up.key, `inputs/presigned/lab-b/${up.study_id}/${up.clip_id}/a4c view.mat`);
    assert.ok(up.url.startsWith(`${gate.endpoint}/`), up.url);
    assert.ok(Date.parse(up.expires_at) > Date.now() + 60_000);
    assert.equal((await call(`/v1/clips/${up.clip_id}`, labB)).status, 404, 'no clip before the bytes arrive');

    // S3 refuses a tampered signature, another key under the same signature, and the URL after its expiry.
    const put = (url: string) => fetch(url, { method: 'PUT', headers: up.headers, body: bytes });
    const forged = up.url.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    assert.equal((await put(forged)).status, 403);
    const elsewhere = up.url.replace(`/lab-b/`, '/lab-c/');
    assert.equal((await put(elsewhere)).status, 403);
    gate.shiftClock(Date.parse(up.expires_at) - Date.now() + 1000);
    const late = await put(up.url);
    assert.equal(late.status, 403);
    assert.match(await late.text(), /Request has expired/);
    gate.shiftClock(0);
    assert.deepEqual(
      gate.refused.map((r) => r.code),
      ['SignatureDoesNotMatch', 'SignatureDoesNotMatch', 'AccessDenied'],
    );
    gate.refused.length = 0;
    await assert.rejects(cloud.s3.send(new HeadObjectCommand({ Bucket: cloud.bucket, Key: `${cloud.prefix}/${up.key.replace('/lab-b/', '/lab-c/')}` })), 'nothing stored for a refused PUT');

    // The browser's PUT: a plain fetch, no API token, the headers the API named.
    const sent = await put(up.url);
    assert.equal(sent.status, 200, await sent.text());
    const head = await cloud.s3.send(new HeadObjectCommand({ Bucket: cloud.bucket, Key: `${cloud.prefix}/${up.key}` }));
    assert.equal(head.ContentLength, bytes.length);
    // The key is written once: the URL carries a signed If-None-Match: *, so a second PUT (other bytes) is
    // refused, and leaving the header out breaks the signature.
    assert.equal(up.headers['if-none-match'], '*');
    assert.match(up.url, /X-Amz-SignedHeaders=[^&]*if-none-match/);
    const again = await fetch(up.url, { method: 'PUT', headers: up.headers, body: Buffer.alloc(bytes.length, 7) });
    assert.equal(again.status, 412);
    const { 'if-none-match': _, ...unconditional } = up.headers;
    assert.equal((await fetch(up.url, { method: 'PUT', headers: unconditional, body: Buffer.alloc(bytes.length, 7) })).status, 403);

    // S3 notifies the queue (twice: SQS delivers at least once).
    await cloud.notify(up.key, bytes.length);
    await cloud.notify(up.key, bytes.length);
    const clip = await waitFor(
      `clip ${up.clip_id} done`,
      async () => {
        const res = await call(`/v1/clips/${up.clip_id}`, labBViewer);
        if (res.status !== 200) return null;
        const c = (await res.json()) as { status: string; study_id: string | null; name: string; sha256: string; input_key: string };
        return c.status === 'done' || c.status === 'failed' ? c : null;
      },
      90_000,
    );
    assert.equal(clip.status, 'done', JSON.stringify(clip));
    assert.equal(clip.name, 'a4c view.mat');
    assert.equal(clip.study_id, up.study_id);
    assert.equal(clip.input_key, up.key);
    assert.equal((await catalog.getStudy('lab-b', up.study_id!))?.name, 'ward 9');
    await host.waitForLog((r) => r.msg === 'object event skipped' && String(r.reason).includes(up.clip_id), 30_000);
    assert.equal((await catalog.listJobs(up.clip_id)).length, 1, 'one job for two deliveries of the event');
    assert.equal((await catalog.getClip(up.clip_id))?.projectId, 'lab-b');
    assert.equal((await catalog.listClips({ projectId: 'default', limit: 100 })).length, 0, 'nothing in the default project');

    // Invisible to another project (and to the default project's admin).
    assert.equal((await call(`/v1/clips/${up.clip_id}`, labC)).status, 404);
    assert.equal((await call(`/v1/clips/${up.clip_id}/input`, labC)).status, 404);
    assert.equal((await call(`/v1/clips/${up.clip_id}`, 'test_admin_token_for_the_scale_out_tests_0123456789')).status, 404);
    const listC = (await (await call('/v1/clips', labC)).json()) as { clips: unknown[] };
    assert.deepEqual(listC.clips, []);

    // The input: a redirect to a presigned GET of the same bytes, followed as a browser would.
    const redirect = await call(`/v1/clips/${up.clip_id}/input`, labBViewer);
    assert.equal(redirect.status, 302);
    const location = redirect.headers.get('location') ?? '';
    assert.ok(location.startsWith(`${gate.endpoint}/`) && location.includes('X-Amz-Signature='), location);
    assert.deepEqual(
      gate.refused.map((r) => r.code),
      ['PreconditionFailed', 'SignatureDoesNotMatch'],
    );
    const got = await fetch(location);
    assert.equal(got.status, 200);
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), bytes);
    const followed = await fetch(new URL(`/v1/clips/${up.clip_id}/input`, api), { headers: { authorization: `Bearer ${labBViewer}` } });
    assert.equal(followed.status, 200);
    assert.deepEqual(Buffer.from(await followed.arrayBuffer()), bytes);
    const link = (await (await call(`/v1/clips/${up.clip_id}/input?link=true`, labBViewer)).json()) as { url: string; expires_at: string };
    assert.deepEqual(Buffer.from(await (await fetch(link.url)).arrayBuffer()), bytes);
    assert.equal((await fetch(link.url.replace(/X-Amz-Signature=([0-9a-f])/, (_, c: string) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`))).status, 403);

    // What the presign route refuses before signing anything.
    const refuse = async (bearer: string, body: unknown, status: number, code: string) => {
      const res = await call('/v1/clips/presign', bearer, { method: 'POST', body: JSON.stringify(body) });
      const text = await res.text();
      assert.equal(res.status, status, text);
      assert.equal((JSON.parse(text) as { error: { code: string } }).error.code, code, text);
    };
    await refuse(labBViewer, { name: 'a.mat', size: 10 }, 403, 'ECHO_ERR_FORBIDDEN');
    await refuse(labB, { name: '../a.mat', size: 10 }, 400, 'ECHO_ERR_INVALID_NAME');
    await refuse(labB, { name: 'a.mat', size: 0 }, 400, 'ECHO_ERR_UPLOAD_EMPTY');
    await refuse(labB, { name: 'a.mat', size: 10 * 1024 ** 4 }, 413, 'ECHO_ERR_UPLOAD_TOO_LARGE');
    await refuse(labB, { name: 'study.zip', size: 10 }, 415, 'ECHO_ERR_UNSUPPORTED_FORMAT');
    t.diagnostic(`presigned clip ${up.clip_id} done in project lab-b; ${gate.refused.length} presigned requests refused by the gate`);
  } finally {
    await host?.stop();
    await catalog.close();
    await gate.close();
    await cloud.close();
  }
});

test('embedded store: presign answers 409 ECHO_ERR_NOT_SUPPORTED naming the API upload routes; the input is streamed through the API, decrypted', async () => {
  const server = await startServer();
  try {
    const res = await server.fetch('/v1/clips/presign', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a.mat', size: 10 }) });
    const body = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(res.status, 409);
    assert.equal(body.error.code, 'ECHO_ERR_NOT_SUPPORTED');
    assert.match(body.error.message, /POST \/v1\/clips/);
    assert.match(body.error.message, /\/v1\/uploads/);

    const bytes = await readFile(join(PHANTOM_MATS, 'plax_resized.mat'));
    const up = await uploadBytes(server, 'plax résumé.mat', bytes);
    assert.equal(up.status, 202);
    const id = ((await up.json()) as { id: string }).id;
    assert.equal((await waitForClip(server, id)).status, 'done');
    const input = await server.fetch(`/v1/clips/${id}/input`, { redirect: 'manual' });
    assert.equal(input.status, 200);
    assert.match(input.headers.get('content-disposition') ?? '', /^attachment; filename="plax_r_sum_.mat"; filename\*=UTF-8''plax%20r%C3%A9sum%C3%A9\.mat$/);
    assert.deepEqual(Buffer.from(await input.arrayBuffer()), bytes, 'the plaintext, though the store keeps it encrypted');
    const stored = (await readdir(server.dataDir, { recursive: true })).find((p) => p.includes(id) && p.endsWith('.mat'));
    assert.ok(stored, 'the input is a file in the data dir');
    assert.notDeepEqual(await readFile(join(server.dataDir, stored)), bytes, 'stored encrypted');
    const link = await server.fetch(`/v1/clips/${id}/input?link=true`);
    assert.equal(link.status, 409);
    assert.equal(((await link.json()) as { error: { code: string } }).error.code, 'ECHO_ERR_NOT_SUPPORTED');
  } finally {
    await server.cleanup();
  }
});
