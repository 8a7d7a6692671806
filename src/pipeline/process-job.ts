import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { EchoError, isEchoError } from '../errors/catalogue.ts';
import type { Catalog, Clip } from '../ports/catalog.ts';
import type { Cine, ReadOptions } from '../ports/cine-reader.ts';
import type { JobBody } from '../ports/job-queue.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { randomId } from '../util/ids.ts';
import { readObject, spoolObject } from '../util/read-object.ts';
import { buildResultDocument, type ClipPrediction, outputKeys, type ResultDocument, resultCsv } from './result-document.ts';

/** What the worker needs to run a clip through the deployed model. Wired once per worker process. */
export interface ProcessDeps {
  catalog: Catalog;
  store: ObjectStore;
  /** The deployed model identity (what makes a result reusable). */
  model: { name: string; version: string; weightsSha256: string };
  openCine: (path: string, options: ReadOptions & { name?: string }) => Promise<Cine>;
  /**
   * Opens a cine from bytes in memory. With it, an input the store keeps no plain local file of (encryption
   * at rest, S3) is read into memory instead of spooled to a temporary file, when it is small enough and of
   * a format whose reader needs no file (see IN_MEMORY_FORMATS).
   */
  openCineBytes?: (bytes: Uint8Array, options: ReadOptions & { name: string }) => Promise<Cine>;
  /** The primary model reads the original file itself (command runtime): its input is always a file. */
  needsFile?: boolean;
  /** `source`: the original file, for models that read it themselves (command runtime, input mode original). */
  predict: (cine: Cine, source?: { path?: string; name?: string }) => Promise<ClipPrediction>;
  maxDecodedBytes: number;
  workDir: string;
  now?: () => number;
  /**
   * The session of another deployed model, for jobs that name one (routing rules, backfill, an activation
   * since this worker started). Absent: such jobs are refused with MODEL_NOT_FOUND (and retried).
   */
  sessionFor?: (model: { name: string; version: string }) => Promise<ModelSessionLike>;
}

/** The part of a model session processJob uses. */
interface ModelSessionLike {
  identity: ProcessDeps['model'];
  predict: ProcessDeps['predict'];
  needsFile?: boolean;
}

/** Formats read from memory when the store has no local file (the others need one: video, HDF5). */
const IN_MEMORY_FORMATS = new Set(['mat-v5', 'dicom']);
/** Larger inputs are spooled to a file, so a worker's memory stays bounded. */
const IN_MEMORY_MAX_BYTES = 256 * 1024 * 1024;

export type { ClipPrediction };

export interface ProcessOptions {
  /** A local file holding exactly the clip's input bytes (the caller owns and removes it). */
  inputPath?: string;
  /**
   * Called once the input is read and opened, as the model starts on it: from then on the job waits on
   * the model, and a worker may start reading its next job (src/worker/worker-loop.ts).
   */
  onInputRead?: () => void;
}

export type JobOutcome =
  | { status: 'done'; resultId: string; reused: boolean; timings: ResultDocument['timings_ms'] | null }
  | { status: 'failed'; error: EchoError }
  | { status: 'skipped'; reason: string };

/**
 * The worker's one function: run one job. Idempotent: the result is keyed by (input sha256, model name,
 * model version, weights sha256), so a redelivered job or a re-upload of the same bytes reuses the stored
 * result instead of making a second one.
 *
 * Returns `done`, `failed` (a permanent, coded input error: retrying cannot help) or `skipped` (the job
 * no longer needs running). Throws for transient failures, which the caller retries with backoff.
 */
export async function processJob(deps: ProcessDeps, job: JobBody, options: ProcessOptions = {}): Promise<JobOutcome> {
  const now = deps.now ?? Date.now;
  const started = now();
  const clip = await deps.catalog.getClip(job.clipId);
  if (!clip) return { status: 'skipped', reason: `clip ${job.clipId} is not in the catalog (its ingest was rolled back)` };
  // A further model's job (shadow rule, backfill) runs on done clips; only its own job row says it is done.
  const primary = job.primary !== false;
  if (primary && clip.status === 'done') return { status: 'skipped', reason: `clip ${clip.id} is already done` };
  if (!primary && (await deps.catalog.getJob(job.jobId))?.status === 'done') return { status: 'skipped', reason: `job ${job.jobId} is already done` };
  let session: ModelSessionLike = { identity: deps.model, predict: deps.predict, needsFile: deps.needsFile ?? false };
  if (job.model.name !== deps.model.name || job.model.version !== deps.model.version) {
    if (!deps.sessionFor) {
      throw new EchoError('MODEL_NOT_FOUND', `job ${job.jobId} asks for model ${job.model.name}@${job.model.version}; this worker runs ${deps.model.name}@${deps.model.version}`);
    }
    session = await deps.sessionFor(job.model);
  }
  const model = session.identity;
  await deps.catalog.startJob(job.jobId, started);

  const key = { inputSha256: clip.sha256, modelName: model.name, modelVersion: model.version, weightsSha256: model.weightsSha256 };
  const existing = await deps.catalog.findResult(key);
  if (existing && (await deps.store.head(existing.documentKey))) {
    await deps.catalog.finishJob(job.jobId, existing.id, now());
    return { status: 'done', resultId: existing.id, reused: true, timings: null };
  }

  try {
    const { document, csv } = await runModel(deps, session, clip, job, started, options);
    // The primary result keeps the documented key; further models' results sit beside it, named by model.
    const keys = outputKeys(clip.inputKey, primary ? undefined : model);
    // Both files are fsynced; writing them side by side overlaps the two flushes.
    await Promise.all([
      deps.store.put(keys.json, Readable.from([Buffer.from(JSON.stringify(document, null, 2))])),
      deps.store.put(keys.csv, Readable.from([Buffer.from(csv)])),
    ]);
    const stored = await deps.catalog.putResult({
      ...key,
      id: randomId('res'),
      documentKey: keys.json,
      csvKey: keys.csv,
      view: document.prediction.view,
      confidence: document.prediction.confidence,
      qualityMean: document.prediction.quality_mean,
      qualityStd: document.prediction.quality_std,
      createdAt: now(),
    });
    await deps.catalog.finishJob(job.jobId, stored.id, now());
    return { status: 'done', resultId: stored.id, reused: false, timings: document.timings_ms };
  } catch (err) {
    if (isPermanent(err)) {
      await deps.catalog.failJob(job.jobId, err.toJSON(), now());
      return { status: 'failed', error: err };
    }
    throw err;
  }
}

/** Input errors (exit code 2 in the catalogue) and a broken model deployment cannot be fixed by a retry. */
export function isPermanent(err: unknown): err is EchoError {
  return isEchoError(err) && (err.exitCode === 2 || err.code === 'MODEL_INVALID');
}

async function runModel(deps: ProcessDeps, session: ModelSessionLike, clip: Clip, job: JobBody, started: number, options: ProcessOptions): Promise<{ document: ResultDocument; csv: string }> {
  const now = deps.now ?? Date.now;
  const dir = join(deps.workDir, job.jobId);
  await mkdir(dir, { recursive: true });
  try {
    // A local copy made while the input was hashed, or the store's own file; else the bytes in memory when
    // the reader can use them, else a spooled private copy.
    let path = options.inputPath ?? (await deps.store.localPath?.(clip.inputKey)) ?? null;
    let cine: Cine;
    if (!path && deps.openCineBytes && !session.needsFile && IN_MEMORY_FORMATS.has(clip.format) && clip.size <= IN_MEMORY_MAX_BYTES) {
      cine = await deps.openCineBytes(await readObject(deps.store, clip.inputKey, IN_MEMORY_MAX_BYTES), { name: clip.name, limits: { maxDecodedBytes: deps.maxDecodedBytes } });
    } else {
      if (!path) {
        path = join(dir, 'input'); // removed with the job's folder below
        await spoolObject(deps.store, clip.inputKey, path);
      }
      cine = await deps.openCine(path, { name: clip.name, limits: { maxDecodedBytes: deps.maxDecodedBytes } });
    }
    const readDone = now();
    options.onInputRead?.();
    try {
      const p = await session.predict(cine, { ...(path ? { path } : {}), name: clip.name });
      const done = now();
      const document = buildResultDocument({
        input: { key: clip.inputKey, sha256: clip.sha256 },
        cine,
        model: session.identity,
        prediction: p,
        timings: { queued: Math.max(0, started - job.queuedAt), read: readDone - started, inference: done - readDone, total: done - job.queuedAt },
      });
      return { document, csv: resultCsv(clip.name, document) };
    } finally {
      await cine.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
