/**
 * Single sign-on: OpenID Connect Authorization Code flow with PKCE (S256) as a public client (no secret in
 * the browser). The server says in `GET /auth/config` whether it is on, with the issuer, client id, scopes,
 * endpoints and which token to send as the bearer JWT. The flow state (state, nonce, PKCE verifier) and the
 * tokens live in sessionStorage: gone with the tab.
 */

export interface OidcConfig {
  issuer: string;
  client_id: string;
  scopes: string;
  token: 'id_token' | 'access_token';
  authorization_endpoint: string;
  token_endpoint: string;
}

/** The client route the identity provider redirects back to: register `<origin>/auth/callback`. */
export const CALLBACK_PATH = '/auth/callback';
const PENDING_KEY = 'echo-cloud.oidc.pending';
const SESSION_KEY = 'echo-cloud.oidc.session';

/** The parts of sessionStorage used here (a parameter, so that the flow runs outside a browser too). */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

interface Pending {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

export interface SignedIn {
  /** The bearer JWT for the API (the ID token or the access token, as the server says). */
  token: string;
  /** Who signed in (email, name or subject), for the top bar. */
  name: string;
  /** When the ID token expires (ms since the epoch). */
  expiresAt: number;
  /** The app path the sign-in started from. */
  returnTo: string;
}

export class SignInError extends Error {}

export async function loadOidcConfig(): Promise<OidcConfig | null> {
  try {
    const res = await fetch('/auth/config');
    return res.ok ? (((await res.json()) as { oidc: OidcConfig | null }).oidc ?? null) : null;
  } catch {
    return null;
  }
}

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const random = (n = 32) => base64url(crypto.getRandomValues(new Uint8Array(n)));

/** The PKCE S256 code challenge of a verifier (RFC 7636). */
export async function codeChallenge(verifier: string): Promise<string> {
  return base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
}

/** Remembers a fresh state, nonce and PKCE verifier and returns the authorization URL to go to. */
export async function beginSignIn(config: OidcConfig, origin: string, storage: KeyValueStore, returnTo = '/'): Promise<string> {
  const pending: Pending = { state: random(), nonce: random(), verifier: random(), returnTo };
  storage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(config.authorization_endpoint);
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: config.client_id,
    redirect_uri: origin + CALLBACK_PATH,
    scope: config.scopes,
    state: pending.state,
    nonce: pending.nonce,
    code_challenge: await codeChallenge(pending.verifier),
    code_challenge_method: 'S256',
  })) {
    url.searchParams.set(k, v);
  }
  return url.href;
}

/** The claims of a JWT, unverified (see checkIdToken). */
export function jwtClaims(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

/**
 * Checks the ID token of a code exchange (OIDC Core 3.1.3.7): issuer, audience (and `azp`), expiry and our
 * nonce. Its signature is not checked here: it came straight from the token endpoint over TLS, and the server
 * verifies the signature of every bearer JWT against the issuer's keys.
 */
export function checkIdToken(idToken: unknown, expected: { issuer: string; clientId: string; nonce: string; now?: number }): Record<string, unknown> {
  if (typeof idToken !== 'string') throw new SignInError('The identity provider sent no ID token (is `openid` among the scopes?).');
  let claims: Record<string, unknown>;
  try {
    claims = jwtClaims(idToken);
  } catch {
    throw new SignInError('The identity provider sent an ID token that is not a JWT.');
  }
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const now = (expected.now ?? Date.now()) / 1000;
  if (claims.iss !== expected.issuer) throw new SignInError(`The ID token comes from ${String(claims.iss)}, not ${expected.issuer}.`);
  if (!aud.includes(expected.clientId) || (aud.length > 1 && claims.azp !== undefined && claims.azp !== expected.clientId)) {
    throw new SignInError('The ID token was issued to another client (aud).');
  }
  if (claims.nonce !== expected.nonce) throw new SignInError('The ID token does not answer this sign-in (nonce mismatch): sign in again.');
  if (typeof claims.exp !== 'number' || claims.exp < now - 30) throw new SignInError('The ID token has expired: check the clock of this computer and sign in again.');
  return claims;
}

/** Finishes the sign-in at the callback URL: checks state, exchanges the code with the verifier, checks the ID token. */
export async function completeSignIn(config: OidcConfig, callbackUrl: string, storage: KeyValueStore, fetchFn: typeof fetch = fetch): Promise<SignedIn> {
  const url = new URL(callbackUrl);
  const q = url.searchParams;
  const raw = storage.getItem(PENDING_KEY);
  storage.removeItem(PENDING_KEY); // state, nonce and verifier are good once
  if (!raw) throw new SignInError('No sign-in was started in this tab, or it was already finished: sign in again.');
  const pending = JSON.parse(raw) as Pending;
  if (q.get('state') !== pending.state) throw new SignInError('This sign-in answer does not belong to this tab (state mismatch): sign in again.');
  const error = q.get('error');
  if (error) throw new SignInError(`The identity provider refused the sign-in: ${error}${q.get('error_description') ? ` (${q.get('error_description')})` : ''}.`);
  if (q.has('iss') && q.get('iss') !== config.issuer) throw new SignInError(`The sign-in answer comes from ${q.get('iss')}, not ${config.issuer}.`);
  const code = q.get('code');
  if (!code) throw new SignInError('The sign-in answer has no authorization code.');
  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: url.origin + CALLBACK_PATH, client_id: config.client_id, code_verifier: pending.verifier });
  let res: Response;
  try {
    res = await fetchFn(config.token_endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
  } catch {
    throw new SignInError(`The token endpoint ${config.token_endpoint} could not be reached from this page: the identity provider must allow this origin (CORS), see docs/security.md.`);
  }
  const tokens = (await res.json().catch(() => ({}))) as { id_token?: unknown; access_token?: unknown; error?: string; error_description?: string };
  if (!res.ok) throw new SignInError(`The identity provider issued no tokens: ${tokens.error ?? `HTTP ${res.status}`}${tokens.error_description ? ` (${tokens.error_description})` : ''}.`);
  const claims = checkIdToken(tokens.id_token, { issuer: config.issuer, clientId: config.client_id, nonce: pending.nonce });
  const token = tokens[config.token];
  if (typeof token !== 'string') throw new SignInError(`The identity provider sent no ${config.token}.`);
  const name = [claims.email, claims.name, claims.preferred_username, claims.sub].find((v) => typeof v === 'string') as string;
  const tokenExp = jwtExpiry(token);
  return { token, name, expiresAt: Math.min((claims.exp as number) * 1000, tokenExp ?? Number.POSITIVE_INFINITY), returnTo: /^\/(?![/\\])/.test(pending.returnTo) ? pending.returnTo : '/' };
}

function jwtExpiry(jwt: string): number | null {
  try {
    const exp = jwtClaims(jwt).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null; // an opaque access token
  }
}

/** The signed-in SSO user of this tab (null: signed in with an API token, or not at all). */
export function ssoSession(storage: KeyValueStore = sessionStorage): { name: string; expiresAt: number } | null {
  const raw = storage.getItem(SESSION_KEY);
  return raw ? (JSON.parse(raw) as { name: string; expiresAt: number }) : null;
}

export function setSsoSession(session: { name: string; expiresAt: number } | null, storage: KeyValueStore = sessionStorage): void {
  if (session) storage.setItem(SESSION_KEY, JSON.stringify(session));
  else storage.removeItem(SESSION_KEY);
}
