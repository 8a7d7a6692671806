import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SignJWT } from 'jose';
import { createSqliteCatalog } from '../../../src/adapters/catalog/sqlite/create-sqlite-catalog.ts';
import { loadSecurityConfig, type OidcConfig } from '../../../src/config/security-config.ts';
import type { Catalog } from '../../../src/ports/catalog.ts';
import { createOidcVerifier } from '../../../src/security/oidc.ts';
import { type Authenticate, createAuthenticator } from '../../../src/security/tokens.ts';
import { type OidcProvider, type SignOptions, startOidcProvider } from '../../helpers/oidc-provider.ts';
import { tempDir } from '../../helpers/temp.ts';

let idp: OidcProvider;
let issuer: string;
let catalog: Catalog;
let cleanup: () => Promise<void>;
const AUDIENCE = 'echo-api';

before(async () => {
  idp = await startOidcProvider(AUDIENCE);
  issuer = idp.issuer;
  const t = await tempDir();
  cleanup = t.cleanup;
  catalog = createSqliteCatalog(join(t.dir, 'c.sqlite'));
  await catalog.migrate();
  for (const p of ['alpha', 'beta']) await catalog.ensureProject(p, p);
  await catalog.putGrant({ projectId: 'alpha', subject: 'sub:alice', role: 'uploader', createdAt: 1 });
  await catalog.putGrant({ projectId: 'beta', subject: 'email:bob@example.org', role: 'viewer', createdAt: 1 });
});

after(async () => {
  await catalog.close();
  await cleanup();
  await idp.close();
});

function auth(over: Partial<OidcConfig> = {}): Authenticate {
  const config: OidcConfig = { issuer, audience: AUDIENCE, jwksUrl: null, algorithms: ['RS256', 'ES256'], rolesClaim: 'groups', web: { clientId: AUDIENCE, scopes: 'openid', token: 'id_token' }, ...over };
  return createAuthenticator(catalog, null, createOidcVerifier(config, catalog));
}

const jwt = (claims: Record<string, unknown>, opts: SignOptions = {}) => idp.sign(claims, opts);

const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

test('a valid RS256 token maps its subject to the project granted in the catalog', async () => {
  const p = await auth()(`Bearer ${await jwt({ sub: 'alice' })}`);
  assert.deepEqual(p, { projectId: 'alpha', role: 'uploader', tokenId: 'oidc:alice', method: 'oidc' });
});

test('ES256 is accepted too, and a verified email grant applies', async () => {
  const token = await jwt({ sub: 'b-123', email: 'Bob@Example.org', email_verified: true }, { key: idp.keys.ec, alg: 'ES256', kid: 'ec-1' });
  assert.deepEqual(await auth()(`Bearer ${token}`), { projectId: 'beta', role: 'viewer', tokenId: 'oidc:b-123', method: 'oidc' });
  const unverified = await jwt({ sub: 'b-123', email: 'bob@example.org', email_verified: false });
  await assert.rejects(auth()(`Bearer ${unverified}`), { code: 'FORBIDDEN' }, 'an unverified email grants nothing');
});

test('roles from the groups claim (echo:<project>:<role>); several projects need X-Echo-Project', async () => {
  const token = await jwt({ sub: 'carol', groups: ['staff', 'echo:alpha:viewer', 'echo:beta:admin', 'echo:bad project:admin'] });
  await assert.rejects(auth()(`Bearer ${token}`), { code: 'BAD_REQUEST', message: /X-Echo-Project/ });
  assert.equal((await auth()(`Bearer ${token}`, { project: 'beta' })).role, 'admin');
  assert.equal((await auth()(`Bearer ${token}`, { project: 'alpha' })).role, 'viewer');
  await assert.rejects(auth()(`Bearer ${token}`, { project: 'gamma' }), { code: 'FORBIDDEN' });
  await assert.rejects(auth({ rolesClaim: null })(`Bearer ${token}`), { code: 'FORBIDDEN' }, 'the claim is ignored unless configured');
});

test('a Cognito access token (no aud, client_id = audience) is accepted; another client_id is not', async () => {
  const ok = await jwt({ sub: 'alice', client_id: AUDIENCE, token_use: 'access' }, { aud: null });
  assert.equal((await auth()(`Bearer ${ok}`)).projectId, 'alpha');
  const other = await jwt({ sub: 'alice', client_id: 'other-app' }, { aud: null });
  await assert.rejects(auth()(`Bearer ${other}`), { code: 'UNAUTHORIZED', details: { reason: 'oidc:ERR_JWT_AUDIENCE' } });
});

test('wrong issuer, wrong audience and expired tokens are refused', async () => {
  const cases: [string, Promise<string>, string][] = [
    ['wrong issuer', jwt({ sub: 'alice' }, { iss: 'https://evil.example.org' }), 'oidc:ERR_JWT_CLAIM_VALIDATION_FAILED'],
    ['wrong audience', jwt({ sub: 'alice' }, { aud: 'another-api' }), 'oidc:ERR_JWT_AUDIENCE'],
    ['expired', jwt({ sub: 'alice' }, { exp: Math.floor(Date.now() / 1000) - 3600 }), 'oidc:ERR_JWT_EXPIRED'],
  ];
  for (const [what, token, reason] of cases) {
    await assert.rejects(auth()(`Bearer ${await token}`), { code: 'UNAUTHORIZED', details: { reason } }, what);
  }
});

test('alg none, HS256 (even keyed with the public key) and an unknown kid are refused', async () => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { sub: 'alice', iss: issuer, aud: AUDIENCE, exp: now + 600, iat: now };
  const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`;
  const secret = new TextEncoder().encode(JSON.stringify(idp.keys.rsaPublicJwk));
  const hs256 = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(secret);
  const unknownKid = await jwt({ sub: 'alice' }, { key: idp.keys.stranger, kid: 'rsa-9' });
  const strangerSameKid = await jwt({ sub: 'alice' }, { key: idp.keys.stranger, kid: 'rsa-1' });
  for (const [what, token] of [
    ['alg none', none],
    ['HS256', hs256],
    ['unknown kid', unknownKid],
    ['foreign key, known kid', strangerSameKid],
  ] as const) {
    await assert.rejects(auth()(`Bearer ${token}`), { code: 'UNAUTHORIZED' }, what);
  }
});

test('an explicit JWKS URL skips discovery; keys are fetched once and cached', async () => {
  const fetched = idp.jwksRequests();
  const a = auth({ jwksUrl: `${issuer}/keys` });
  for (let i = 0; i < 3; i++) assert.equal((await a(`Bearer ${await jwt({ sub: 'alice' })}`)).projectId, 'alpha');
  assert.equal(idp.jwksRequests() - fetched, 1);
});

test('opaque tokens keep working beside OIDC, and a JWT-shaped garbage token is refused', async () => {
  await assert.rejects(auth()('Bearer aaaa.bbbb.cccc'), { code: 'UNAUTHORIZED' });
  await assert.rejects(auth()('Bearer ec_notatokenatallnotatoken'), { code: 'UNAUTHORIZED', details: { reason: 'unknown' } });
});

test('configuration: symmetric algorithms, none, plain-http issuers and a missing audience are refused at start-up', () => {
  const base = { ECHO_CLOUD_OIDC_ISSUER: 'https://idp.example.org/realms/echo', ECHO_CLOUD_OIDC_AUDIENCE: 'echo-api' };
  assert.deepEqual(loadSecurityConfig(base).oidc?.algorithms, ['RS256', 'ES256']);
  assert.throws(() => loadSecurityConfig({ ...base, ECHO_CLOUD_OIDC_ALGORITHMS: 'RS256,HS256' }), { code: 'CONFIG_INVALID', message: /refused: HS256/ });
  assert.throws(() => loadSecurityConfig({ ...base, ECHO_CLOUD_OIDC_ALGORITHMS: 'none' }), { code: 'CONFIG_INVALID' });
  assert.throws(() => loadSecurityConfig({ ...base, ECHO_CLOUD_OIDC_ISSUER: 'http://idp.example.org' }), { code: 'CONFIG_INVALID', message: /https/ });
  assert.throws(() => loadSecurityConfig({ ECHO_CLOUD_OIDC_ISSUER: base.ECHO_CLOUD_OIDC_ISSUER }), { code: 'CONFIG_INVALID', message: /AUDIENCE/ });
  assert.throws(() => loadSecurityConfig({ ECHO_CLOUD_TLS_CERT: '/x.pem' }), { code: 'CONFIG_INVALID', message: /TLS_KEY/ });
  assert.throws(() => loadSecurityConfig({ ECHO_CLOUD_CORS_ORIGINS: 'https://a.example.org/' }), { code: 'CONFIG_INVALID' });
});
