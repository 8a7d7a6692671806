import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../build-app.ts';

/** Unauthenticated system routes: health, the OpenAPI document, Prometheus metrics (no patient data). */
export const systemRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get(
    '/healthz',
    {
      schema: {
        hide: true,
        response: { 200: { type: 'object', properties: { status: { type: 'string' }, version: { type: 'string' } } } },
      },
    },
    async () => ({ status: 'ok', version: deps.version }),
  );
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });
};
