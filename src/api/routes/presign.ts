import type { FastifyBaseLogger, FastifyPluginAsync } from 'fastify';
import { EchoError } from '../../errors/catalogue.ts';
import { checkDeclaredUpload } from '../../ingest/declared-upload.ts';
import { presignedInputKey } from '../../ingest/presigned-keys.ts';
import type { ObjectStore } from '../../ports/object-store.ts';
import { randomId } from '../../util/ids.ts';
import type { AppDeps } from '../build-app.ts';
import { errorResponses } from '../schemas.ts';
import { clipIdParams, ownClip, principal } from './caller.ts';

/** How long a presigned PUT may be started (S3 checks the expiry when the request begins, not when it ends). */
export const PRESIGN_PUT_SECONDS = 15 * 60;
/** How long a presigned download link works. */
export const PRESIGN_GET_SECONDS = 5 * 60;
/** What presigned uploads are signed for; the browser must send it as the content-type. */
const UPLOAD_CONTENT_TYPE = 'application/octet-stream';

const security = [{ bearer: [] }];

const presignedUploadSchema = {
  type: 'object',
  required: ['clip_id', 'method', 'url', 'headers', 'key', 'expires_at'],
  properties: {
    clip_id: { type: 'string', description: 'The id the clip will have once the object arrives and is registered (GET /v1/clips/{id} answers 404 until then)' },
    method: { type: 'string', enum: ['PUT'] },
    url: { type: 'string', description: 'Send the file’s bytes to this URL, without the API token' },
    headers: { type: 'object', additionalProperties: { type: 'string' }, description: 'Headers the PUT must carry exactly (they are signed)' },
    key: { type: 'string', description: 'Storage key of the object (under inputs/presigned/)' },
    expires_at: { type: 'string', format: 'date-time', description: 'The PUT must start before this time' },
    name: { type: 'string' },
    size: { type: 'integer' },
    study_id: { type: ['string', 'null'] },
  },
} as const;

/** `attachment` with the clip's name: an ASCII fallback and the exact name (RFC 6266). */
function disposition(name: string): string {
  return `attachment; filename="${name.replace(/[^\w.-]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * The origin the store's presigned URLs point at (the web app's content security policy must let it send
 * there), learnt by signing one URL: no request is made. Empty for a store that cannot sign.
 */
export async function directOrigins(store: ObjectStore, log: FastifyBaseLogger): Promise<string[]> {
  if (!store.presignGet) return [];
  try {
    return [new URL((await store.presignGet('inputs/origin-probe', { expiresInSeconds: 60 })).url).origin];
  } catch (err) {
    log.warn({ err }, 'could not sign a probe URL: the web app will send uploads through the API');
    return [];
  }
}

/**
 * Direct transfers between the browser and the object store, so large bytes do not pass through the API
 * server: a presigned PUT for an upload (registered by the S3-event path, see ingest-object.ts) and the
 * original input as a redirect to a presigned GET. On a store that cannot sign URLs (the embedded store),
 * the upload route answers ECHO_ERR_NOT_SUPPORTED and the input is streamed through the API.
 */
export const presignRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { catalog, store } = deps;

  app.post(
    '/clips/presign',
    {
      config: { role: 'uploader', audit: 'clip.presign', uploadLimited: true },
      schema: {
        summary:
          'A presigned URL to PUT one cine straight into the object store (S3 only); the clip appears under `clip_id` once the store announces the object. On the embedded store: 409 ECHO_ERR_NOT_SUPPORTED (use POST /v1/clips or /v1/uploads)',
        security,
        body: {
          type: 'object',
          required: ['name', 'size'],
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 255 },
            size: { type: 'integer', minimum: 0, description: 'Bytes the file has' },
            study: { type: 'string', minLength: 1, maxLength: 200 },
          },
        },
        response: { 201: presignedUploadSchema, 409: { $ref: 'Error#' }, 413: { $ref: 'Error#' }, 415: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = principal(request);
      if (!store.presignPut) {
        throw new EchoError('NOT_SUPPORTED', 'this server’s store cannot sign upload URLs (the embedded store); upload through the API instead: POST /v1/clips (multipart) or a resumable session at POST /v1/uploads');
      }
      const body = request.body as { name: string; size: number; study?: string };
      checkDeclaredUpload(body.name, body.size, deps.maxUploadBytes);
      if (body.name.toLowerCase().endsWith('.zip')) {
        throw new EchoError('UNSUPPORTED_FORMAT', `"${body.name}" looks like a zip study; a presigned upload takes one cine, so send zip studies through POST /v1/clips or /v1/uploads, which expand them`);
      }
      const study = body.study ? await catalog.findOrCreateStudy(p.projectId, body.study) : null;
      const clipId = randomId('clip');
      const key = presignedInputKey({ projectId: p.projectId, studyId: study?.id ?? null, clipId, name: body.name });
      // createOnly: the key is written once, so the bytes the clip was registered with are the bytes it keeps.
      const signed = await store.presignPut(key, { expiresInSeconds: PRESIGN_PUT_SECONDS, contentType: UPLOAD_CONTENT_TYPE, createOnly: true });
      reply.status(201);
      return {
        clip_id: clipId,
        method: 'PUT',
        url: signed.url,
        headers: signed.headers,
        key,
        expires_at: new Date(signed.expiresAt).toISOString(),
        name: body.name,
        size: body.size,
        study_id: study?.id ?? null,
      };
    },
  );

  app.get<{ Params: { id: string }; Querystring: { link?: boolean } }>(
    '/clips/:id/input',
    {
      config: { role: 'viewer', audit: 'clip.input' },
      schema: {
        summary:
          'The original input file of a clip (as stored: de-identified when that is on). On S3: a 302 redirect to a short-lived presigned URL (`?link=true`: that URL as JSON instead); on the embedded store the bytes are streamed through the API',
        security,
        params: clipIdParams,
        querystring: { type: 'object', properties: { link: { type: 'boolean', description: 'Answer the presigned URL as JSON instead of redirecting (S3 only)' } } },
        produces: ['application/octet-stream'],
        response: {
          200: { type: 'object', description: 'With ?link=true: the presigned download', properties: { url: { type: 'string' }, expires_at: { type: 'string', format: 'date-time' } } },
          302: { type: 'null', description: 'Location: a presigned URL of the object store' },
          409: { $ref: 'Error#' },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const clip = await ownClip(catalog, request);
      reply.header('cache-control', 'no-store');
      if (store.presignGet) {
        const signed = await store.presignGet(clip.inputKey, { expiresInSeconds: PRESIGN_GET_SECONDS, downloadName: clip.name });
        if (request.query.link) return { url: signed.url, expires_at: new Date(signed.expiresAt).toISOString() };
        return reply.redirect(signed.url, 302);
      }
      if (request.query.link) {
        throw new EchoError('NOT_SUPPORTED', `this server’s store cannot sign download URLs (the embedded store); GET /v1/clips/${clip.id}/input without ?link streams the file`);
      }
      const body = await store.get(clip.inputKey);
      reply.header('content-type', 'application/octet-stream');
      reply.header('content-disposition', disposition(clip.name));
      return reply.send(body);
    },
  );
};
