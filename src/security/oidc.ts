import { createRemoteJWKSet, errors as joseErrors, type JWTPayload, jwtVerify } from 'jose';
import type { OidcConfig } from '../config/security-config.ts';
import { EchoError } from '../errors/catalogue.ts';
import type { Catalog, Role } from '../ports/catalog.ts';
import { fetchDiscovery } from './oidc-discovery.ts';
import { higherRole, isRole, PROJECT_ID_PATTERN } from './roles.ts';
import type { Principal } from './tokens.ts';

/** `echo:<project>:<role>` in the roles claim (a Cognito group, a Keycloak/Entra group or app role). */
const CLAIM_ROLE = /^echo:([a-z0-9][a-z0-9_-]{0,62}):(admin|uploader|viewer)$/;

export type OidcVerifier = (jwt: string, hints: { project?: string | undefined }) => Promise<Principal>;

/** A refusal the client sees as the same 401 whatever went wrong; `reason` goes only to the audit trail. */
export function refusal(reason: string): EchoError {
  return new EchoError('UNAUTHORIZED', 'a valid bearer token is required: send `Authorization: Bearer <token>`', { details: { reason } });
}

/**
 * The issuer's key set. Default: `jwks_uri` from the discovery document `<issuer>/.well-known/openid-configuration`
 * (Cognito, Keycloak and Entra ID all publish one; their key URLs differ), whose `issuer` must equal the
 * configured one. Looked up on first use and again after a failure; jose caches the keys and refetches them
 * when a token names an unknown `kid` (key rotation), at most every 30 s.
 */
function keySet(config: OidcConfig) {
  let pending: Promise<ReturnType<typeof createRemoteJWKSet>> | null = null;
  const discover = async () => {
    let uri = config.jwksUrl;
    if (!uri) {
      const doc = await fetchDiscovery(config.issuer);
      if (typeof doc.jwks_uri !== 'string') throw new Error(`the discovery document of ${config.issuer} has no jwks_uri`);
      uri = doc.jwks_uri;
    }
    return createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000, cooldownDuration: 30_000, cacheMaxAge: 10 * 60_000 });
  };
  return () => {
    pending ??= discover().catch((err) => {
      pending = null;
      throw err;
    });
    return pending;
  };
}

function audienceMatches(payload: JWTPayload, audience: string): boolean {
  if (payload.aud !== undefined) return (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).includes(audience);
  // Cognito access tokens carry the app client in `client_id` and have no `aud`.
  return payload.client_id === audience;
}

function claimValues(payload: JWTPayload, claim: string | null): string[] {
  if (!claim) return [];
  const v = payload[claim];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
  return typeof v === 'string' ? v.split(/[\s,]+/) : [];
}

/**
 * Validates OIDC bearer JWTs (signature by the issuer's JWKS, allowed algorithm, `iss`, audience, `exp`,
 * `nbf`) and maps the subject to one project and role: project grants stored in the catalog for
 * `sub:<sub>` (and `email:<email>` when the token says the email is verified), plus `echo:<project>:<role>`
 * values of the roles claim. A subject with several projects names one in the `X-Echo-Project` header.
 */
export function createOidcVerifier(config: OidcConfig, catalog: Catalog): OidcVerifier {
  const keys = keySet(config);
  return async (jwt, hints) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, await keys(), { issuer: config.issuer, algorithms: config.algorithms, clockTolerance: 30, requiredClaims: ['sub', 'exp'] }));
    } catch (err) {
      const code = err instanceof joseErrors.JOSEError ? err.code : 'ERR_OIDC_KEYS_UNAVAILABLE';
      throw refusal(`oidc:${code}`);
    }
    if (!audienceMatches(payload, config.audience)) throw refusal('oidc:ERR_JWT_AUDIENCE');
    const sub = payload.sub!;
    const subjects = [`sub:${sub}`];
    if (typeof payload.email === 'string' && payload.email_verified === true) subjects.push(`email:${payload.email.toLowerCase()}`);
    const roles = new Map<string, Role>();
    const grant = (project: string, role: Role) => roles.set(project, roles.has(project) ? higherRole(roles.get(project)!, role) : role);
    for (const g of await catalog.findGrants(subjects)) if (isRole(g.role)) grant(g.projectId, g.role);
    for (const v of claimValues(payload, config.rolesClaim)) {
      const m = CLAIM_ROLE.exec(v);
      if (m) grant(m[1]!, m[2] as Role);
    }
    const actor = `oidc:${sub}`;
    const wanted = hints.project;
    if (wanted !== undefined) {
      const role = PROJECT_ID_PATTERN.test(wanted) ? roles.get(wanted) : undefined;
      if (!role) throw new EchoError('FORBIDDEN', `${actor} has no role in project ${JSON.stringify(wanted)} (X-Echo-Project)`);
      return { projectId: wanted, role, tokenId: actor, method: 'oidc' };
    }
    if (roles.size === 1) {
      const [projectId, role] = [...roles][0]!;
      return { projectId, role, tokenId: actor, method: 'oidc' };
    }
    if (roles.size === 0) throw new EchoError('FORBIDDEN', `${actor} has no project: grant one with echo-cloud project grant, or a ${config.rolesClaim ?? 'roles'} claim echo:<project>:<role>`);
    throw new EchoError('BAD_REQUEST', `${actor} has roles in several projects: name one in the X-Echo-Project header (${[...roles.keys()].join(', ')})`);
  };
}
