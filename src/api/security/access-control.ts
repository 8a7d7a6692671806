import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EchoError, isEchoError } from '../../errors/catalogue.ts';
import type { Role } from '../../ports/catalog.ts';
import type { AuditLog } from '../../security/audit/audit-log.ts';
import { roleAllows } from '../../security/roles.ts';
import type { Authenticate } from '../../security/tokens.ts';
import type { RateLimits } from './rate-limits.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role a caller needs in its project. A /v1 route that does not say is admin-only. */
    role?: Role;
    /** The action recorded in the audit trail (default `<METHOD> <route>`). */
    audit?: string;
    /** Counted against ECHO_CLOUD_UPLOAD_RATE_LIMIT. */
    uploadLimited?: boolean;
  }
  interface FastifyRequest {
    /** Why authentication failed (audit trail only), or null. */
    authFailure: string | null;
  }
}

export interface AccessControlDeps {
  authenticate: Authenticate;
  audit: AuditLog;
  limits: RateLimits;
}

/** The id of the object a request touched: the `:id` route parameter, else the `clip_id`/`study_id`/`id` it answered with. */
function objectOf(request: FastifyRequest, payload: unknown): string | null {
  const id = (request.params as { id?: unknown } | undefined)?.id;
  if (typeof id === 'string') return id.slice(0, 200);
  if (typeof payload !== 'string' || payload.length > 65_536 || !payload.startsWith('{')) return null;
  try {
    const body = JSON.parse(payload) as { id?: unknown; clip_id?: unknown; study_id?: unknown; clips?: { id?: unknown }[] };
    // A presigned upload names the clip it will become (clip_id) and may name a study too.
    if (typeof body.clip_id === 'string') return body.clip_id;
    if (typeof body.study_id === 'string') return `${body.study_id} (${(body.clips ?? []).map((c) => c.id).join(' ')})`.slice(0, 2000);
    return typeof body.id === 'string' ? body.id : null;
  } catch {
    return null;
  }
}

function errorCodeOf(payload: unknown): string | null {
  if (typeof payload !== 'string' || !payload.startsWith('{"error"')) return null;
  try {
    return (JSON.parse(payload) as { error: { code: string } }).error.code;
  } catch {
    return null;
  }
}

/**
 * Authentication, authorisation and audit for every route of one scope (/v1), by hooks, so a route added
 * later is covered without doing anything:
 * - deny by default: a route that declares no `config.role` needs the admin role;
 * - onRequest: refuse addresses over the failed-authentication limit, authenticate, check the role,
 *   count uploads;
 * - onSend: one audit entry per request (who, what, which object, from where, outcome), written before
 *   the response leaves; if it cannot be written the caller gets a 500 instead of the data.
 */
export function installAccessControl(scope: FastifyInstance, deps: AccessControlDeps): void {
  scope.decorateRequest('authFailure', null);
  scope.addHook('onRoute', (route) => {
    const role = route.config?.role ?? 'admin';
    route.config = { ...route.config, role };
    // Say the role in /openapi.json too (in place: @fastify/swagger already holds this schema object).
    const schema = route.schema as { hide?: boolean; description?: string; 'x-echo-role'?: Role } | undefined;
    if (schema && !schema.hide && schema['x-echo-role'] === undefined) {
      schema.description = `${schema.description ? `${schema.description} ` : ''}Needs the ${role} role in the caller's project.`;
      schema['x-echo-role'] = role;
    }
  });

  scope.addHook('onRequest', async (request, reply) => {
    deps.limits.refuseIfBlocked(request, reply);
    try {
      const project = request.headers['x-echo-project'];
      request.principal = await deps.authenticate(request.headers.authorization, { project: typeof project === 'string' ? project : undefined });
    } catch (err) {
      if (isEchoError(err, 'UNAUTHORIZED')) {
        request.authFailure = String(err.details?.reason ?? 'refused');
        // A request without credentials is not a guess (a browser before sign-in): only wrong ones count.
        if (request.authFailure !== 'missing') throw (await deps.limits.failedAuthentication(request, reply)) ?? err;
      }
      throw err;
    }
    const needed = request.routeOptions.config.role ?? 'admin';
    if (!roleAllows(request.principal.role, needed)) {
      throw new EchoError('FORBIDDEN', `this token has the ${request.principal.role} role in project ${request.principal.projectId}; ${request.method} ${request.routeOptions.url} needs ${needed}`);
    }
    if (request.routeOptions.config.uploadLimited) await deps.limits.upload(request, reply);
  });

  scope.addHook('onSend', async (request, reply: FastifyReply, payload) => {
    const p = request.principal;
    const route = `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`;
    const code = reply.statusCode >= 400 ? errorCodeOf(payload) : null;
    const detail = request.authFailure !== null ? `${request.authFailure}; ${route}` : [p ? `auth=${p.method ?? 'token'}` : null, code].filter(Boolean).join(' ') || null;
    try {
      await deps.audit.record({
        actor: p?.tokenId ?? 'anonymous',
        projectId: p?.projectId ?? null,
        action: request.authFailure !== null ? 'auth.failure' : (request.routeOptions.config.audit ?? route),
        object: objectOf(request, payload),
        ip: request.ip,
        outcome: reply.statusCode,
        detail,
      });
      return payload;
    } catch (err) {
      request.log.error({ err }, 'the audit trail could not be written; the response is withheld');
      const stream = payload as { destroy?: () => void } | null;
      if (stream && typeof stream.destroy === 'function') stream.destroy();
      reply.code(500).header('content-type', 'application/json; charset=utf-8').removeHeader('content-disposition');
      return JSON.stringify({ error: new EchoError('AUDIT_BROKEN', 'the audit trail could not be written, so the response is withheld; see the server log').toJSON() });
    }
  });
}
