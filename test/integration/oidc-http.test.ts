import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runCli } from '../helpers/cli.ts';
import { type OidcProvider, startOidcProvider } from '../helpers/oidc-provider.ts';
import { PHANTOM_MATS, startServer, type TestServer } from '../helpers/server.ts';

let idp: OidcProvider;
let server: TestServer;

before(async () => {
  idp = await startOidcProvider('echo-api');
  server = await startServer({
    env: { ECHO_CLOUD_OIDC_ISSUER: idp.issuer, ECHO_CLOUD_OIDC_AUDIENCE: 'echo-api', ECHO_CLOUD_OIDC_ROLES_CLAIM: 'groups', ECHO_CLOUD_WORKERS: '0' },
  });
  const r = await runCli(['project', 'grant', 'default', '--subject', 'dana', '--role', 'viewer'], { ECHO_CLOUD_DATA_DIR: server.dataDir });
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await server?.cleanup();
  await idp?.close();
});

const call = (path: string, jwt: string, init: RequestInit = {}) => fetch(new URL(path, server.url), { ...init, headers: { authorization: `Bearer ${jwt}` } });

test('a JWT from the configured issuer reaches the API with the role its groups claim or grant gives', async () => {
  const uploader = await idp.sign({ sub: 'alice', groups: ['echo:default:uploader'] });
  const form = new FormData();
  form.append('file', new Blob([readFileSync(join(PHANTOM_MATS, 'ap4_patient.mat'))]), 'ap4_patient.mat');
  const up = await call('/v1/clips', uploader, { method: 'POST', body: form });
  assert.equal(up.status, 202, await up.clone().text());
  const { id } = (await up.json()) as { id: string };
  assert.equal((await call(`/v1/clips/${id}`, uploader)).status, 200);
  assert.equal((await call('/v1/tokens', uploader)).status, 403, 'uploader is not admin');

  const granted = await idp.sign({ sub: 'dana' });
  assert.equal((await call(`/v1/clips/${id}`, granted)).status, 200, 'the catalog grant makes dana a viewer');
  assert.equal((await call(`/v1/clips/${id}/retry`, granted, { method: 'POST' })).status, 403);

  const otherProject = await idp.sign({ sub: 'erin', groups: ['echo:elsewhere:admin'] });
  assert.equal((await call(`/v1/clips/${id}`, otherProject)).status, 404);

  for (const bad of [await idp.sign({ sub: 'alice', groups: ['echo:default:admin'] }, { aud: 'other' }), await idp.sign({ sub: 'alice' }, { key: idp.keys.stranger })]) {
    const res = await call('/v1/clips', bad);
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ECHO_ERR_UNAUTHORIZED');
  }

  const lines = (await runCli(['audit', 'export'], { ECHO_CLOUD_DATA_DIR: server.dataDir })).stdout.trim().split('\n').map((l) => JSON.parse(l));
  const upload = lines.find((l) => l.action === 'clip.upload');
  assert.equal(upload.actor, 'oidc:alice');
  assert.equal(upload.detail, 'auth=oidc');
  assert.ok(lines.some((l) => l.action === 'auth.failure' && l.detail.startsWith('oidc:ERR_JWT_AUDIENCE')));
});
