import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface SignOptions {
  key?: PrivateKey;
  alg?: string;
  kid?: string;
  iss?: string;
  /** null: no `aud` claim. */
  aud?: string | null;
  exp?: number;
}

/** One authorization the provider granted, waiting for its code to be exchanged. */
interface PendingCode {
  clientId: string;
  redirectUri: string;
  challenge: string;
  nonce: string | null;
  sub: string;
  claims: Record<string, unknown>;
}

export interface OidcProvider {
  issuer: string;
  audience: string;
  /** The web app's (public) client id: the audience unless given. */
  clientId: string;
  /** Who the authorization endpoint signs in, without asking (auto-approve), and the extra ID token claims. */
  login: { sub: string; claims?: Record<string, unknown> };
  /** Deliberate faults of the token endpoint, for refusal tests: an ID token with another nonce. */
  tamper: { nonce?: string };
  /** Token endpoint answers, in order: `ok` or the OAuth error code. */
  tokenResults: string[];
  /** Keys the provider publishes (rsa-1 RS256, ec-1 ES256) and one it does not (stranger). */
  keys: { rsa: PrivateKey; ec: PrivateKey; stranger: PrivateKey; rsaPublicJwk: Record<string, unknown> };
  jwksRequests(): number;
  sign(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

/**
 * A real OpenID provider on loopback: a discovery document and a JWKS made with jose's generateKeyPair, and
 * the Authorization Code flow with PKCE (S256) for a public client: `/authorize` signs in `login.sub` at once
 * and redirects back with code and state; `/token` checks the code, client, redirect URI and PKCE verifier and
 * answers a signed ID token (aud: client id, with the nonce) and access token (aud: audience, client_id), with
 * CORS for `appOrigins` only.
 */
export async function startOidcProvider(audience = 'echo-api', options: { clientId?: string; appOrigins?: string[] } = {}): Promise<OidcProvider> {
  const rsa = await generateKeyPair('RS256');
  const ec = await generateKeyPair('ES256');
  const stranger = await generateKeyPair('RS256');
  const rsaPublicJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
  const keys = [rsaPublicJwk, { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' }];
  let jwksRequests = 0;
  let issuer = '';
  const clientId = options.clientId ?? audience;
  const codes = new Map<string, PendingCode>();
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.url === '/.well-known/openid-configuration') {
      res.setHeader('access-control-allow-origin', '*');
      res.end(JSON.stringify(discovery()));
    } else if (path === '/authorize') authorize(req, res);
    else if (path === '/token') void token(req, res);
    else if (req.url === '/keys') {
      jwksRequests++;
      res.end(JSON.stringify({ keys }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  const discovery = () => ({
    issuer,
    jwks_uri: `${issuer}/keys`,
    authorization_endpoint: `${issuer}/authorize`,
    token_endpoint: `${issuer}/token`,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256'],
    subject_types_supported: ['public'],
  });
  const oauthError = (res: ServerResponse, error: string, description: string) => {
    provider.tokenResults.push(error);
    res.statusCode = 400;
    res.end(JSON.stringify({ error, error_description: description }));
  };
  function authorize(req: IncomingMessage, res: ServerResponse) {
    const q = new URL(req.url!, issuer).searchParams;
    const redirectUri = q.get('redirect_uri');
    if (q.get('client_id') !== clientId || !redirectUri) {
      res.statusCode = 400;
      res.end(JSON.stringify({ error: 'invalid_request', error_description: 'unknown client_id or no redirect_uri' }));
      return;
    }
    const back = new URL(redirectUri);
    const state = q.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const challenge = q.get('code_challenge');
    if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !challenge || !(q.get('scope') ?? '').split(' ').includes('openid')) {
      back.searchParams.set('error', 'invalid_request');
      back.searchParams.set('error_description', 'response_type=code, scope openid and a S256 code_challenge are required');
    } else {
      const code = randomBytes(24).toString('base64url');
      codes.set(code, { clientId, redirectUri, challenge, nonce: q.get('nonce'), sub: provider.login.sub, claims: provider.login.claims ?? {} });
      back.searchParams.set('code', code);
      back.searchParams.set('iss', issuer);
    }
    res.writeHead(302, { location: back.href }).end();
  }
  async function token(req: IncomingMessage, res: ServerResponse) {
    const origin = req.headers.origin;
    if (origin && options.appOrigins?.includes(origin)) res.setHeader('access-control-allow-origin', origin);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type' }).end();
      return;
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    const form = new URLSearchParams(body);
    const code = form.get('code') ?? '';
    const pending = codes.get(code);
    codes.delete(code); // a code is good once
    if (req.method !== 'POST' || form.get('grant_type') !== 'authorization_code') return oauthError(res, 'unsupported_grant_type', 'POST grant_type=authorization_code');
    if (!pending) return oauthError(res, 'invalid_grant', 'unknown or used code');
    if (form.get('client_id') !== pending.clientId || form.get('redirect_uri') !== pending.redirectUri) return oauthError(res, 'invalid_grant', 'client_id or redirect_uri differ from the authorization request');
    const verifier = form.get('code_verifier') ?? '';
    if (createHash('sha256').update(verifier).digest('base64url') !== pending.challenge) return oauthError(res, 'invalid_grant', 'the PKCE code_verifier does not match the code_challenge');
    const nonce = provider.tamper.nonce ?? pending.nonce;
    const idToken = await provider.sign({ sub: pending.sub, ...pending.claims, ...(nonce === null ? {} : { nonce }) }, { aud: pending.clientId });
    const accessToken = await provider.sign({ sub: pending.sub, client_id: pending.clientId, scope: 'openid' });
    provider.tokenResults.push('ok');
    res.setHeader('cache-control', 'no-store');
    res.end(JSON.stringify({ id_token: idToken, access_token: accessToken, token_type: 'Bearer', expires_in: 600 }));
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider: OidcProvider = {
    issuer,
    audience,
    clientId,
    login: { sub: 'oidc-user' },
    tamper: {},
    tokenResults: [],
    keys: { rsa: rsa.privateKey, ec: ec.privateKey, stranger: stranger.privateKey, rsaPublicJwk },
    jwksRequests: () => jwksRequests,
    sign(claims, o = {}) {
      const now = Math.floor(Date.now() / 1000);
      let j = new SignJWT({ ...claims })
        .setProtectedHeader({ alg: o.alg ?? 'RS256', kid: o.kid ?? 'rsa-1' })
        .setIssuer(o.iss ?? issuer)
        .setIssuedAt(now)
        .setExpirationTime(o.exp ?? now + 600);
      if (o.aud !== null) j = j.setAudience(o.aud ?? audience);
      return j.sign(o.key ?? rsa.privateKey);
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return provider;
}
