import { EchoError } from '../errors/catalogue.ts';
import type { Catalog, Grant, Project } from '../ports/catalog.ts';
import { checkRole, PROJECT_ID_PATTERN } from './roles.ts';

/** The project, or NOT_FOUND saying how to create it. */
export async function requireProject(catalog: Catalog, id: string): Promise<Project> {
  const project = await catalog.getProject(id);
  if (!project) throw new EchoError('NOT_FOUND', `no project ${id}; create it with echo-cloud project create`);
  return project;
}

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
  const checked = checkRole(role);
  await requireProject(catalog, projectId);
  const grant: Grant = { projectId, subject, role: checked, createdAt: Date.now() };
  await catalog.putGrant(grant);
  return grant;
}
