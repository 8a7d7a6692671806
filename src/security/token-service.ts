import { EchoError } from '../errors/catalogue.ts';
import type { Catalog, Role, Token } from '../ports/catalog.ts';
import { randomId } from '../util/ids.ts';
import { requireProject } from './project-service.ts';
import { checkRole } from './roles.ts';
import { generateToken, hashToken } from './tokens.ts';

/** What is shown about a token: never its hash, and the token itself only once, when it is issued. */
export interface TokenInfo {
  id: string;
  project: string;
  role: Role;
  label: string;
  state: 'active' | 'expired' | 'revoked';
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function tokenInfo(t: Token, now = Date.now()): TokenInfo {
  return {
    id: t.id,
    project: t.projectId,
    role: t.role,
    label: t.label,
    state: t.revokedAt !== null ? 'revoked' : t.expiresAt !== null && t.expiresAt <= now ? 'expired' : 'active',
    created_at: iso(t.createdAt)!,
    expires_at: iso(t.expiresAt),
    revoked_at: iso(t.revokedAt),
  };
}

export const MAX_TOKEN_DAYS = 3650;

/** Issues an opaque token in a project; the catalog keeps only its sha256. The caller shows `token` once. */
export async function issueToken(
  catalog: Catalog,
  request: { projectId: string; role: string; label: string; expiresInDays: number | null },
  now = Date.now(),
): Promise<{ token: string; info: TokenInfo }> {
  const role = checkRole(request.role);
  const days = request.expiresInDays;
  if (days !== null && (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS)) {
    throw new EchoError('BAD_REQUEST', `expiry ${days} days is not accepted: whole days from 1 to ${MAX_TOKEN_DAYS}, or none`);
  }
  const label = request.label.trim();
  if (label.length === 0 || label.length > 200) throw new EchoError('BAD_REQUEST', 'a token label of 1 to 200 characters is required (who or what uses it)');
  await requireProject(catalog, request.projectId);
  const token = generateToken();
  const record: Token = {
    id: randomId('tok'),
    hash: hashToken(token),
    projectId: request.projectId,
    role,
    label,
    createdAt: now,
    expiresAt: days === null ? null : now + days * 86_400_000,
    revokedAt: null,
  };
  await catalog.createToken(record);
  return { token, info: tokenInfo(record, now) };
}

export async function listTokenInfo(catalog: Catalog, projectId?: string): Promise<TokenInfo[]> {
  const now = Date.now();
  return (await catalog.listTokens(projectId)).map((t) => tokenInfo(t, now));
}

/** Revokes a token of that project; a token of another project, or none, is NOT_FOUND (existence does not leak). */
export async function revokeProjectToken(catalog: Catalog, id: string, projectId: string): Promise<void> {
  const tokens = await catalog.listTokens(projectId);
  const token = tokens.find((t) => t.id === id);
  if (!token) throw new EchoError('NOT_FOUND', `no token ${id}`);
  if (token.revokedAt !== null) return;
  await catalog.revokeToken(id, projectId, Date.now());
}
