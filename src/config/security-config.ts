import { resolve } from 'node:path';
import { bad, type Env, integer, oneOf, raw } from './parse.ts';
import { SETTINGS, type Setting } from './schema.ts';

/** The security settings (authentication, transport, rate limits, audit), validated; part of Config. */
export interface SecurityConfig {
  oidc: OidcConfig | null;
  tls: { certFile: string; keyFile: string } | null;
  corsOrigins: string[];
  authFailureLimit: number;
  uploadRateLimit: number;
  rateLimitWindowSeconds: number;
  auditKey: string | null;
}

export interface OidcConfig {
  issuer: string;
  audience: string;
  /** null: from the issuer's discovery document. */
  jwksUrl: string | null;
  algorithms: string[];
  rolesClaim: string | null;
  /** The web app's sign-in (Authorization Code + PKCE, public client). */
  web: { clientId: string; scopes: string; token: 'id_token' | 'access_token' };
}

/** Asymmetric JWS algorithms only: a symmetric (HS*) key would be a shared secret, `none` no signature. */
export const ASYMMETRIC_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** https, or http on a loopback address (for tests and a local identity provider). */
function secureUrl(s: Setting, v: string): string {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw bad(s, v, 'an https:// URL');
  }
  if (u.protocol === 'https:' || (u.protocol === 'http:' && LOOPBACK.has(u.hostname))) return v;
  throw bad(s, v, 'an https:// URL (http:// only on a loopback address)');
}

function list(v: string | null): string[] {
  return (v ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

function oidc(env: Env): OidcConfig | null {
  const issuer = raw(env, SETTINGS.oidcIssuer);
  const audience = raw(env, SETTINGS.oidcAudience);
  const jwks = raw(env, SETTINGS.oidcJwksUrl);
  if (!issuer) {
    if (audience || jwks) throw bad(SETTINGS.oidcIssuer, '', 'an issuer URL when ECHO_CLOUD_OIDC_AUDIENCE or ECHO_CLOUD_OIDC_JWKS_URL is set');
    return null;
  }
  secureUrl(SETTINGS.oidcIssuer, issuer);
  if (!audience) throw bad(SETTINGS.oidcAudience, '', 'the audience (client id or API identifier) JWTs of ECHO_CLOUD_OIDC_ISSUER must carry');
  const algorithms = list(raw(env, SETTINGS.oidcAlgorithms));
  const refused = algorithms.filter((a) => !(ASYMMETRIC_ALGORITHMS as readonly string[]).includes(a));
  if (algorithms.length === 0 || refused.length > 0) {
    throw bad(SETTINGS.oidcAlgorithms, algorithms.join(','), `a comma-separated list of ${ASYMMETRIC_ALGORITHMS.join(', ')}${refused.length ? ` (refused: ${refused.join(', ')})` : ''}`);
  }
  return { issuer, audience, jwksUrl: jwks ? secureUrl(SETTINGS.oidcJwksUrl, jwks) : null, algorithms, rolesClaim: raw(env, SETTINGS.oidcRolesClaim), web: webSignIn(env, audience) };
}

function webSignIn(env: Env, audience: string): OidcConfig['web'] {
  const clientId = raw(env, SETTINGS.oidcClientId) ?? audience;
  const scopes = (raw(env, SETTINGS.oidcScopes) as string).trim().split(/\s+/);
  if (!scopes.includes('openid')) throw bad(SETTINGS.oidcScopes, scopes.join(' '), 'space-separated scopes including `openid`');
  const wanted = oneOf<'auto' | 'id_token' | 'access_token'>(env, SETTINGS.oidcWebToken);
  const token = wanted === 'auto' ? (clientId === audience ? 'id_token' : 'access_token') : wanted;
  return { clientId, scopes: scopes.join(' '), token };
}

export function loadSecurityConfig(env: Env): SecurityConfig {
  const cert = raw(env, SETTINGS.tlsCert);
  const key = raw(env, SETTINGS.tlsKey);
  if ((cert === null) !== (key === null)) {
    const missing = cert === null ? SETTINGS.tlsCert : SETTINGS.tlsKey;
    throw bad(missing, '', 'a PEM file path: ECHO_CLOUD_TLS_CERT and ECHO_CLOUD_TLS_KEY are set together');
  }
  const origins = list(raw(env, SETTINGS.corsOrigins));
  for (const o of origins) {
    let u: URL | null = null;
    try {
      u = new URL(o);
    } catch {}
    if (!u || u.origin !== o) throw bad(SETTINGS.corsOrigins, o, 'origins such as https://app.example.org (scheme, host and port; no path or trailing slash)');
  }
  const auditKey = raw(env, SETTINGS.auditKey);
  if (auditKey !== null && auditKey.length < 32) throw bad(SETTINGS.auditKey, auditKey, 'at least 32 characters');
  return {
    oidc: oidc(env),
    tls: cert && key ? { certFile: resolve(cert), keyFile: resolve(key) } : null,
    corsOrigins: origins,
    authFailureLimit: integer(env, SETTINGS.authFailureLimit),
    uploadRateLimit: integer(env, SETTINGS.uploadRateLimit),
    rateLimitWindowSeconds: integer(env, SETTINGS.rateLimitWindowSeconds),
    auditKey,
  };
}
