/**
 * Regressions found by the HTTP fuzz test (http-fuzz.test.ts), one assertion each, over real HTTP: each
 * malformed request answers a coded 400 JSON error (never a 500, an uncoded framework answer or a hang),
 * and the same keep-alive connection still serves the next request.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { codeOf } from '../helpers/openapi-routes.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let agent: http.Agent;

before(async () => {
  server = await startServer();
  agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
});

after(async () => {
  agent?.destroy();
  await server?.cleanup();
});

/** One request over the single kept-alive connection; rejects after 5 s (a hang). */
function request(method: string, path: string, headers: Record<string, string | number> = {}, body?: string | Buffer): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: hostname, port, method, path, agent, headers: { authorization: `Bearer ${server.token}`, ...headers } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.setTimeout(5000, () => req.destroy(new Error(`no answer to ${method} ${path.slice(0, 80)} in 5 s`)));
    req.on('error', reject);
    req.end(body);
  });
}

async function assertCoded400(answer: { status: number; text: string }, mentions: RegExp): Promise<void> {
  assert.equal(answer.status, 400, answer.text);
  assert.equal(codeOf(answer.text), 'ECHO_ERR_BAD_REQUEST', answer.text);
  assert.match((JSON.parse(answer.text) as { error: { message: string } }).error.message, mentions);
  // The connection is still usable: the next request on it is answered.
  assert.equal((await request('GET', '/v1/clips?limit=1')).status, 200);
}

test('POST /v1/clips with multipart/form-data but no boundary: 400 naming the boundary (was a 500), and the body is drained (the next request on the connection was stuck)', async () => {
  const body = Buffer.alloc(400_000, '[');
  await assertCoded400(await request('POST', '/v1/clips', { 'content-type': 'multipart/form-data', 'content-length': body.length }, body), /boundary/);
  await assertCoded400(await request('POST', '/v1/clips', { 'content-type': 'multipart/form-data; boundary=', 'content-length': body.length }, body), /boundary/);
});

test('PUT /v1/uploads/:id with a JSON or text body instead of raw bytes: 400 naming application/octet-stream (was a 500)', async () => {
  const session = await server.fetch('/v1/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'a.mat', size: 100 }) });
  assert.equal(session.status, 201);
  const { id } = (await session.json()) as { id: string };
  for (const contentType of ['application/json', 'text/plain']) {
    await assertCoded400(await request('PUT', `/v1/uploads/${id}`, { 'content-type': contentType, 'upload-offset': '0' }, '[1,2,3]'), /application\/octet-stream/);
  }
});

test('a path segment that is not valid percent-encoding: coded 400 (was Fastify’s uncoded FST_ERR_BAD_URL)', async () => {
  await assertCoded400(await request('GET', '/v1/clips/%ZZ'), /percent-encoding/);
  await assertCoded400(await request('POST', '/v1/uploads/%C0%AE/complete'), /percent-encoding/);
});

test('a path parameter over 100 characters: coded 400 (was an uncoded 414 FST_ERR_MAX_PARAM_LENGTH)', async () => {
  await assertCoded400(await request('DELETE', `/v1/uploads/upload_${'a'.repeat(200)}`), /longer than 100 characters/);
  await assertCoded400(await request('POST', `/v1/clips/clip_${'a'.repeat(200)}/retry`), /longer than 100 characters/);
  // GET: when the web app is built, its static files' wildcard route is tried next and answers a coded 404.
  const get = await request('GET', `/v1/clips/clip_${'a'.repeat(200)}`);
  assert.ok([400, 404].includes(get.status), get.text);
  assert.ok(['ECHO_ERR_BAD_REQUEST', 'ECHO_ERR_NOT_FOUND'].includes(String(codeOf(get.text))), get.text);
});

test('a URL over the HTTP header size limit: coded 400 JSON (was an uncoded 431 from the HTTP parser)', async () => {
  // Node's parser refuses it and closes the connection; a fresh one is used for the next request.
  const answer = await request('GET', `/v1/clips/clip_${'a'.repeat(20_000)}`);
  assert.equal(answer.status, 400, answer.text);
  assert.equal(codeOf(answer.text), 'ECHO_ERR_BAD_REQUEST', answer.text);
  assert.match(answer.text, /header size limit/);
  assert.equal((await server.fetch('/healthz')).status, 200);
});

test('a body in a content type no route accepts: the coded 400 names the type sent and the accepted ones (was "Unsupported Media Type")', async () => {
  await assertCoded400(await request('POST', '/v1/tokens', { 'content-type': 'application/xml' }, '<token/>'), /"application\/xml" is not accepted by POST \/v1\/tokens; accepted: application\/json/);
});

test('URL over the header limit with a 3 MB body, repeatedly: the client always reads the coded 400 (the parser reported twice and the second report reset the connection: EPIPE/ECONNRESET)', async () => {
  const failures: string[] = [];
  for (let i = 0; i < 20; i++) {
    try {
      const res = await server.fetch(`/v1/uploads/upload_${'a'.repeat(11_997)}/complete?limit=${'x'.repeat(5000)}`, { method: 'POST', body: new Uint8Array(3_000_000) });
      const text = await res.text();
      if (res.status !== 400 || codeOf(text) !== 'ECHO_ERR_BAD_REQUEST') failures.push(`${res.status} ${text.slice(0, 100)}`);
    } catch (err) {
      failures.push(`${(err as Error).message} (${(err as Error & { cause?: { code?: string } }).cause?.code})`);
    }
  }
  assert.deepEqual(failures, []);
});

test('GET /v1/clips?limit=Infinity (or 1e309, -Infinity): coded 400 naming limit (was a 500 ECHO_ERR_CATALOG_FAILED "datatype mismatch")', async () => {
  for (const limit of ['Infinity', '1e309', '-Infinity']) await assertCoded400(await request('GET', `/v1/clips?limit=${limit}`), /limit .*1 to 500/);
});
