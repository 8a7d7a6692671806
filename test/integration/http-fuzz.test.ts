/**
 * HTTP robustness: every /v1 route listed in the server's own /openapi.json gets many malformed requests
 * with a VALID admin token (so they get past authentication): odd path parameters (unicode, `..`, very
 * long, percent-encoded junk), bad query strings, wrong content types, malformed, huge and deeply nested
 * JSON, wrong header values (Upload-Offset negative, non-numeric, huge), empty bodies, truncated multipart.
 * Each answer must come within a bounded time, never be a 5xx, and — when it is an error — be JSON with a
 * catalogue `error.code` (ECHO_ERR_*) and a message. The server still answers /healthz afterwards.
 * fast-check runs with a fixed seed, so a failure replays exactly.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import { ERRORS } from '../../src/errors/catalogue.ts';
import { runCli } from '../helpers/cli.ts';
import { type Answer, discoverRoutes, type Route, send } from '../helpers/openapi-routes.ts';
import { PHANTOM_MATS, startServer, type TestServer, uploadBytes } from '../helpers/server.ts';

const SEED = 20261126;
const RUNS_PER_ROUTE = 120;
/** Longest an answer (its status line) may take. */
const ANSWER_MS = 5000;
const CODES = new Set(Object.keys(ERRORS).map((k) => `ECHO_ERR_${k}`));

let server: TestServer;
let routes: Route[];
const valid: Record<string, string> = {};

before(async () => {
  server = await startServer({ env: { ECHO_CLOUD_AUTH_FAILURE_LIMIT: '1000000', ECHO_CLOUD_UPLOAD_RATE_LIMIT: '1000000' } });
  const up = await uploadBytes(server, 'ap4_patient.mat', readFileSync(join(PHANTOM_MATS, 'ap4_patient.mat')));
  assert.equal(up.status, 202);
  valid.clip = ((await up.json()) as { id: string }).id;
  const tok = await runCli(['token', 'create', '--project', 'default', '--role', 'viewer', '--label', 'fuzz-victim', '--json'], { ECHO_CLOUD_DATA_DIR: server.dataDir });
  assert.equal(tok.code, 0, tok.stderr);
  valid.token = (JSON.parse(tok.stdout) as { id: string }).id;
  const session = await server.fetch('/v1/uploads', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'fuzz.mat', size: 1 << 20 }) });
  assert.equal(session.status, 201, await session.clone().text());
  valid.upload = ((await session.json()) as { id: string }).id;
  routes = await discoverRoutes(server.url);
});

after(async () => {
  await server?.cleanup();
});

/** A valid object id for the route's `{id}`, so part of the requests reach the handler itself. */
function validId(route: Route): string {
  if (route.path.startsWith('/v1/tokens')) return valid.token!;
  if (route.path.startsWith('/v1/uploads')) return valid.upload!;
  return valid.clip!;
}

const oddSegment = fc.oneof(
  fc.constantFrom('..', '.', '%2e%2e', '..%2f..%2fetc%2fpasswd', '%2F', '%00', '%', '%ZZ', '%E0%A4%A', '%FF%FE%FD', '%C0%AE', 'clip_%00abcdefgh', ';', '~', '*', 'null', '-1', '0', '1e309', ' '),
  fc.constantFrom(50, 300, 2000, 12_000, 40_000).map((n) => 'clip_'.padEnd(n, 'a')),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map(encodeURIComponent),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }).map(encodeURIComponent),
  fc.stringMatching(/^[a-z]{1,8}_[a-z0-9]{8,12}$/),
);

const queryValue = fc.oneof(
  fc.constantFrom('', '-1', '0', 'abc', '1e309', 'NaN', 'Infinity', '99999999999999999999', '2026-13-45T99:99:99Z', 'not-a-date', '%ZZ', '%00', 'done', 'a,b,,c', '[]', '{}'),
  fc.string({ maxLength: 30 }).map(encodeURIComponent),
  fc.constantFrom(1200, 5000).map((n) => 'x'.repeat(n)),
);
function queryOf(route: Route) {
  const key = fc.oneof(fc.constantFrom(...route.query, 'limit', 'status', 'before', 'model', 'study', 'tags', '__proto__', 'constructor', 'a[b]', ''), fc.string({ maxLength: 10 }).map(encodeURIComponent));
  return fc.option(
    fc.array(fc.tuple(key, queryValue), { minLength: 1, maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('&')),
    { nil: undefined },
  );
}

const contentType = fc.constantFrom(
  undefined,
  'application/json',
  'application/json; charset=utf-16',
  'text/plain',
  'application/xml',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'multipart/form-data; boundary=X',
  'a/b/c',
  ';;;',
  '',
);

const nested = (n: number, open: string, close: string) => open.repeat(n) + close.repeat(n);
const truncatedMultipart = [
  '--X\r\nContent-Disposition: form-data; name="file"; filename="a.mat"\r\nContent-Type: application/octet-stream\r\n\r\nMATLAB 5.0 MAT-file',
  '--X\r\nContent-Disposition: form-data; name="file"; filename="a.mat"\r\n',
  '--X\r\nContent-Disposition: form-data; name="study"\r\n\r\nx\r\n--X\r\nContent-Disp',
  '--X--\r\n',
  '--Y\r\nContent-Disposition: form-data; name="file"; filename="a.mat"\r\n\r\nabc\r\n--Y--\r\n',
  '--X\r\nContent-Disposition: form-data; name="file"; filename="../../etc/passwd"\r\n\r\nabc\r\n--X--\r\n',
  '--X\r\nContent-Disposition: form-data; name="file"; filename=""\r\n\r\n\r\n--X--\r\n',
];
const body = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('', '{', '}', '[', 'nul', '{"a":}', '{"name":"x","size":', '"\\ud800"', '\u0000', 'null', 'true', '1e999', '[]', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}'),
  fc.constantFrom(...truncatedMultipart),
  fc.json({ maxDepth: 3 }),
  fc.record({ name: fc.oneof(fc.string(), fc.integer(), fc.constant(null)), size: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(-1)), role: fc.string(), label: fc.string() }, { requiredKeys: [] }).map((o) => JSON.stringify(o)),
  fc.constantFrom(1000, 20_000, 200_000).map((n) => nested(n, '[', ']')),
  fc.constantFrom(1000, 20_000).map((n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`),
  fc.constantFrom(1_100_000, 3_000_000).map((n) => `{"name":"${'x'.repeat(n)}","size":1}`),
  fc.uint8Array({ maxLength: 64 }),
);

const uploadOffset = fc.option(
  fc.oneof(fc.constantFrom('-1', 'abc', '1e400', '99999999999999999999999', '', ' 5', '0x10', '1.5', 'NaN', 'Infinity', '9007199254740993', '0, 0', '+3'), fc.integer().map(String)),
  { nil: undefined },
);
const projectHeader = fc.option(fc.constantFrom('', 'default', 'nope', '..', 'x'.repeat(3000), '%00'), { nil: undefined });

function requestOf(route: Route) {
  const segment = fc.oneof({ weight: 1, arbitrary: fc.constant(validId(route)) }, { weight: 3, arbitrary: oddSegment });
  return fc.record({ segment, query: queryOf(route), contentType, body, uploadOffset, project: projectHeader });
}

function check(route: Route, what: string, answer: Answer): void {
  const where = `${route.method} ${route.path} ${what}: ${answer.status} ${answer.text.slice(0, 400)}`;
  assert.ok(answer.status < 500, `${where}\nserver log:\n${server.output().slice(-3000)}`);
  assert.ok(answer.ms < ANSWER_MS, `${where}: answered after ${answer.ms} ms`);
  if (answer.status >= 400) {
    let parsed: { error?: { code?: unknown; message?: unknown } };
    try {
      parsed = JSON.parse(answer.text) as typeof parsed;
    } catch {
      assert.fail(`${where}: the error answer is not JSON (content-type ${answer.contentType})`);
    }
    assert.ok(CODES.has(String(parsed.error?.code)), `${where}: error.code is a catalogue code`);
    assert.ok(typeof parsed.error?.message === 'string' && parsed.error.message.length > 0, `${where}: error.message is set`);
  }
}

test('every /v1 route answers malformed requests with a coded 4xx (or a success), never a 5xx, a hang or a non-JSON error', async () => {
  assert.ok(routes.length >= 15, `${routes.length} routes discovered`);
  let sent = 0;
  const failures: string[] = [];
  for (const [i, route] of routes.entries()) {
    // Every route is fuzzed even when an earlier one fails, so one run lists every finding.
    const details = await fc.check(
      fc.asyncProperty(requestOf(route), async (r) => {
        const path = route.path.replace(/\{[^}]+\}/g, r.segment);
        const url = `${server.url}${path}${r.query === undefined ? '' : `?${r.query}`}`;
        const headers: Record<string, string> = { authorization: `Bearer ${server.token}` };
        if (r.contentType !== undefined) headers['content-type'] = r.contentType;
        if (r.uploadOffset !== undefined) headers['upload-offset'] = r.uploadOffset;
        if (r.project !== undefined) headers['x-echo-project'] = r.project;
        const withBody = r.body !== undefined && route.method !== 'GET' && route.method !== 'HEAD';
        const what = `(path ${r.segment.slice(0, 80)}, query ${r.query?.slice(0, 120)}, content-type ${r.contentType}, upload-offset ${r.uploadOffset}, x-echo-project ${r.project?.slice(0, 20)}, body ${withBody ? String(typeof r.body === 'string' ? r.body.slice(0, 120) : `${r.body!.length} bytes`) : 'none'})`;
        sent++;
        check(route, what, await send(url, { method: route.method, headers, ...(withBody ? { body: r.body! } : {}) }, { readMs: 2000, streamReadMs: 20, timeoutMs: ANSWER_MS }));
      }),
      { seed: SEED + i, numRuns: RUNS_PER_ROUTE, includeErrorInReport: true },
    );
    if (details.failed) failures.push(`${route.method} ${route.path}:\n${fc.defaultReportMessage(details)}`);
  }
  assert.deepEqual(failures, [], failures.join('\n\n'));
  assert.ok(sent >= routes.length * RUNS_PER_ROUTE, `${sent} requests sent`);
});

test('the server still answers /healthz after the fuzzing', async () => {
  const res = await fetch(new URL('/healthz', server.url));
  assert.equal(res.status, 200, await res.text());
});
