import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { EchoError } from '../../errors/catalogue.ts';
import { stem } from '../../ingest/file-names.ts';
import { ingestUpload } from '../../ingest/ingest-upload.ts';
import type { Clip, ClipStatus, Result } from '../../ports/catalog.ts';
import type { Principal } from '../../security/tokens.ts';
import { randomId } from '../../util/ids.ts';
import type { AppDeps } from '../build-app.ts';
import { errorResponses } from '../schemas.ts';

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[a-z]+_[a-z0-9]{8,40}$' } } } as const;
const security = [{ bearer: [] }];

function principal(request: FastifyRequest): Principal {
  if (!request.principal) throw new EchoError('UNAUTHORIZED', 'a valid bearer token is required');
  return request.principal;
}

function requireWriter(p: Principal): void {
  if (p.role === 'viewer') throw new EchoError('FORBIDDEN', 'this token has the viewer role; uploading and retrying need the uploader or admin role');
}

export function clipView(clip: Clip, result: Result | null, extra: Record<string, unknown> = {}) {
  return {
    id: clip.id,
    status: clip.status,
    name: clip.name,
    format: clip.format,
    size: clip.size,
    sha256: clip.sha256,
    study_id: clip.studyId,
    input_key: clip.inputKey,
    error: clip.error,
    result: result
      ? { view: result.view, confidence: result.confidence, quality_mean: result.qualityMean, quality_std: result.qualityStd, model: `${result.modelName}@${result.modelVersion}` }
      : null,
    created_at: new Date(clip.createdAt).toISOString(),
    updated_at: new Date(clip.updatedAt).toISOString(),
    ...extra,
  };
}

/** The clip routes of docs/contracts.md. They parse, check the caller's project, and delegate. */
export const clipRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { catalog, store } = deps;

  async function ownClip(request: FastifyRequest<{ Params: { id: string } }>): Promise<Clip> {
    const clip = await catalog.getClip(request.params.id, principal(request).projectId);
    if (!clip) throw new EchoError('NOT_FOUND', `no clip ${request.params.id}`);
    return clip;
  }

  async function doneResult(clip: Clip): Promise<Result> {
    if (clip.status !== 'done' || !clip.resultId) {
      const why = clip.status === 'failed' && clip.error ? `; it failed: ${clip.error.code}: ${clip.error.message}` : '';
      throw new EchoError('NOT_READY', `clip ${clip.id} is ${clip.status}, not done${why}`);
    }
    const result = await catalog.getResult(clip.resultId);
    if (!result) throw new EchoError('NOT_FOUND', `the result of clip ${clip.id} is missing from the catalog`);
    return result;
  }

  app.post(
    '/clips',
    {
      schema: {
        summary: 'Upload a cine, or a zip of cines as one study (multipart field `file`; optional field `study`, sent before `file`, or `?study=`)',
        consumes: ['multipart/form-data'],
        security,
        querystring: { type: 'object', properties: { study: { type: 'string', maxLength: 200 } } },
        response: { 202: { oneOf: [{ $ref: 'Clip#' }, { $ref: 'StudyUpload#' }] }, 413: { $ref: 'Error#' }, 415: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = principal(request);
      requireWriter(p);
      if (!request.isMultipart()) {
        throw new EchoError('BAD_REQUEST', 'expected a multipart/form-data body with the cine in the field "file"');
      }
      const data = await request.file({ limits: { fileSize: deps.maxUploadBytes + 1 } });
      if (data?.fieldname !== 'file') {
        data?.file.resume();
        throw new EchoError('UPLOAD_MISSING_FILE', `the multipart body has no field "file"${data ? ` (found "${data.fieldname}")` : ''}; send the cine as -F file=@clip.mat`);
      }
      const studyField = data.fields.study;
      const fieldStudy = studyField && !Array.isArray(studyField) && studyField.type === 'field' ? String(studyField.value) : null;
      const study = (request.query as { study?: string }).study ?? fieldStudy;
      // destroyOnReturn: false — when ingest refuses the file early (type, name, size), the rest of the
      // body must still be drained below, or busboy stalls and the client never gets its 4xx.
      const body = data.file.iterator({ destroyOnReturn: false });
      try {
        const outcome = await ingestUpload(deps.ingest, { name: data.filename, body, source: 'http', projectId: p.projectId, study });
        reply.status(202);
        if (outcome.kind === 'study') {
          deps.metrics.upload('http', 'study');
          const views = await Promise.all(outcome.clips.map(async (o) => clipView(o.clip, o.clip.resultId ? await catalog.getResult(o.clip.resultId) : null, { deduplicated: o.deduplicated })));
          return { study_id: outcome.study.id, study: outcome.study.name, clips: views, rejected: outcome.rejected };
        }
        deps.metrics.upload('http', outcome.deduplicated ? 'deduplicated' : 'queued');
        const result = outcome.clip.resultId ? await catalog.getResult(outcome.clip.resultId) : null;
        return clipView(outcome.clip, result, { deduplicated: outcome.deduplicated });
      } catch (err) {
        // Detach the iterator (it keeps a 'readable' listener that would stop resume() from flowing),
        // then drain what the client is still sending.
        await body.return?.();
        data.file.resume();
        deps.metrics.upload('http', 'refused');
        throw err;
      }
    },
  );

  app.get(
    '/clips',
    {
      schema: {
        summary: 'List clips of the caller’s project, newest first',
        security,
        querystring: {
          type: 'object',
          properties: {
            status: { type: 'string', enum: ['queued', 'processing', 'done', 'failed'] },
            limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
            before: { type: 'string', format: 'date-time', description: 'Only clips created before this time (paging)' },
          },
        },
        response: { 200: { type: 'object', properties: { clips: { type: 'array', items: { $ref: 'Clip#' } } } }, ...errorResponses },
      },
    },
    async (request) => {
      const q = request.query as { status?: ClipStatus; limit: number; before?: string };
      const clips = await catalog.listClips({
        projectId: principal(request).projectId,
        limit: q.limit,
        ...(q.status ? { status: q.status } : {}),
        ...(q.before ? { before: Date.parse(q.before) } : {}),
      });
      const views = await Promise.all(clips.map(async (c) => clipView(c, c.resultId ? await catalog.getResult(c.resultId) : null)));
      return { clips: views };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/clips/:id',
    { schema: { summary: 'A clip and its status', security, params: idParams, response: { 200: { $ref: 'Clip#' }, ...errorResponses } } },
    async (request) => {
      const clip = await ownClip(request);
      return clipView(clip, clip.resultId ? await catalog.getResult(clip.resultId) : null);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/clips/:id/result',
    {
      schema: { summary: 'The result document of a done clip', security, params: idParams, response: { 200: { $ref: 'ResultDocument#' }, 409: { $ref: 'Error#' }, ...errorResponses } },
    },
    async (request, reply) => {
      const result = await doneResult(await ownClip(request));
      reply.header('content-type', 'application/json; charset=utf-8');
      return reply.send(await store.get(result.documentKey));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/clips/:id/result.csv',
    {
      schema: {
        summary: 'The seed-compatible CSV of a done clip (filename,predicted view,predicted quality,prediction std)',
        security,
        params: idParams,
        produces: ['text/csv'],
        response: { 409: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const clip = await ownClip(request);
      const result = await doneResult(clip);
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="${stem(clip.name).replace(/[^\w.-]/g, '_')}.csv"`);
      return reply.send(await store.get(result.csvKey));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/clips/:id/retry',
    { schema: { summary: 'Queue a failed clip again', security, params: idParams, response: { 202: { $ref: 'Clip#' }, 409: { $ref: 'Error#' }, ...errorResponses } } },
    async (request, reply) => {
      requireWriter(principal(request));
      const clip = await ownClip(request);
      if (clip.status !== 'failed') throw new EchoError('NOT_READY', `clip ${clip.id} is ${clip.status}; only failed clips can be retried`);
      const model = deps.ingest.model;
      const job = await catalog.createJob({ id: randomId('job'), clipId: clip.id, modelName: model.name, modelVersion: model.version, createdAt: Date.now() });
      await catalog.requeueJob(job.id, Date.now());
      await deps.queue.send({ jobId: job.id, clipId: clip.id, model: { name: model.name, version: model.version }, queuedAt: Date.now() });
      reply.status(202);
      return clipView((await catalog.getClip(clip.id))!, null);
    },
  );
};
