import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { EchoError } from '../errors/catalogue.ts';
import type { Catalog, Role } from '../ports/catalog.ts';

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
  tokenId: string;
}

/**
 * Resolves a bearer token to a principal: the configured admin token (compared in constant time), or a
 * stored token that is neither expired nor revoked. Anything else is ECHO_ERR_UNAUTHORIZED, with the same
 * message whatever was wrong, so a caller cannot probe which tokens exist.
 */
export function createAuthenticator(catalog: Catalog, configuredAdminToken: string | null) {
  const adminHash = configuredAdminToken ? Buffer.from(hashToken(configuredAdminToken), 'hex') : null;
  const refuse = () => new EchoError('UNAUTHORIZED', 'a valid bearer token is required: send `Authorization: Bearer <token>`');
  return async function authenticate(header: string | undefined, now = Date.now()): Promise<Principal> {
    const match = header ? /^Bearer ([A-Za-z0-9._~+/=-]{16,512})$/.exec(header.trim()) : null;
    if (!match) throw refuse();
    const hash = hashToken(match[1]!);
    if (adminHash && timingSafeEqual(adminHash, Buffer.from(hash, 'hex'))) {
      return { projectId: DEFAULT_PROJECT.id, role: 'admin', tokenId: 'env-admin' };
    }
    const stored = await catalog.findTokenByHash(hash);
    if (!stored || stored.revokedAt !== null || (stored.expiresAt !== null && stored.expiresAt <= now)) throw refuse();
    return { projectId: stored.projectId, role: stored.role, tokenId: stored.id };
  };
}
