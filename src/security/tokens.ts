import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Catalog, Role } from '../ports/catalog.ts';
import { type OidcVerifier, refusal } from './oidc.ts';

export const DEFAULT_PROJECT = { id: 'default', name: 'Default project' };

/** Opaque API tokens: 256 random bits, shown once, stored only as their sha256. */
export function generateToken(): string {
  return `ec_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface Principal {
  projectId: string;
  role: Role;
  /** Who, in the audit trail: a token id, `env-admin` or `oidc:<sub>`. */
  tokenId: string;
  /** How the caller authenticated. */
  method?: 'token' | 'env-admin' | 'oidc';
}

/** A compact JWS (header.payload.signature), told apart from opaque `ec_` tokens by its shape. */
const JWT_SHAPE = /^Bearer ([A-Za-z0-9_-]{4,4096}\.[A-Za-z0-9_-]{4,8192}\.[A-Za-z0-9_-]{0,4096})$/;

export interface AuthHints {
  /** The project an OIDC subject with roles in several projects acts in (`X-Echo-Project`). */
  project?: string | undefined;
}

export type Authenticate = (header: string | undefined, hints?: AuthHints) => Promise<Principal>;

/**
 * Resolves a bearer token to a principal: an OIDC JWT when OIDC is configured (see oidc.ts), the configured
 * admin token (compared in constant time), or a stored token that is neither expired nor revoked. Anything
 * else is ECHO_ERR_UNAUTHORIZED, with the same message whatever was wrong, so a caller cannot probe which
 * tokens exist; `details.reason` says why, for the audit trail only.
 */
export function createAuthenticator(catalog: Catalog, configuredAdminToken: string | null, oidc: OidcVerifier | null = null, clock: () => number = Date.now): Authenticate {
  const adminHash = configuredAdminToken ? Buffer.from(hashToken(configuredAdminToken), 'hex') : null;
  return async function authenticate(header, hints = {}) {
    if (!header) throw refusal('missing');
    const match = /^Bearer ([A-Za-z0-9._~+/=-]{16,512})$/.exec(header.trim());
    const hash = match ? hashToken(match[1]!) : null;
    if (hash && adminHash && timingSafeEqual(adminHash, Buffer.from(hash, 'hex'))) {
      return { projectId: DEFAULT_PROJECT.id, role: 'admin', tokenId: 'env-admin', method: 'env-admin' };
    }
    const jwt = oidc ? JWT_SHAPE.exec(header.trim()) : null;
    if (jwt && oidc) return oidc(jwt[1]!, hints);
    if (!hash) throw refusal('malformed');
    const stored = await catalog.findTokenByHash(hash);
    if (!stored) throw refusal('unknown');
    if (stored.revokedAt !== null) throw refusal(`revoked:${stored.id}`);
    if (stored.expiresAt !== null && stored.expiresAt <= clock()) throw refusal(`expired:${stored.id}`);
    return { projectId: stored.projectId, role: stored.role, tokenId: stored.id, method: 'token' };
  };
}
