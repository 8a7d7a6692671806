import multipart from '@fastify/multipart';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { UploadDeps } from '../ingest/ingest-upload.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { SecurityConfig } from '../config/security-config.ts';
import type { AuditLog } from '../security/audit/audit-log.ts';
import type { Authenticate, Principal } from '../security/tokens.ts';
import { createWebSignIn } from '../security/web-sign-in.ts';
import { clientErrorHandler, frameworkErrors, MAX_PARAM_LENGTH, registerErrorHandling } from './error-handler.ts';
import type { Metrics } from './metrics.ts';
import { authConfigRoutes } from './routes/auth-config.ts';
import { clipRoutes } from './routes/clips.ts';
import { eventRoutes } from './routes/events.ts';
import { frameRoutes } from './routes/frames.ts';
import { directOrigins, presignRoutes } from './routes/presign.ts';
import { systemRoutes } from './routes/system.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { uploadRoutes } from './routes/uploads.ts';
import { webRoutes } from './routes/web.ts';
import { clipSchema, errorSchema, resultDocumentSchema, studyUploadSchema } from './schemas.ts';
import { installAccessControl } from './security/access-control.ts';
import { registerRateLimits } from './security/rate-limits.ts';
import { registerTransportSecurity } from './security/transport.ts';

export interface AppDeps {
  catalog: Catalog;
  store: ObjectStore;
  queue: JobQueue;
  ingest: UploadDeps;
  authenticate: Authenticate;
  metrics: Metrics;
  logger: FastifyBaseLogger;
  maxUploadBytes: number;
  version: string;
  audit: AuditLog;
  security: SecurityConfig;
  /** PEM certificate and key: the server speaks HTTPS only. */
  https?: { cert: Buffer; key: Buffer } | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** Builds the HTTP app (routes, schemas, auth, errors); the caller decides whether to listen. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    bodyLimit: 1024 * 1024,
    requestIdHeader: 'x-request-id',
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array' } },
    ...(deps.https ? { https: deps.https } : {}),
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler,
  });
  registerErrorHandling(app);
  const signIn = deps.security.oidc ? createWebSignIn(deps.security.oidc) : null;
  await registerTransportSecurity(app, deps.security.corsOrigins, [...(signIn?.connectSources() ?? []), ...(await directOrigins(deps.store, deps.logger))]);
  const limits = await registerRateLimits(app, {
    authFailures: deps.security.authFailureLimit,
    uploads: deps.security.uploadRateLimit,
    windowSeconds: deps.security.rateLimitWindowSeconds,
  });
  app.decorateRequest('principal', null);
  for (const schema of [errorSchema, clipSchema, studyUploadSchema, resultDocumentSchema]) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'EchoCloud API', version: deps.version, description: 'Upload echocardiogram cines and read the deployed model results.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  // preservePath: the client's file name arrives as sent, so a path-traversal name is refused, not silently cut.
  await app.register(multipart, { preservePath: true, limits: { fileSize: deps.maxUploadBytes + 1, files: 1, fields: 5, parts: 8, fieldSize: 4096 } });

  await app.register(systemRoutes, { deps });
  await app.register(
    async (v1) => {
      installAccessControl(v1, { authenticate: deps.authenticate, audit: deps.audit, limits });
      await v1.register(clipRoutes, { deps });
      await v1.register(tokenRoutes, { deps });
      await v1.register(frameRoutes, { deps });
      await v1.register(eventRoutes, { deps });
      await v1.register(uploadRoutes, { deps });
      await v1.register(presignRoutes, { deps });
    },
    { prefix: '/v1' },
  );
  await app.register(authConfigRoutes, { signIn });
  await app.register(webRoutes);
  return app;
}
