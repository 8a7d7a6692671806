import type { FastifyPluginAsync } from 'fastify';
import { EchoError } from '../../errors/catalogue.ts';
import { stem } from '../../ingest/file-names.ts';
import { ingestUpload, type UploadOutcome } from '../../ingest/ingest-upload.ts';
import { compareVersions } from '../../models/registry.ts';
import type { Clip, ClipStatus, Result } from '../../ports/catalog.ts';
import { randomId } from '../../util/ids.ts';
import type { AppDeps } from '../build-app.ts';
import { errorResponses } from '../schemas.ts';
import { multipartError } from '../multipart-error.ts';
import { clipIdParams, ownClip, principal } from './caller.ts';

const security = [{ bearer: [] }];
const modelQuery = {
  type: 'object',
  properties: { model: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]{0,62}(@\\d+\\.\\d+\\.\\d+)?$', description: 'name or name@version of a model run on the clip' } },
} as const;

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

/** The 202 answer to an upload (POST /clips, a completed resumable upload): the clip, or a zip's study; counted in the metrics. */
export async function uploadAnswer(deps: AppDeps, outcome: UploadOutcome) {
  const resultOf = async (id: string | null) => (id ? deps.catalog.getResult(id) : null);
  if (outcome.kind === 'study') {
    deps.metrics.upload('http', 'study');
    const clips = await Promise.all(outcome.clips.map(async (o) => clipView(o.clip, await resultOf(o.clip.resultId), { deduplicated: o.deduplicated })));
    return { study_id: outcome.study.id, study: outcome.study.name, clips, rejected: outcome.rejected };
  }
  deps.metrics.upload('http', outcome.deduplicated ? 'deduplicated' : 'queued');
  return clipView(outcome.clip, await resultOf(outcome.clip.resultId), { deduplicated: outcome.deduplicated });
}

/** The clip routes of docs/contracts.md. They parse, check the caller's project, and delegate. */
export const clipRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const { catalog, store } = deps;

  /**
   * The clip's result, or with `?model=name` / `?model=name@version` the result of that model on the clip
   * (a shadow rule or a backfill made it; the newest version when only a name is given).
   */
  async function doneResult(clip: Clip, model?: string): Promise<Result> {
    if (model !== undefined) return modelResult(clip, model);
    if (clip.status !== 'done' || !clip.resultId) {
      const why = clip.status === 'failed' && clip.error ? `; it failed: ${clip.error.code}: ${clip.error.message}` : '';
      throw new EchoError('NOT_READY', `clip ${clip.id} is ${clip.status}, not done${why}`);
    }
    const result = await catalog.getResult(clip.resultId);
    if (!result) throw new EchoError('NOT_FOUND', `the result of clip ${clip.id} is missing from the catalog`);
    return result;
  }

  async function modelResult(clip: Clip, model: string): Promise<Result> {
    const [name, version] = model.split('@') as [string, string | undefined];
    const jobs = (await catalog.listJobs(clip.id)).filter((j) => j.modelName === name && (version === undefined || j.modelVersion === version));
    const done = jobs.filter((j) => j.status === 'done' && j.resultId).sort((a, b) => compareVersions(a.modelVersion, b.modelVersion) || a.createdAt - b.createdAt);
    const job = done.at(-1);
    if (!job?.resultId) {
      const pending = jobs.find((j) => j.status !== 'done');
      if (pending) {
        const why = pending.status === 'failed' && pending.error ? `; it failed: ${pending.error.code}: ${pending.error.message}` : '';
        throw new EchoError('NOT_READY', `clip ${clip.id}: the job of model ${pending.modelName}@${pending.modelVersion} is ${pending.status}, not done${why}`);
      }
      throw new EchoError('NOT_FOUND', `clip ${clip.id} has no result from model ${model}; run it with echo-cloud models backfill ${model.includes('@') ? model : `${model}@VERSION`}`);
    }
    const result = await catalog.getResult(job.resultId);
    if (!result) throw new EchoError('NOT_FOUND', `the result of model ${model} on clip ${clip.id} is missing from the catalog`);
    return result;
  }

  app.post(
    '/clips',
    {
      config: { role: 'uploader', audit: 'clip.upload', uploadLimited: true },
      schema: {
        summary:
          'Upload a cine, or a zip of cines as one study (multipart field `file`; optional fields `study` and `tags` (comma-separated, for routing rules), sent before `file`, or `?study=`, `?tags=`)',
        consumes: ['multipart/form-data'],
        security,
        querystring: { type: 'object', properties: { study: { type: 'string', maxLength: 200 }, tags: { type: 'string', maxLength: 1100 } } },
        response: { 202: { oneOf: [{ $ref: 'Clip#' }, { $ref: 'StudyUpload#' }] }, 413: { $ref: 'Error#' }, 415: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const p = principal(request);
      if (!request.isMultipart()) {
        throw new EchoError('BAD_REQUEST', 'expected a multipart/form-data body with the cine in the field "file"');
      }
      const data = await request.file({ limits: { fileSize: deps.maxUploadBytes + 1 } }).catch((err: unknown) => {
        // The parser never read the body: drain it, or the next request on this keep-alive connection waits behind it.
        request.raw.resume();
        throw multipartError(err);
      });
      if (data?.fieldname !== 'file') {
        data?.file.resume();
        throw new EchoError('UPLOAD_MISSING_FILE', `the multipart body has no field "file"${data ? ` (found "${data.fieldname}")` : ''}; send the cine as -F file=@clip.mat`);
      }
      const studyField = data.fields.study;
      const fieldStudy = studyField && !Array.isArray(studyField) && studyField.type === 'field' ? String(studyField.value) : null;
      const study = (request.query as { study?: string }).study ?? fieldStudy;
      const tagsField = data.fields.tags;
      const fieldTags = tagsField && !Array.isArray(tagsField) && tagsField.type === 'field' ? String(tagsField.value) : null;
      const tagText = (request.query as { tags?: string }).tags ?? fieldTags ?? '';
      const tags = tagText.split(',').map((t) => t.trim()).filter(Boolean);
      // destroyOnReturn: false — when ingest refuses the file early (type, name, size), the rest of the
      // body must still be drained below, or busboy stalls and the client never gets its 4xx.
      const body = data.file.iterator({ destroyOnReturn: false });
      try {
        const outcome = await ingestUpload(deps.ingest, { name: data.filename, body, source: 'http', projectId: p.projectId, study, tags });
        reply.status(202);
        return uploadAnswer(deps, outcome);
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
      config: { role: 'viewer', audit: 'clip.list' },
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
      // The schema's coercion lets "Infinity" and "1e309" through as a number past minimum and maximum.
      if (!Number.isSafeInteger(q.limit)) throw new EchoError('BAD_REQUEST', `limit ${String(q.limit)}: expected a whole number from 1 to 500`);
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
    { config: { role: 'viewer', audit: 'clip.get' }, schema: { summary: 'A clip and its status', security, params: clipIdParams, response: { 200: { $ref: 'Clip#' }, ...errorResponses } } },
    async (request) => {
      const clip = await ownClip(catalog, request);
      return clipView(clip, clip.resultId ? await catalog.getResult(clip.resultId) : null);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/clips/:id/result',
    {
      config: { role: 'viewer', audit: 'clip.result' },
      schema: {
        summary: 'The result document of a done clip; `?model=name[@version]` for the result of another model run on it (shadow rule, backfill)',
        security,
        params: clipIdParams,
        querystring: modelQuery,
        response: { 200: { $ref: 'ResultDocument#' }, 409: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await doneResult(await ownClip(catalog, request), (request.query as { model?: string }).model);
      reply.header('content-type', 'application/json; charset=utf-8');
      return reply.send(await store.get(result.documentKey));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/clips/:id/result.csv',
    {
      config: { role: 'viewer', audit: 'clip.result-csv' },
      schema: {
        summary: 'The seed-compatible CSV of a done clip (filename,predicted view,predicted quality,prediction std); `?model=` as for the result',
        security,
        params: clipIdParams,
        querystring: modelQuery,
        produces: ['text/csv'],
        response: { 409: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const clip = await ownClip(catalog, request);
      const result = await doneResult(clip, (request.query as { model?: string }).model);
      reply.header('content-type', 'text/csv; charset=utf-8');
      reply.header('content-disposition', `attachment; filename="${stem(clip.name).replace(/[^\w.-]/g, '_')}.csv"`);
      return reply.send(await store.get(result.csvKey));
    },
  );

  app.post<{ Params: { id: string } }>(
    '/clips/:id/retry',
    { config: { role: 'uploader', audit: 'clip.retry' }, schema: { summary: 'Queue a failed clip again', security, params: clipIdParams, response: { 202: { $ref: 'Clip#' }, 409: { $ref: 'Error#' }, ...errorResponses } } },
    async (request, reply) => {
      const clip = await ownClip(catalog, request);
      if (clip.status !== 'failed') throw new EchoError('NOT_READY', `clip ${clip.id} is ${clip.status}; only failed clips can be retried`);
      // Retry with the model the clip failed on (its latest primary job), not whatever is active now.
      const failed = (await catalog.listJobs(clip.id)).filter((j) => j.primary).at(-1);
      const model = failed ? { name: failed.modelName, version: failed.modelVersion } : deps.ingest.model;
      const job = await catalog.createJob({ id: randomId('job'), clipId: clip.id, modelName: model.name, modelVersion: model.version, createdAt: Date.now() });
      await catalog.requeueJob(job.id, Date.now());
      await deps.queue.send({ jobId: job.id, clipId: clip.id, model: { name: model.name, version: model.version }, queuedAt: Date.now() });
      reply.status(202);
      return clipView((await catalog.getClip(clip.id))!, null);
    },
  );
};
