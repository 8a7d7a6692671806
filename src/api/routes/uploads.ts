import { join } from 'node:path';
import { type Readable, Stream } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import { EchoError } from '../../errors/catalogue.ts';
import { ingestUpload } from '../../ingest/ingest-upload.ts';
import { createUploadSessions } from '../../ingest/upload-sessions.ts';
import type { AppDeps } from '../build-app.ts';
import { errorResponses } from '../schemas.ts';
import { uploadAnswer } from './clips.ts';
import { principal } from './caller.ts';

/** Largest chunk one PUT may carry, and how long an untouched session is kept. */
export const MAX_CHUNK_BYTES = 16 * 1024 * 1024;
export const MAX_IDLE_MS = 24 * 3600 * 1000;

const security = [{ bearer: [] }];
const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^upload_[a-z0-9]{8,40}$' } } } as const;
const sessionSchema = {
  type: 'object',
  required: ['id', 'name', 'size', 'offset'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    size: { type: 'integer', description: 'Declared size of the whole file (bytes)' },
    offset: { type: 'integer', description: 'Bytes received so far: where the next chunk starts' },
    chunk_size: { type: 'integer', description: 'Largest chunk one PUT may carry' },
    study: { type: ['string', 'null'] },
  },
} as const;

/**
 * Resumable uploads for large files: create a session, PUT chunks in order (`Upload-Offset` header =
 * bytes received so far), ask `GET` where to resume after a broken connection, then `complete`: the file
 * takes the same ingest path as `POST /v1/clips` and answers the same way.
 */
export const uploadRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const sessions = createUploadSessions({
    dir: join(deps.ingest.spoolDir, '..', 'resumable'),
    maxUploadBytes: deps.maxUploadBytes,
    maxChunkBytes: MAX_CHUNK_BYTES,
    maxIdleMs: MAX_IDLE_MS,
  });
  const view = (s: { id: string; name: string; size: number; offset: number; study: string | null }) => ({
    id: s.id,
    name: s.name,
    size: s.size,
    offset: s.offset,
    study: s.study,
    chunk_size: MAX_CHUNK_BYTES,
  });
  // Chunks are raw bytes, streamed to disk as they arrive (never parsed or held whole).
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));

  app.post(
    '/uploads',
    {
      config: { role: 'uploader', audit: 'upload.start', uploadLimited: true },
      schema: {
        summary: 'Start a resumable upload of one file (for large files; small ones can use POST /v1/clips)',
        security,
        body: {
          type: 'object',
          required: ['name', 'size'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 255 }, size: { type: 'integer', minimum: 0 }, study: { type: 'string', maxLength: 200 } },
        },
        response: { 201: sessionSchema, 413: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = principal(request);
      const body = request.body as { name: string; size: number; study?: string };
      const s = await sessions.create({ projectId: p.projectId, name: body.name, size: body.size, study: body.study ?? null });
      reply.status(201);
      return view(s);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/uploads/:id',
    { config: { role: 'uploader', audit: 'upload.status' }, schema: { summary: 'A resumable upload: how many bytes arrived (resume from `offset`)', security, params: idParams, response: { 200: sessionSchema, ...errorResponses } } },
    async (request) => view(await sessions.status(request.params.id, principal(request).projectId)),
  );

  app.put<{ Params: { id: string } }>(
    '/uploads/:id',
    {
      config: { role: 'uploader', audit: 'upload.chunk' },
      schema: {
        summary: 'Append one chunk (body: application/octet-stream) starting at the `Upload-Offset` header',
        security,
        params: idParams,
        consumes: ['application/octet-stream'],
        headers: { type: 'object', required: ['upload-offset'], properties: { 'upload-offset': { type: 'integer', minimum: 0 } } },
        response: { 200: sessionSchema, 409: { $ref: 'Error#' }, 413: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (request) => {
      const p = principal(request);
      const body = request.body as Readable | undefined;
      if (!(body instanceof Stream)) {
        // No body reached the octet-stream parser (an empty request, or one another parser read as text
        // or JSON): name the session's state first, so another project's session still answers 404.
        await sessions.status(request.params.id, p.projectId);
        if (body === undefined || body === null) throw new EchoError('BAD_REQUEST', 'no chunk arrived: send the bytes as the request body with content-type application/octet-stream');
        throw new EchoError('BAD_REQUEST', `a chunk is raw bytes: send it with content-type application/octet-stream (got ${String(request.headers['content-type']).slice(0, 100)})`);
      }
      try {
        return view(await sessions.append(request.params.id, p.projectId, Number(request.headers['upload-offset']), body));
      } catch (err) {
        // Drain what the client is still sending, or it never reads the error answer.
        if (!body.readableEnded) body.resume();
        throw err;
      }
    },
  );

  app.post<{ Params: { id: string } }>(
    '/uploads/:id/complete',
    {
      config: { role: 'uploader', audit: 'clip.upload' },
      schema: {
        summary: 'Finish a resumable upload once every byte is in: ingests the file like POST /v1/clips',
        security,
        params: idParams,
        response: { 202: { oneOf: [{ $ref: 'Clip#' }, { $ref: 'StudyUpload#' }] }, 409: { $ref: 'Error#' }, 413: { $ref: 'Error#' }, 415: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = principal(request);
      const outcome = await sessions.complete(request.params.id, p.projectId, (s, body) =>
        ingestUpload(deps.ingest, { name: s.name, body, source: 'http', projectId: p.projectId, study: s.study }),
      );
      reply.status(202);
      return uploadAnswer(deps, outcome);
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/uploads/:id',
    { config: { role: 'uploader', audit: 'upload.cancel' }, schema: { summary: 'Abandon a resumable upload and drop its bytes', security, params: idParams, response: { 204: { type: 'null' }, ...errorResponses } } },
    async (request, reply) => {
      await sessions.cancel(request.params.id, principal(request).projectId);
      reply.status(204);
    },
  );
};
