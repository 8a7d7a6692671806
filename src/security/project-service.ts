import { EchoError } from '../errors/catalogue.ts';
import type { Catalog, Grant, Project } from '../ports/catalog.ts';
import { isRole, PROJECT_ID_PATTERN, ROLES } from './roles.ts';

/** Creates a project (idempotent: an existing one is returned with created: false). */
export async function createProject(catalog: Catalog, id: string, name: string | null): Promise<{ project: Project; created: boolean }> {
  if (!PROJECT_ID_PATTERN.test(id)) throw new EchoError('BAD_REQUEST', `project id ${JSON.stringify(id)} is not accepted: 1 to 63 lower-case letters, digits, - and _`);
  const existing = await catalog.getProject(id);
  if (existing) return { project: existing, created: false };
  return { project: await catalog.ensureProject(id, name?.trim() || id), created: true };
}

/** `sub:<sub claim>` or `email:<address>` (matched only against a verified email claim). */
export function grantSubject(kind: 'sub' | 'email', value: string): string {
  const v = value.trim();
  if (v.length === 0 || v.length > 300) throw new EchoError('BAD_REQUEST', `the ${kind} of a grant must be 1 to 300 characters`);
  if (kind === 'email' && !/^[^@\s]+@[^@\s]+$/.test(v)) throw new EchoError('BAD_REQUEST', `${JSON.stringify(v)} is not an email address`);
  return kind === 'email' ? `email:${v.toLowerCase()}` : `sub:${v}`;
}

/** Gives an OIDC subject a role in a project (replacing a previous role there). */
export async function grantRole(catalog: Catalog, projectId: string, subject: string, role: string): Promise<Grant> {
  if (!isRole(role)) throw new EchoError('BAD_REQUEST', `role ${JSON.stringify(role)} is not accepted; accepted: ${ROLES.join(', ')}`);
  if (!(await catalog.getProject(projectId))) throw new EchoError('NOT_FOUND', `no project ${projectId}; create it with echo-cloud project create`);
  const grant: Grant = { projectId, subject, role, createdAt: Date.now() };
  await catalog.putGrant(grant);
  return grant;
}
