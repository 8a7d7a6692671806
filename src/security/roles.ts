import { EchoError } from '../errors/catalogue.ts';
import type { Role } from '../ports/catalog.ts';

/** Roles per project, each including the one below: viewer reads; uploader also uploads and retries; admin also manages tokens. */
export const ROLES: readonly Role[] = ['viewer', 'uploader', 'admin'];

const RANK: Record<Role, number> = { viewer: 0, uploader: 1, admin: 2 };

export function isRole(v: unknown): v is Role {
  return typeof v === 'string' && v in RANK;
}

/** `v` as a role, or BAD_REQUEST naming it and the roles accepted. */
export function checkRole(v: string): Role {
  if (!isRole(v)) throw new EchoError('BAD_REQUEST', `role ${JSON.stringify(v)} is not accepted; accepted: ${ROLES.join(', ')}`);
  return v;
}

/** Whether `held` includes what `needed` allows. */
export function roleAllows(held: Role, needed: Role): boolean {
  return RANK[held] >= RANK[needed];
}

/** The higher of two roles. */
export function higherRole(a: Role, b: Role): Role {
  return RANK[a] >= RANK[b] ? a : b;
}

/** Project ids: lower-case letters, digits, `-` and `_`, starting with a letter or digit, at most 63. */
export const PROJECT_ID_PATTERN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
