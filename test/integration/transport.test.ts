import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startServer, type TestServer } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp.ts';

let server: TestServer;
let ca: Buffer;
let cleanupCerts: () => Promise<void>;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** HTTPS with the test's self-signed certificate as the only trusted CA. */
function https(path: string, init: { method?: string; headers?: Record<string, string>; body?: Buffer; ca?: Buffer | null } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, server.url), { method: init.method ?? 'GET', headers: init.headers ?? {}, ...(init.ca === null ? {} : { ca: init.ca ?? ca }) }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

before(async () => {
  const certs = await tempDir();
  cleanupCerts = certs.cleanup;
  const cert = join(certs.dir, 'cert.pem');
  const key = join(certs.dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  ca = readFileSync(cert);
  server = await startServer({
    env: {
      ECHO_CLOUD_TLS_CERT: cert,
      ECHO_CLOUD_TLS_KEY: key,
      ECHO_CLOUD_WORKERS: '0',
      ECHO_CLOUD_AUTH_FAILURE_LIMIT: '3',
      ECHO_CLOUD_UPLOAD_RATE_LIMIT: '2',
      ECHO_CLOUD_RATE_LIMIT_WINDOW_SECONDS: '120',
      ECHO_CLOUD_CORS_ORIGINS: 'https://app.example.org',
    },
  });
});

after(async () => {
  await server?.cleanup();
  await cleanupCerts?.();
});

test('with a certificate configured the server speaks HTTPS only, with HSTS and helmet headers on every response', async () => {
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  for (const [path, headers, status] of [
    ['/healthz', {}, 200],
    ['/v1/clips', bearer(server.token), 200],
    ['/v1/clips', {}, 401],
    ['/no/such/route', {}, 404],
  ] as const) {
    const res = await https(path, { headers });
    assert.equal(res.status, status, path);
    assert.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains', path);
    assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
    assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN', path);
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/, path);
    assert.doesNotMatch(String(res.headers['content-security-policy']), /upgrade-insecure-requests/, path);
    assert.equal(res.headers['x-powered-by'], undefined);
  }
  await assert.rejects(https('/healthz', { ca: null }), /self-signed|self signed/, 'the certificate is really checked');
  await assert.rejects(fetch(server.url.replace('https:', 'http:') + '/healthz'), 'plain HTTP is not answered');
});

test('CORS is closed except for the configured origins', async () => {
  const evil = await https('/v1/clips', { headers: { ...bearer(server.token), origin: 'https://evil.example.org' } });
  assert.equal(evil.headers['access-control-allow-origin'], undefined);
  const app = await https('/v1/clips', { headers: { ...bearer(server.token), origin: 'https://app.example.org' } });
  assert.equal(app.headers['access-control-allow-origin'], 'https://app.example.org');
  const preflight = await https('/v1/clips', { method: 'OPTIONS', headers: { origin: 'https://app.example.org', 'access-control-request-method': 'POST' } });
  assert.equal(preflight.status, 204);
  assert.match(String(preflight.headers['access-control-allow-headers']), /authorization/);
  const evilPreflight = await https('/v1/clips', { method: 'OPTIONS', headers: { origin: 'https://evil.example.org', 'access-control-request-method': 'POST' } });
  assert.equal(evilPreflight.headers['access-control-allow-origin'], undefined);
});

test('uploads over the per-address limit get 429 ECHO_ERR_RATE_LIMITED with Retry-After', async () => {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(64)]), 'x.mat');
  const req = new Request('http://x/', { method: 'POST', body: form });
  const body = Buffer.from(await req.arrayBuffer());
  const upload = () => https('/v1/clips', { method: 'POST', headers: { ...bearer(server.token), 'content-type': req.headers.get('content-type')! }, body });
  for (let i = 0; i < 2; i++) assert.equal((await upload()).status, 415, 'not a cine, but counted');
  const limited = await upload();
  assert.equal(limited.status, 429);
  assert.equal(JSON.parse(limited.body).error.code, 'ECHO_ERR_RATE_LIMITED');
  assert.ok(Number(limited.headers['retry-after']) >= 1);
  assert.equal((await https('/v1/clips', { headers: bearer(server.token) })).status, 200, 'reads are not limited by uploads');
});

test('after too many failed authentications an address gets 429 with Retry-After, even with a valid token', async () => {
  for (let i = 0; i < 5; i++) assert.equal((await https('/v1/clips')).status, 401, 'requests without a token are not counted');
  for (let i = 0; i < 3; i++) assert.equal((await https('/v1/clips', { headers: bearer('ec_guessguessguessguessguess') })).status, 401);
  const limited = await https('/v1/clips', { headers: bearer('ec_guessguessguessguessguess') });
  assert.equal(limited.status, 429);
  assert.equal(JSON.parse(limited.body).error.code, 'ECHO_ERR_RATE_LIMITED');
  assert.ok(Number(limited.headers['retry-after']) > 60);
  assert.equal((await https('/v1/clips', { headers: bearer(server.token) })).status, 429);
  assert.equal((await https('/healthz')).status, 200, 'health stays open');
});
