/**
 * Single sign-on in a real browser (Debian chromium via playwright-core) against the real server and a real
 * loopback OpenID provider (test/helpers/oidc-provider.ts: discovery, JWKS, auto-approving authorization
 * endpoint, token endpoint checking the PKCE verifier, CORS for the app origin only). The user signs in
 * through the button, uploads a cine that reaches `done` with the JWT as bearer, is sent back to sign-in on a
 * 401, and refused when the ID token's nonce is wrong or the IdP does not allow the app origin.
 * Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser } from '../helpers/browser.ts';
import { runCli } from '../helpers/cli.ts';
import { type OidcProvider, startOidcProvider } from '../helpers/oidc-provider.ts';
import { PHANTOM_MATS, startServer, type TestServer } from '../helpers/server.ts';

const CLIENT = 'echo-web';
const appOrigins: string[] = [];
let idp: OidcProvider;
let server: TestServer;
let browser: Browser;
let page: Page;
const cspViolations: string[] = [];
const bearers: string[] = [];
let clipId = '';

before(async () => {
  idp = await startOidcProvider(CLIENT, { appOrigins });
  server = await startServer({ env: { ECHO_CLOUD_OIDC_ISSUER: idp.issuer, ECHO_CLOUD_OIDC_AUDIENCE: CLIENT } });
  appOrigins.push(new URL(server.url).origin);
  const r = await runCli(['project', 'grant', 'default', '--subject', 'alice', '--role', 'uploader'], { ECHO_CLOUD_DATA_DIR: server.dataDir });
  assert.equal(r.code, 0, r.stderr);
  idp.login = { sub: 'alice', claims: { email: 'alice@hospital.example', email_verified: true } };
  browser = await launchBrowser();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  page.on('request', (req) => {
    if (new URL(req.url()).pathname.startsWith('/v1/')) bearers.push(req.headers().authorization ?? '');
  });
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
  await idp?.close();
});

const stored = (key: string) => page.evaluate(`sessionStorage.getItem(${JSON.stringify(key)})`) as Promise<string | null>;

async function clickSso(): Promise<void> {
  await page.getByRole('button', { name: 'Sign in with single sign-on' }).click();
}

test('the page and /auth/config offer single sign-on; the CSP allows the IdP origin for fetch', async () => {
  const res = await fetch(new URL('/auth/config', server.url));
  const { oidc } = (await res.json()) as { oidc: { client_id: string; token: string; token_endpoint: string } };
  assert.equal(oidc.client_id, CLIENT);
  assert.equal(oidc.token, 'id_token');
  assert.equal(oidc.token_endpoint, `${idp.issuer}/token`);
  const doc = await page.goto(server.url);
  assert.match((await doc!.allHeaders())['content-security-policy'] ?? '', new RegExp(`connect-src 'self' ${idp.issuer}`));
  await page.getByRole('button', { name: 'Sign in with single sign-on' }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, 'web-oidc-signin.png') });
});

test('a wrong nonce in the ID token is refused on the callback page and no token is kept', async () => {
  idp.tamper.nonce = 'not-the-nonce-of-this-tab';
  try {
    await clickSso();
    await page.getByRole('alert').filter({ hasText: 'nonce mismatch' }).waitFor({ timeout: 15_000 });
  } finally {
    delete idp.tamper.nonce;
  }
  assert.equal(new URL(page.url()).pathname, '/auth/callback');
  assert.equal(await stored('echo-cloud.token'), null);
  assert.equal(await stored('echo-cloud.oidc.pending'), null, 'the verifier is gone after one use');
  await page.screenshot({ path: join(ARTIFACTS, 'web-oidc-nonce-refused.png') });
  await page.getByRole('button', { name: 'Back to sign-in' }).click();
  await page.getByRole('button', { name: 'Sign in with single sign-on' }).waitFor();
});

test('an IdP that does not allow the app origin (CORS) is reported, not a blank page', async () => {
  const saved = appOrigins.splice(0);
  try {
    await clickSso();
    await page.getByRole('alert').filter({ hasText: 'CORS' }).waitFor({ timeout: 15_000 });
  } finally {
    appOrigins.push(...saved);
  }
  assert.equal(await stored('echo-cloud.token'), null);
  await page.getByRole('button', { name: 'Back to sign-in' }).click();
});

test('a subject without a role is told so after signing in', async () => {
  idp.login = { sub: 'mallory' };
  try {
    await clickSso();
    await page.getByRole('alert').filter({ hasText: 'has no project' }).waitFor({ timeout: 15_000 });
  } finally {
    idp.login = { sub: 'alice', claims: { email: 'alice@hospital.example', email_verified: true } };
  }
  await page.getByRole('button', { name: 'Back to sign-in' }).click();
});

test('signing in through the button, then an upload reaches done with the ID token as bearer', async () => {
  bearers.length = 0;
  const okBefore = idp.tokenResults.filter((r) => r === 'ok').length;
  await clickSso();
  await page.locator('[data-testid=live-state]', { hasText: 'Live' }).waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).pathname, '/', 'back on the app, off the callback URL (no code left in the address bar)');
  assert.equal(await page.getByTestId('signed-in-as').textContent(), 'alice@hospital.example');
  assert.equal(idp.tokenResults.filter((r) => r === 'ok').length, okBefore + 1);
  const jwt = (await stored('echo-cloud.token'))!;
  assert.equal(jwt.split('.').length, 3, 'the bearer is a JWT');
  const claims = JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as { aud: string; sub: string };
  assert.deepEqual([claims.aud, claims.sub], [CLIENT, 'alice']);

  await page.getByTestId('file-input').setInputFiles(join(PHANTOM_MATS, 'ap4_patient.mat'));
  const row = page.locator('[data-testid=clip-row][data-name="ap4_patient.mat"][data-status=done]');
  await row.waitFor({ timeout: 90_000 });
  clipId = (await row.getAttribute('data-clip-id'))!;
  await page.screenshot({ path: join(ARTIFACTS, 'web-oidc-signed-in.png'), fullPage: true });
  assert.ok(bearers.length > 0 && bearers.every((b) => b === `Bearer ${jwt}`), 'every API call carried the JWT');
  assert.deepEqual(cspViolations, []);

  const audit = (await runCli(['audit', 'export'], { ECHO_CLOUD_DATA_DIR: server.dataDir })).stdout.trim().split('\n').map((l) => JSON.parse(l) as { action: string; actor: string });
  assert.equal(audit.find((l) => l.action === 'clip.upload')?.actor, 'oidc:alice');
});

test('a 401 (expired token) sends the user back to sign-in, saying why, then to the page asked for; sign out forgets the token', async () => {
  const expired = await idp.sign({ sub: 'alice' }, { aud: CLIENT, exp: Math.floor(Date.now() / 1000) - 300 });
  await page.evaluate(`sessionStorage.setItem('echo-cloud.token', ${JSON.stringify(expired)})`);
  await page.goto(`${server.url}/clips/${clipId}`);
  await page.getByTestId('signin-notice').filter({ hasText: 'single sign-on session has expired' }).waitFor({ timeout: 15_000 });
  assert.equal(await stored('echo-cloud.token'), null);
  await page.screenshot({ path: join(ARTIFACTS, 'web-oidc-expired.png') });

  await clickSso();
  await page.locator('[data-testid=live-state]', { hasText: 'Live' }).waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).pathname, `/clips/${clipId}`, 'back on the viewer link that was opened');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in with single sign-on' }).waitFor();
  assert.equal(await stored('echo-cloud.token'), null);
  assert.equal(await stored('echo-cloud.oidc.session'), null);
});
