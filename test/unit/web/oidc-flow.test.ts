/**
 * The web app's sign-in flow module (web/src/oidc.ts) run in Node against the real loopback identity
 * provider: the authorization request carries state, nonce and a S256 challenge; the code exchange sends the
 * verifier; a wrong verifier, a wrong nonce, a foreign state, a replayed answer and a wrong issuer or
 * audience are refused.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, test } from 'node:test';
import { beginSignIn, checkIdToken, codeChallenge, completeSignIn, jwtClaims, type KeyValueStore, type OidcConfig } from '../../../web/src/oidc.ts';
import { type OidcProvider, startOidcProvider } from '../../helpers/oidc-provider.ts';

const APP = 'http://127.0.0.1:9999';
let idp: OidcProvider;
let config: OidcConfig;

before(async () => {
  idp = await startOidcProvider('echo-api');
  idp.login = { sub: 'alice', claims: { email: 'alice@hospital.example' } };
  config = { issuer: idp.issuer, client_id: 'echo-api', scopes: 'openid email', token: 'id_token', authorization_endpoint: `${idp.issuer}/authorize`, token_endpoint: `${idp.issuer}/token` };
});
after(() => idp?.close());

function memoryStore(): KeyValueStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return { map, getItem: (k) => map.get(k) ?? null, setItem: (k, v) => void map.set(k, v), removeItem: (k) => void map.delete(k) };
}

/** Starts a sign-in and follows the authorization URL to the provider's redirect back to the app. */
async function authorize(store: KeyValueStore, cfg = config): Promise<{ authorizeUrl: URL; callback: string }> {
  const authorizeUrl = new URL(await beginSignIn(cfg, APP, store, '/clips/x'));
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  assert.equal(res.status, 302);
  return { authorizeUrl, callback: res.headers.get('location')! };
}

test('the code flow with PKCE signs in and returns the ID token with its claims', async () => {
  const store = memoryStore();
  const { authorizeUrl, callback } = await authorize(store);
  const q = authorizeUrl.searchParams;
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.equal(q.get('redirect_uri'), `${APP}/auth/callback`);
  assert.equal(q.get('client_id'), 'echo-api');
  const pending = JSON.parse(store.map.get('echo-cloud.oidc.pending')!);
  assert.equal(q.get('state'), pending.state);
  assert.equal(q.get('nonce'), pending.nonce);
  assert.equal(q.get('code_challenge'), createHash('sha256').update(pending.verifier).digest('base64url'), 'S256 of the stored verifier');
  assert.ok(pending.verifier.length >= 43 && pending.state !== pending.nonce);
  assert.ok(callback.startsWith(`${APP}/auth/callback?`));

  const signedIn = await completeSignIn(config, callback, store);
  const claims = jwtClaims(signedIn.token);
  assert.equal(claims.sub, 'alice');
  assert.equal(claims.aud, 'echo-api');
  assert.equal(claims.nonce, pending.nonce);
  assert.equal(signedIn.name, 'alice@hospital.example');
  assert.equal(signedIn.returnTo, '/clips/x');
  assert.ok(Math.abs(signedIn.expiresAt - (claims.exp as number) * 1000) < 1);
  assert.equal(store.map.size, 0, 'state, nonce and verifier are forgotten');
  assert.equal(idp.tokenResults.at(-1), 'ok');

  await assert.rejects(completeSignIn(config, callback, store), /already finished/, 'the same answer cannot be used twice');
});

test('access_token mode sends the access token', async () => {
  const store = memoryStore();
  const { callback } = await authorize(store);
  const signedIn = await completeSignIn({ ...config, token: 'access_token' }, callback, store);
  assert.equal(jwtClaims(signedIn.token).client_id, 'echo-api');
  assert.equal(jwtClaims(signedIn.token).nonce, undefined);
});

test('a wrong PKCE verifier is refused by the token endpoint and no token is kept', async () => {
  const store = memoryStore();
  const { callback } = await authorize(store);
  const pending = JSON.parse(store.map.get('echo-cloud.oidc.pending')!);
  // A different last character (an 'A' replaced by 'A' would leave the verifier as it was: 1 run in 64).
  const last = pending.verifier.slice(-1) === 'A' ? 'B' : 'A';
  store.setItem('echo-cloud.oidc.pending', JSON.stringify({ ...pending, verifier: `${pending.verifier.slice(0, -1)}${last}` }));
  await assert.rejects(completeSignIn(config, callback, store), /invalid_grant \(the PKCE code_verifier does not match/);
  assert.equal(idp.tokenResults.at(-1), 'invalid_grant');
});

test('an ID token with another nonce is refused', async () => {
  const store = memoryStore();
  const { callback } = await authorize(store);
  idp.tamper.nonce = 'someone-elses-nonce';
  try {
    await assert.rejects(completeSignIn(config, callback, store), /nonce mismatch/);
  } finally {
    delete idp.tamper.nonce;
  }
  assert.equal(idp.tokenResults.at(-1), 'ok', 'the provider answered; the app refused');
});

test('an answer with a foreign state is refused before any code exchange', async () => {
  const store = memoryStore();
  const { callback } = await authorize(store);
  const forged = new URL(callback);
  forged.searchParams.set('state', 'forged');
  const before = idp.tokenResults.length;
  await assert.rejects(completeSignIn(config, forged.href, store), /state mismatch/);
  assert.equal(idp.tokenResults.length, before, 'no token request was made');
});

test('an error answer of the provider and a wrong issuer parameter are reported', async () => {
  const store = memoryStore();
  const { callback } = await authorize(store, { ...config, scopes: 'email' });
  await assert.rejects(completeSignIn(config, callback, store), /refused the sign-in: invalid_request/);
  const again = memoryStore();
  const ok = await authorize(again);
  const mixed = new URL(ok.callback);
  mixed.searchParams.set('iss', 'https://evil.example');
  await assert.rejects(completeSignIn(config, mixed.href, again), /comes from https:\/\/evil.example/);
});

test('checkIdToken refuses a wrong issuer, audience, nonce or an expired token', async () => {
  const expected = { issuer: idp.issuer, clientId: 'echo-api', nonce: 'n1' };
  const ok = await idp.sign({ sub: 'a', nonce: 'n1' });
  assert.equal(checkIdToken(ok, expected).sub, 'a');
  await assert.rejects(async () => checkIdToken(await idp.sign({ sub: 'a', nonce: 'n1' }, { iss: 'https://other.example' }), expected), /comes from https:\/\/other/);
  await assert.rejects(async () => checkIdToken(await idp.sign({ sub: 'a', nonce: 'n1' }, { aud: 'other-client' }), expected), /another client/);
  await assert.rejects(async () => checkIdToken(await idp.sign({ sub: 'a', nonce: 'n2' }), expected), /nonce mismatch/);
  await assert.rejects(async () => checkIdToken(await idp.sign({ sub: 'a', nonce: 'n1' }, { exp: Math.floor(Date.now() / 1000) - 120 }), expected), /expired/);
  assert.throws(() => checkIdToken(undefined, expected), /no ID token/);
  assert.throws(() => checkIdToken('garbage', expected), /not a JWT/);
});

test('codeChallenge is base64url(SHA-256(verifier)) without padding, as node:crypto computes it (RFC 7636 S256)', async () => {
  for (const verifier of ['a'.repeat(43), 'dBjftJeZ4CVP-mJ92K7qpqVzrjQ0yJhnxc9tzYcZlUU', '~._-'.repeat(32)]) {
    assert.equal(await codeChallenge(verifier), createHash('sha256').update(verifier).digest('base64url'));
  }
});
