import type { FastifyPluginAsync } from 'fastify';
import { issueToken, listTokenInfo, MAX_TOKEN_DAYS, revokeProjectToken } from '../../security/token-service.ts';
import type { AppDeps } from '../build-app.ts';
import { errorResponses } from '../schemas.ts';
import { principal } from './caller.ts';

const security = [{ bearer: [] }];
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^tok_[a-z0-9]{8,40}$' } } } as const;
const tokenInfo = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    project: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'uploader', 'viewer'] },
    label: { type: 'string' },
    state: { type: 'string', enum: ['active', 'expired', 'revoked'] },
    created_at: { type: 'string', format: 'date-time' },
    expires_at: { type: ['string', 'null'], format: 'date-time' },
    revoked_at: { type: ['string', 'null'], format: 'date-time' },
  },
} as const;

/** API tokens of the caller's project (admin role): list, issue (shown once), revoke. */
export const tokenRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const config = (audit: string) => ({ role: 'admin' as const, audit });

  app.get(
    '/tokens',
    {
      config: config('token.list'),
      schema: { summary: 'API tokens of the caller’s project (admin)', security, response: { 200: { type: 'object', properties: { tokens: { type: 'array', items: tokenInfo } } }, ...errorResponses } },
    },
    async (request) => ({ tokens: await listTokenInfo(deps.catalog, principal(request).projectId) }),
  );

  app.post(
    '/tokens',
    {
      config: config('token.create'),
      schema: {
        summary: 'Issue an API token in the caller’s project (admin); the token is in this answer only',
        security,
        body: {
          type: 'object',
          required: ['role', 'label'],
          additionalProperties: false,
          properties: {
            role: { type: 'string', enum: ['admin', 'uploader', 'viewer'] },
            label: { type: 'string', minLength: 1, maxLength: 200 },
            expires_in_days: { type: ['integer', 'null'], minimum: 1, maximum: MAX_TOKEN_DAYS },
          },
        },
        response: { 201: { type: 'object', properties: { token: { type: 'string' }, ...tokenInfo.properties } }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as { role: string; label: string; expires_in_days?: number | null };
      const { token, info } = await issueToken(deps.catalog, { projectId: principal(request).projectId, role: body.role, label: body.label, expiresInDays: body.expires_in_days ?? null });
      reply.status(201).header('cache-control', 'no-store');
      return { token, ...info };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/tokens/:id',
    { config: config('token.revoke'), schema: { summary: 'Revoke an API token of the caller’s project (admin)', security, params: idParams, response: { 204: { type: 'null' }, ...errorResponses } } },
    async (request, reply) => {
      await revokeProjectToken(deps.catalog, request.params.id, principal(request).projectId);
      reply.status(204);
    },
  );
};
