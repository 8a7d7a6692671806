import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Security headers on every response (@fastify/helmet: HSTS, nosniff, frame-ancestors, a same-origin CSP,
 * no referrer...), and CORS closed by default: without ECHO_CLOUD_CORS_ORIGINS no Access-Control-* header is
 * ever sent, so browsers refuse cross-origin calls. Listed origins get exactly their own origin back.
 */
export async function registerTransportSecurity(app: FastifyInstance, corsOrigins: readonly string[], connectOrigins: readonly string[] = []): Promise<void> {
  // connectOrigins: where the web app may also send requests (the object store, for presigned uploads).
  const directives: Record<string, string[] | null> = { upgradeInsecureRequests: null };
  if (connectOrigins.length > 0) directives.connectSrc = ["'self'", ...connectOrigins];
  await app.register(helmet, {
    global: true,
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    // Without TLS on the server (local use, or TLS ended at a balancer) `upgrade-insecure-requests` would make
    // browsers fetch the app's own scripts over https from a plain-http origin and fail; HSTS does the upgrading.
    contentSecurityPolicy: { useDefaults: true, directives },
    crossOriginResourcePolicy: { policy: 'same-origin' },
  });
  if (corsOrigins.length === 0) return;
  const allowed = new Set(corsOrigins);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    reply.header('vary', 'Origin');
    if (!origin || !allowed.has(origin)) return;
    reply.header('access-control-allow-origin', origin);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method']) {
      reply
        .header('access-control-allow-methods', 'GET, POST, DELETE')
        .header('access-control-allow-headers', 'authorization, content-type, x-echo-project, x-request-id')
        .header('access-control-max-age', '600')
        .code(204)
        .send();
    }
  });
}
