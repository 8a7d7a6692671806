import type { Kysely, Selectable } from 'kysely';
import { Migrator } from 'kysely/migration';
import { EchoError, isEchoError } from '../../../errors/catalogue.ts';
import type {
  Catalog,
  Clip,
  ClipQuery,
  ClipStatus,
  CodedError,
  Job,
  NewClip,
  NewJob,
  NewResult,
  NewToken,
  Project,
  Result,
  ResultKey,
  Role,
  Study,
  Token,
} from '../../../ports/catalog.ts';
import { randomId } from '../../../util/ids.ts';
import { migrationProvider } from './migrations.ts';
import { modelQueries } from './model-queries.ts';
import { securityQueries } from './security-queries.ts';
import type { CatalogDb } from './schema.ts';

/** The Catalog on any Kysely dialect (SQLite, PostgreSQL). Driver errors become ECHO_ERR_CATALOG_FAILED. */
export function createKyselyCatalog(db: Kysely<CatalogDb>, backend: string): Catalog {
  async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isEchoError(err)) throw err;
      throw new EchoError('CATALOG_FAILED', `${backend} catalog: ${what}: ${(err as Error).message}`, { cause: err });
    }
  }

  const clipById = (id: string) => db.selectFrom('clips').selectAll().where('id', '=', id).executeTakeFirst();

  const catalog: Catalog = {
    migrate: () =>
      guard('migrate', async () => {
        const { error } = await new Migrator({ db, provider: migrationProvider }).migrateToLatest();
        if (error) throw error;
      }),

    ensureProject: (id, name) =>
      guard('ensureProject', async () => {
        await db.insertInto('projects').values({ id, name, created_at: Date.now() }).onConflict((oc) => oc.column('id').doNothing()).execute();
        const row = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        return toProject(row);
      }),

    findOrCreateStudy: (projectId, name) =>
      guard('findOrCreateStudy', async () => {
        await db
          .insertInto('studies')
          .values({ id: randomId('st'), project_id: projectId, name, created_at: Date.now() })
          .onConflict((oc) => oc.columns(['project_id', 'name']).doNothing())
          .execute();
        const row = await db.selectFrom('studies').selectAll().where('project_id', '=', projectId).where('name', '=', name).executeTakeFirstOrThrow();
        return toStudy(row);
      }),

    getStudy: (projectId, id) =>
      guard('getStudy', async () => {
        const row = await db.selectFrom('studies').selectAll().where('id', '=', id).where('project_id', '=', projectId).executeTakeFirst();
        return row ? toStudy(row) : null;
      }),

    createClip: (clip: NewClip) =>
      guard('createClip', async () => {
        await db
          .insertInto('clips')
          .values({
            id: clip.id,
            project_id: clip.projectId,
            study_id: clip.studyId,
            name: clip.name,
            input_key: clip.inputKey,
            sha256: clip.sha256,
            size: clip.size,
            format: clip.format,
            source: clip.source,
            status: clip.status,
            result_id: null,
            error_code: null,
            error_message: null,
            created_at: clip.createdAt,
            updated_at: clip.createdAt,
          })
          .execute();
        return toClip((await clipById(clip.id))!);
      }),

    getClip: (id, projectId) =>
      guard('getClip', async () => {
        let q = db.selectFrom('clips').selectAll().where('id', '=', id);
        if (projectId !== undefined) q = q.where('project_id', '=', projectId);
        const row = await q.executeTakeFirst();
        return row ? toClip(row) : null;
      }),

    listClips: (query: ClipQuery) =>
      guard('listClips', async () => {
        let q = db.selectFrom('clips').selectAll().where('project_id', '=', query.projectId);
        if (query.status) q = q.where('status', '=', query.status);
        if (query.studyId) q = q.where('study_id', '=', query.studyId);
        if (query.before !== undefined) q = q.where('created_at', '<', query.before);
        const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute();
        return rows.map(toClip);
      }),

    deleteClip: (id) =>
      guard('deleteClip', async () => {
        await db.transaction().execute(async (tx) => {
          await tx.deleteFrom('jobs').where('clip_id', '=', id).execute();
          await tx.deleteFrom('clips').where('id', '=', id).execute();
        });
      }),

    createJob: (job: NewJob) =>
      guard('createJob', async () => {
        await db
          .insertInto('jobs')
          .values({
            id: job.id,
            clip_id: job.clipId,
            model_name: job.modelName,
            model_version: job.modelVersion,
            is_primary: job.primary === false ? 0 : 1,
            status: 'queued',
            attempts: 0,
            result_id: null,
            error_code: null,
            error_message: null,
            created_at: job.createdAt,
            started_at: null,
            finished_at: null,
          })
          .execute();
        return (await catalog.getJob(job.id))!;
      }),

    findClipByInputKey: (inputKey) =>
      guard('findClipByInputKey', async () => {
        const row = await db.selectFrom('clips').selectAll().where('input_key', '=', inputKey).executeTakeFirst();
        return row ? toClip(row) : null;
      }),

    listJobs: (clipId) =>
      guard('listJobs', async () => {
        const rows = await db.selectFrom('jobs').selectAll().where('clip_id', '=', clipId).orderBy('created_at').orderBy('id').execute();
        return rows.map(toJob);
      }),

    getJob: (id) =>
      guard('getJob', async () => {
        const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? toJob(row) : null;
      }),

    startJob: (id, at) =>
      guard('startJob', async () => {
        await db.transaction().execute(async (tx) => {
          const job = await tx.selectFrom('jobs').select(['clip_id', 'attempts', 'is_primary']).where('id', '=', id).executeTakeFirst();
          if (!job) throw new EchoError('NOT_FOUND', `no job ${id} in the catalog`);
          await tx
            .updateTable('jobs')
            .set({ status: 'processing', attempts: Number(job.attempts) + 1, started_at: at, error_code: null, error_message: null })
            .where('id', '=', id)
            .execute();
          if (Number(job.is_primary) !== 1) return;
          await tx
            .updateTable('clips')
            .set({ status: 'processing', updated_at: at, error_code: null, error_message: null })
            .where('id', '=', job.clip_id)
            .where('status', '!=', 'done')
            .execute();
        });
        return (await catalog.getJob(id))!;
      }),

    finishJob: (id, resultId, at) =>
      guard('finishJob', () =>
        db.transaction().execute(async (tx) => {
          const job = await tx.selectFrom('jobs').select(['clip_id', 'is_primary']).where('id', '=', id).executeTakeFirst();
          if (!job) throw new EchoError('NOT_FOUND', `no job ${id} in the catalog`);
          await tx.updateTable('jobs').set({ status: 'done', result_id: resultId, finished_at: at, error_code: null, error_message: null }).where('id', '=', id).execute();
          if (Number(job.is_primary) !== 1) return;
          await tx
            .updateTable('clips')
            .set({ status: 'done', result_id: resultId, updated_at: at, error_code: null, error_message: null })
            .where('id', '=', job.clip_id)
            .execute();
        }),
      ),

    failJob: (id, error: CodedError, at) =>
      guard('failJob', () =>
        db.transaction().execute(async (tx) => {
          const job = await tx.selectFrom('jobs').select(['clip_id', 'status', 'is_primary']).where('id', '=', id).executeTakeFirst();
          if (!job || job.status === 'done') return;
          await tx.updateTable('jobs').set({ status: 'failed', finished_at: at, error_code: error.code, error_message: error.message }).where('id', '=', id).execute();
          if (Number(job.is_primary) !== 1) return;
          await tx
            .updateTable('clips')
            .set({ status: 'failed', updated_at: at, error_code: error.code, error_message: error.message })
            .where('id', '=', job.clip_id)
            .where('status', '!=', 'done')
            .execute();
        }),
      ),

    requeueJob: (id, at) =>
      guard('requeueJob', () =>
        db.transaction().execute(async (tx) => {
          const job = await tx.selectFrom('jobs').select(['clip_id', 'status', 'is_primary']).where('id', '=', id).executeTakeFirst();
          if (!job || job.status === 'done') return;
          await tx.updateTable('jobs').set({ status: 'queued', finished_at: null }).where('id', '=', id).execute();
          if (Number(job.is_primary) !== 1) return;
          await tx.updateTable('clips').set({ status: 'queued', updated_at: at }).where('id', '=', job.clip_id).where('status', '!=', 'done').execute();
        }),
      ),

    findResult: (key: ResultKey) =>
      guard('findResult', async () => {
        const row = await db
          .selectFrom('results')
          .selectAll()
          .where('input_sha256', '=', key.inputSha256)
          .where('model_name', '=', key.modelName)
          .where('model_version', '=', key.modelVersion)
          .where('weights_sha256', '=', key.weightsSha256)
          .executeTakeFirst();
        return row ? toResult(row) : null;
      }),

    putResult: (r: NewResult) =>
      guard('putResult', async () => {
        await db
          .insertInto('results')
          .values({
            id: r.id,
            input_sha256: r.inputSha256,
            model_name: r.modelName,
            model_version: r.modelVersion,
            weights_sha256: r.weightsSha256,
            document_key: r.documentKey,
            csv_key: r.csvKey,
            view: r.view,
            confidence: r.confidence,
            quality_mean: r.qualityMean,
            quality_std: r.qualityStd,
            created_at: r.createdAt,
          })
          .onConflict((oc) => oc.columns(['input_sha256', 'model_name', 'model_version', 'weights_sha256']).doNothing())
          .execute();
        return (await catalog.findResult(r))!;
      }),

    getResult: (id) =>
      guard('getResult', async () => {
        const row = await db.selectFrom('results').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? toResult(row) : null;
      }),

    countClipsByStatus: () =>
      guard('countClipsByStatus', async () => {
        const rows = await db.selectFrom('clips').select(['status', db.fn.countAll().as('n')]).groupBy('status').execute();
        const out: Record<ClipStatus, number> = { queued: 0, processing: 0, done: 0, failed: 0 };
        for (const r of rows) out[r.status as ClipStatus] = Number(r.n);
        return out;
      }),

    ...modelQueries(db, guard, toClip),

    createToken: (t: NewToken) =>
      guard('createToken', async () => {
        await db
          .insertInto('tokens')
          .values({
            id: t.id,
            hash: t.hash,
            project_id: t.projectId,
            role: t.role,
            label: t.label,
            created_at: t.createdAt,
            expires_at: t.expiresAt,
            revoked_at: null,
          })
          .execute();
      }),

    findTokenByHash: (hash) =>
      guard('findTokenByHash', async () => {
        const row = await db.selectFrom('tokens').selectAll().where('hash', '=', hash).executeTakeFirst();
        return row ? toToken(row) : null;
      }),

    countTokens: () =>
      guard('countTokens', async () => {
        const row = await db.selectFrom('tokens').select(db.fn.countAll().as('n')).executeTakeFirstOrThrow();
        return Number(row.n);
      }),

    ...securityQueries(db, guard, toToken, backend),

    close: () => guard('close', () => db.destroy()),
  };
  return catalog;
}

const num = (v: unknown): number => Number(v);
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
const err = (code: string | null, message: string | null): CodedError | null => (code ? { code, message: message ?? '' } : null);

function toProject(r: Selectable<CatalogDb['projects']>): Project {
  return { id: r.id, name: r.name, createdAt: num(r.created_at) };
}

function toStudy(r: Selectable<CatalogDb['studies']>): Study {
  return { id: r.id, projectId: r.project_id, name: r.name, createdAt: num(r.created_at) };
}

function toClip(r: Selectable<CatalogDb['clips']>): Clip {
  return {
    id: r.id,
    projectId: r.project_id,
    studyId: r.study_id,
    name: r.name,
    inputKey: r.input_key,
    sha256: r.sha256,
    size: num(r.size),
    format: r.format,
    source: r.source as Clip['source'],
    status: r.status as ClipStatus,
    resultId: r.result_id,
    error: err(r.error_code, r.error_message),
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

function toJob(r: Selectable<CatalogDb['jobs']>): Job {
  return {
    id: r.id,
    clipId: r.clip_id,
    modelName: r.model_name,
    modelVersion: r.model_version,
    primary: Number(r.is_primary) === 1,
    status: r.status as ClipStatus,
    attempts: num(r.attempts),
    resultId: r.result_id,
    error: err(r.error_code, r.error_message),
    createdAt: num(r.created_at),
    startedAt: numOrNull(r.started_at),
    finishedAt: numOrNull(r.finished_at),
  };
}

function toResult(r: Selectable<CatalogDb['results']>): Result {
  return {
    id: r.id,
    inputSha256: r.input_sha256,
    modelName: r.model_name,
    modelVersion: r.model_version,
    weightsSha256: r.weights_sha256,
    documentKey: r.document_key,
    csvKey: r.csv_key,
    view: r.view,
    confidence: num(r.confidence),
    qualityMean: num(r.quality_mean),
    qualityStd: num(r.quality_std),
    createdAt: num(r.created_at),
  };
}

function toToken(r: Selectable<CatalogDb['tokens']>): Token {
  return {
    id: r.id,
    hash: r.hash,
    projectId: r.project_id,
    role: r.role as Role,
    label: r.label,
    createdAt: num(r.created_at),
    expiresAt: numOrNull(r.expires_at),
    revokedAt: numOrNull(r.revoked_at),
  };
}
