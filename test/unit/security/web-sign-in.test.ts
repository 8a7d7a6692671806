/**
 * The server side of the web app's single sign-on: the settings, `GET /auth/config` (public facts only,
 * from the issuer's real discovery document) and the CSP connect-src that lets the page reach the token
 * endpoint. Against the loopback identity provider of test/helpers/oidc-provider.ts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { authConfigRoutes } from '../../../src/api/routes/auth-config.ts';
import { registerErrorHandling } from '../../../src/api/error-handler.ts';
import { registerTransportSecurity } from '../../../src/api/security/transport.ts';
import { loadSecurityConfig } from '../../../src/config/security-config.ts';
import { createWebSignIn } from '../../../src/security/web-sign-in.ts';
import { type OidcProvider, startOidcProvider } from '../../helpers/oidc-provider.ts';

let idp: OidcProvider;

before(async () => {
  idp = await startOidcProvider('echo-api');
});
after(() => idp?.close());

async function app(env: Record<string, string>): Promise<FastifyInstance> {
  const security = loadSecurityConfig(env);
  const signIn = security.oidc ? createWebSignIn(security.oidc) : null;
  const a = Fastify();
  registerErrorHandling(a);
  await registerTransportSecurity(a, [], signIn?.connectSources());
  await a.register(authConfigRoutes, { signIn });
  a.get('/', async () => 'page');
  return a;
}

test('settings: the client id defaults to the audience, scopes must include openid, auto picks the token by audience', () => {
  const base = { ECHO_CLOUD_OIDC_ISSUER: 'https://idp.example.org/realms/echo', ECHO_CLOUD_OIDC_AUDIENCE: 'echo-api' };
  assert.deepEqual(loadSecurityConfig(base).oidc?.web, { clientId: 'echo-api', scopes: 'openid email profile', token: 'id_token' });
  assert.deepEqual(loadSecurityConfig({ ...base, ECHO_CLOUD_OIDC_CLIENT_ID: 'echo-web', ECHO_CLOUD_OIDC_SCOPES: ' openid  api://echo/access_as_user ' }).oidc?.web, {
    clientId: 'echo-web',
    scopes: 'openid api://echo/access_as_user',
    token: 'access_token',
  });
  assert.equal(loadSecurityConfig({ ...base, ECHO_CLOUD_OIDC_WEB_TOKEN: 'access_token' }).oidc?.web.token, 'access_token');
  assert.throws(() => loadSecurityConfig({ ...base, ECHO_CLOUD_OIDC_SCOPES: 'email profile' }), { code: 'CONFIG_INVALID', message: /openid/ });
  assert.throws(() => loadSecurityConfig({ ...base, ECHO_CLOUD_OIDC_WEB_TOKEN: 'refresh_token' }), { code: 'CONFIG_INVALID', message: /id_token, access_token/ });
});

test('GET /auth/config gives the public sign-in facts from discovery, and the CSP lets the page reach the IdP', async () => {
  const a = await app({ ECHO_CLOUD_OIDC_ISSUER: idp.issuer, ECHO_CLOUD_OIDC_AUDIENCE: 'echo-api' });
  const res = await a.inject({ method: 'GET', url: '/auth/config' });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.deepEqual(res.json(), {
    oidc: { issuer: idp.issuer, client_id: 'echo-api', scopes: 'openid email profile', token: 'id_token', authorization_endpoint: `${idp.issuer}/authorize`, token_endpoint: `${idp.issuer}/token` },
  });
  const csp = String((await a.inject({ method: 'GET', url: '/' })).headers['content-security-policy']);
  const connect = /connect-src ([^;]*)/.exec(csp)?.[1]?.split(' ');
  assert.ok(connect?.includes("'self'") && connect.includes(idp.issuer), csp);
  assert.match(csp, /default-src 'self'/);
  await a.close();
});

test('without an issuer /auth/config says OIDC is off and the CSP stays same-origin', async () => {
  const a = await app({});
  const res = await a.inject({ method: 'GET', url: '/auth/config' });
  assert.deepEqual(res.json(), { oidc: null });
  assert.doesNotMatch(String(res.headers['content-security-policy']), /connect-src/);
  await a.close();
});

test('an unreachable issuer is a coded 502 on /auth/config, not a crash; API tokens are unaffected', async () => {
  const down = await startOidcProvider('echo-api');
  const issuer = down.issuer;
  await down.close();
  const a = await app({ ECHO_CLOUD_OIDC_ISSUER: issuer, ECHO_CLOUD_OIDC_AUDIENCE: 'echo-api' });
  const res = await a.inject({ method: 'GET', url: '/auth/config' });
  assert.equal(res.statusCode, 502);
  assert.equal(res.json().error.code, 'ECHO_ERR_IDP_UNAVAILABLE');
  assert.match(res.json().error.message, /API tokens still work/);
  await a.close();
});
