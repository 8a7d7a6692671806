/**
 * The route sweep of issue 5: every /v1 route listed in the server's own /openapi.json refuses a missing,
 * forged, expired and revoked token (401), answers 404 to a valid token of another project when it names
 * an object, shows no other project's data in lists, and refuses a token below its declared role (403).
 * Routes are discovered from the document, so a route added later is swept without editing this file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createSqliteCatalog } from '../../src/adapters/catalog/sqlite/create-sqlite-catalog.ts';
import type { Role } from '../../src/ports/catalog.ts';
import { generateToken, hashToken } from '../../src/security/tokens.ts';
import { randomId } from '../../src/util/ids.ts';
import { runCli } from '../helpers/cli.ts';
import { codeOf, discoverRoutes, type Route, send } from '../helpers/openapi-routes.ts';
import { PHANTOM_MATS, startServer, type TestServer, uploadBytes, waitForClip } from '../helpers/server.ts';

let server: TestServer;
let routes: Route[];
const tokens: Record<string, string> = {};
let clipId: string;
let victimTokenId: string;
let uploadId: string;

async function cli(args: string[]) {
  const r = await runCli(args, { ECHO_CLOUD_DATA_DIR: server.dataDir });
  assert.equal(r.code, 0, `echo-cloud ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function issue(project: string, role: Role, label: string): Promise<{ token: string; id: string }> {
  return JSON.parse(await cli(['token', 'create', '--project', project, '--role', role, '--label', label, '--json'])) as { token: string; id: string };
}

before(async () => {
  // The sweep makes many failed authentications on purpose: lift the per-address limit (tested in transport.test.ts).
  server = await startServer({ env: { ECHO_CLOUD_AUTH_FAILURE_LIMIT: '100000' } });
  const up = await uploadBytes(server, 'ap4_patient.mat', readFileSync(join(PHANTOM_MATS, 'ap4_patient.mat')));
  assert.equal(up.status, 202);
  clipId = ((await up.json()) as { id: string }).id;
  assert.equal((await waitForClip(server, clipId)).status, 'done');

  await cli(['project', 'create', 'other', '--name', 'Another lab']);
  tokens.other = (await issue('other', 'admin', 'other-admin')).token;
  tokens.viewer = (await issue('default', 'viewer', 'viewer')).token;
  tokens.uploader = (await issue('default', 'uploader', 'uploader')).token;
  victimTokenId = (await issue('default', 'viewer', 'victim')).id;
  const revoked = await issue('default', 'admin', 'to-revoke');
  await cli(['token', 'revoke', revoked.id]);
  tokens.revoked = revoked.token;
  // An expired admin token, written straight into the catalog the server uses.
  const catalog = createSqliteCatalog(join(server.dataDir, 'catalog.sqlite'));
  tokens.expired = generateToken();
  await catalog.createToken({ id: randomId('tok'), hash: hashToken(tokens.expired), projectId: 'default', role: 'admin', label: 'expired', createdAt: Date.now() - 7200_000, expiresAt: Date.now() - 1000 });
  await catalog.close();
  tokens.forged = generateToken();
  // A resumable upload session of the default project, for the /v1/uploads/{id} routes.
  const session = await fetch(new URL('/v1/uploads', server.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'victim.mat', size: 1024 }),
  });
  assert.equal(session.status, 201, await session.clone().text());
  uploadId = ((await session.json()) as { id: string }).id;

  routes = await discoverRoutes(server.url);
});

after(async () => {
  await server?.cleanup();
});

/**
 * Fills path parameters: `id` with an object of the default project (a token id under /v1/tokens, an upload
 * session under /v1/uploads, else the clip), numeric ones with 0 (a frame index, say), others with the clip id.
 */
function urlOf(route: Route): string {
  return route.path.replace(/\{([^}]+)\}/g, (_, name: string) => {
    if (name !== 'id' && (route.params[name] === 'integer' || route.params[name] === 'number')) return '0';
    if (route.path.startsWith('/v1/tokens')) return victimTokenId;
    if (route.path.startsWith('/v1/uploads')) return uploadId;
    return clipId;
  });
}

/** One request with the route's valid headers and a minimal valid body; the body is read for at most 2 s. */
async function call(route: Route, token: string | null): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { ...route.headers, ...(token === null ? {} : { authorization: `Bearer ${token}` }) };
  let body: string | Uint8Array | undefined;
  if (route.raw) {
    headers['content-type'] = 'application/octet-stream';
    body = new Uint8Array(16);
  } else if (route.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(route.body);
  }
  return send(new URL(urlOf(route), server.url), { method: route.method, headers, ...(body !== undefined ? { body } : {}) });
}

test('the OpenAPI document lists the /v1 routes, each with its declared role', () => {
  const names = routes.map((r) => `${r.method} ${r.path}`);
  for (const known of ['POST /v1/clips', 'GET /v1/clips', 'GET /v1/clips/{id}', 'GET /v1/clips/{id}/result', 'GET /v1/clips/{id}/result.csv', 'POST /v1/clips/{id}/retry', 'GET /v1/tokens', 'POST /v1/tokens', 'DELETE /v1/tokens/{id}']) {
    assert.ok(names.includes(known), `${known} is in /openapi.json (found: ${names.join(', ')})`);
  }
  for (const r of routes) assert.ok(['viewer', 'uploader', 'admin'].includes(r.role), `${r.method} ${r.path} declares a role`);
});

test('every /v1 route refuses a missing, forged, expired and revoked token with 401 ECHO_ERR_UNAUTHORIZED', async () => {
  for (const route of routes) {
    for (const [what, token] of [
      ['missing', null],
      ['forged', tokens.forged!],
      ['expired', tokens.expired!],
      ['revoked', tokens.revoked!],
    ] as const) {
      const { status, text } = await call(route, token);
      assert.equal(status, 401, `${route.method} ${route.path} with a ${what} token: ${status} ${text}`);
      assert.equal(codeOf(text), 'ECHO_ERR_UNAUTHORIZED', `${route.method} ${route.path} with a ${what} token`);
    }
  }
});

test('a valid admin token of another project gets 404 on every route naming an object, and sees none of its data in lists', async () => {
  let objectRoutes = 0;
  let listRoutes = 0;
  for (const route of routes) {
    if (route.path.includes('{')) {
      objectRoutes++;
      const { status, text } = await call(route, tokens.other!);
      assert.equal(status, 404, `${route.method} ${route.path} from another project: ${status} ${text}${status >= 500 ? `\nserver log:\n${server.output().slice(-3000)}` : ""}`);
      assert.equal(codeOf(text), 'ECHO_ERR_NOT_FOUND');
      if (route.method === 'GET') {
        const own = await call(route, server.token);
        assert.notEqual(own.status, 404, `control: ${route.method} ${urlOf(route)} exists for its own project (${own.text})`);
      }
    } else if (route.method === 'GET') {
      listRoutes++;
      const { status, text } = await call(route, tokens.other!);
      assert.equal(status, 200, `${route.method} ${route.path} from another project: ${status} ${text}`);
      assert.ok(!text.includes(clipId) && !text.includes(victimTokenId) && !text.includes(uploadId), `${route.method} ${route.path} shows no object of the default project`);
      const own = await call(route, server.token);
      if (route.path === '/v1/clips') assert.ok(own.text.includes(clipId), 'control: the own project lists its clip');
      if (route.path === '/v1/tokens') assert.ok(own.text.includes(victimTokenId), 'control: the own project lists its token');
    }
  }
  assert.ok(objectRoutes >= 5 && listRoutes >= 2, `${objectRoutes} object routes and ${listRoutes} list routes swept`);
});

test('a token below the route’s declared role gets 403 ECHO_ERR_FORBIDDEN', async () => {
  const below: Record<Role, string[]> = { viewer: [], uploader: [tokens.viewer!], admin: [tokens.viewer!, tokens.uploader!] };
  let checked = 0;
  for (const route of routes) {
    for (const token of below[route.role]) {
      const { status, text } = await call(route, token);
      assert.equal(status, 403, `${route.method} ${route.path} (needs ${route.role}): ${status} ${text}`);
      assert.equal(codeOf(text), 'ECHO_ERR_FORBIDDEN');
      checked++;
    }
  }
  assert.ok(checked >= 8, `${checked} role refusals checked`);
});
