import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EchoError, isEchoError } from '../errors/catalogue.ts';
import type { Catalog, Clip, Job } from '../ports/catalog.ts';
import type { JobBody, ObjectCreatedBody } from '../ports/job-queue.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { randomId } from '../util/ids.ts';
import { validateFileName } from './file-names.ts';
import type { ModelIdentity } from './ingest-file.ts';
import { PRESIGNED_PREFIX, parsePresignedKey } from './presigned-keys.ts';
import { SNIFF_BYTES } from './sniff-stream.ts';

/** What registering an object that arrived in the store by itself needs. */
export interface ObjectIngestDeps {
  catalog: Catalog;
  store: ObjectStore;
  detectFormat: (head: Uint8Array, name: string) => string | null;
  supportedFormats: () => string;
  model: ModelIdentity;
  maxUploadBytes: number;
  /** The project such clips belong to (there is no caller to say), except presigned uploads (their key says). */
  projectId: string;
  /**
   * Where to keep the copy made while the object is hashed, so the job reads those very bytes instead of
   * fetching the object a second time. Unset: nothing is kept.
   */
  spoolDir?: string;
  now?: () => number;
}

export type ObjectOutcome =
  /**
   * Run this job (new, or left unfinished by an earlier delivery of the same event). `spooled`: a local
   * copy of the object's bytes (sha256 checked), which the caller passes to the job and then removes.
   */
  | { kind: 'run'; job: JobBody; clip: Clip; spooled?: string }
  /** Nothing to run: the reason says why (another path queued it, it is finished, it is not a clip). */
  | { kind: 'skip'; reason: string }
  /** The object is not a usable cine: its clip is recorded `failed` with this coded error. */
  | { kind: 'failed'; clip: Clip; error: EchoError };

/** Keys ingest writes (`inputs/<clip id>/<name>`): their clip and job exist already, made by ingest itself. */
const INGEST_KEY = /^inputs\/clip_[0-9a-z]{20,}\/[^/]+$/;

/**
 * Registers an object that appeared under `inputs/` without going through ingest (an S3 upload announced
 * by an event notification) as a clip with one job, computing its sha256 and format by streaming it once.
 * Idempotent per key (keys are unique in the catalog): a redelivered or duplicated event finds the clip it
 * made and returns its unfinished job, or skips a finished one, so each object gets exactly one result.
 *
 * Key → clip: the name is the last segment; the folders between `inputs/` and the name, if any, name the
 * study (`inputs/study-7/a4c.mat` → study `study-7`), in the default project. A presigned browser upload's
 * key (`inputs/presigned/<project>/[<study id>/]<clip id>/<name>`, see presigned-keys.ts) names the project,
 * study and clip id its caller was given instead. Objects written by ingest itself are skipped.
 */
export async function ingestObject(deps: ObjectIngestDeps, event: ObjectCreatedBody): Promise<ObjectOutcome> {
  const key = event.key;
  if (!key.startsWith('inputs/')) return { kind: 'skip', reason: `${key} is not under inputs/` };
  if (INGEST_KEY.test(key)) return { kind: 'skip', reason: `${key} was written by ingest, which queued its job itself` };

  const known = await deps.catalog.findClipByInputKey(key);
  if (known) return resume(deps, known, event);

  const placed = await placement(deps, key);
  if ('skip' in placed) return { kind: 'skip', reason: placed.skip };
  const scanned = await scan(deps, key, placed.name);
  try {
    return await register(deps, event, placed, scanned);
  } catch (err) {
    if (scanned.spooled) await rm(scanned.spooled, { force: true });
    throw err;
  }
}

/** Where a new object's clip goes: project, study, clip id and name. */
interface Placement {
  projectId: string;
  studyId: string | null;
  clipId: string;
  name: string;
}

/**
 * A presigned upload's key names its project, study and clip id (the API chose them for the caller who
 * asked); any other key goes to the default project, its folders naming the study.
 */
async function placement(deps: ObjectIngestDeps, key: string): Promise<Placement | { skip: string }> {
  if (key.startsWith(PRESIGNED_PREFIX)) {
    const target = parsePresignedKey(key);
    if (!target) return { skip: `${key} is under ${PRESIGNED_PREFIX} but is not a key the API signs (${PRESIGNED_PREFIX}<project>/[<study id>/]<clip id>/<name>)` };
    if (!(await deps.catalog.getProject(target.projectId))) return { skip: `${key} names project ${target.projectId}, which does not exist` };
    if (target.studyId && !(await deps.catalog.getStudy(target.projectId, target.studyId))) {
      return { skip: `${key} names study ${target.studyId}, which is not a study of project ${target.projectId}` };
    }
    return { ...target, name: validateFileName(target.name) };
  }
  const segments = key.split('/');
  const name = validateFileName(segments.at(-1) ?? '');
  const studyName = segments.slice(1, -1).join('/') || null;
  const study = studyName ? await deps.catalog.findOrCreateStudy(deps.projectId, studyName.slice(0, 200)) : null;
  return { projectId: deps.projectId, studyId: study?.id ?? null, clipId: randomId('clip'), name };
}

async function register(deps: ObjectIngestDeps, event: ObjectCreatedBody, placed: Placement, scanned: Scan): Promise<ObjectOutcome> {
  const now = deps.now ?? Date.now;
  const key = event.key;
  const createdAt = now();
  let clip: Clip;
  try {
    clip = await deps.catalog.createClip({
      id: placed.clipId,
      projectId: placed.projectId,
      studyId: placed.studyId,
      name: placed.name,
      inputKey: key,
      sha256: scanned.sha256,
      size: scanned.size,
      format: scanned.format ?? 'unknown',
      source: 's3',
      status: 'queued',
      createdAt,
    });
  } catch (err) {
    // A duplicate of this event, delivered to another worker, registered the key first.
    const raced = await deps.catalog.findClipByInputKey(key);
    if (!raced) throw err;
    if (scanned.spooled) await rm(scanned.spooled, { force: true });
    return resume(deps, raced, event);
  }
  const job = await newJob(deps, clip, createdAt);
  if (scanned.error) {
    await deps.catalog.failJob(job.id, scanned.error.toJSON(), now());
    return { kind: 'failed', clip: (await deps.catalog.getClip(clip.id)) ?? clip, error: scanned.error };
  }
  return { kind: 'run', job: jobBody(job, event), clip, ...(scanned.spooled ? { spooled: scanned.spooled } : {}) };
}

async function resume(deps: ObjectIngestDeps, clip: Clip, event: ObjectCreatedBody): Promise<ObjectOutcome> {
  if (clip.source !== 's3') return { kind: 'skip', reason: `clip ${clip.id} at ${clip.inputKey} was ingested through ${clip.source}, which queued its job` };
  if (clip.status === 'done' || clip.status === 'failed') return { kind: 'skip', reason: `clip ${clip.id} at ${clip.inputKey} is already ${clip.status}` };
  const jobs = await deps.catalog.listJobs(clip.id);
  const job = jobs.at(-1) ?? (await newJob(deps, clip, (deps.now ?? Date.now)()));
  return { kind: 'run', job: jobBody(job, event), clip };
}

function newJob(deps: ObjectIngestDeps, clip: Clip, createdAt: number): Promise<Job> {
  return deps.catalog.createJob({ id: randomId('job'), clipId: clip.id, modelName: deps.model.name, modelVersion: deps.model.version, createdAt });
}

function jobBody(job: Job, event: ObjectCreatedBody): JobBody {
  return { jobId: job.id, clipId: job.clipId, model: { name: job.modelName, version: job.modelVersion }, queuedAt: event.eventTime };
}

interface Scan {
  sha256: string;
  size: number;
  format: string | null;
  /** The local copy (only for a usable object, and only with `spoolDir`). */
  spooled?: string;
  /** A permanent problem with the object (empty, too large, not a supported format). */
  error: EchoError | null;
}

/** Reads the object once: sha256, size, and the format from its first bytes. */
async function scan(deps: ObjectIngestDeps, key: string, name: string): Promise<Scan> {
  const info = await deps.store.head(key);
  if (!info) throw new EchoError('NOT_FOUND', `no object at ${key} (deleted after its event was sent?)`);
  if (info.size > deps.maxUploadBytes) {
    // Not read at all: the limit bounds the work one object can cause. Its sha256 stays unknown ('').
    const error = new EchoError('UPLOAD_TOO_LARGE', `object ${key} is ${info.size} bytes, over the limit of ${deps.maxUploadBytes} bytes (ECHO_CLOUD_MAX_UPLOAD_BYTES)`);
    return { sha256: '', size: info.size, format: null, error };
  }
  const hash = createHash('sha256');
  let size = 0;
  const head: Buffer[] = [];
  let headBytes = 0;
  let tooLarge = false;
  const spool = deps.spoolDir ? join(deps.spoolDir, `${randomId('obj')}.input`) : null;
  async function* hashed(source: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > deps.maxUploadBytes) {
        tooLarge = true;
        return;
      }
      hash.update(chunk);
      if (headBytes < SNIFF_BYTES) {
        head.push(chunk);
        headBytes += chunk.length;
      }
      yield chunk;
    }
  }
  const body = (await deps.store.get(key)) as AsyncIterable<Buffer>;
  try {
    if (spool) {
      await mkdir(deps.spoolDir as string, { recursive: true });
      await pipeline(Readable.from(hashed(body)), createWriteStream(spool, { mode: 0o600 }));
    } else {
      for await (const _ of hashed(body)) {
        // hashing only
      }
    }
  } catch (err) {
    if (spool) await rm(spool, { force: true });
    throw err;
  }
  const drop = async (): Promise<void> => {
    if (spool) await rm(spool, { force: true });
  };
  if (tooLarge) {
    await drop();
    const error = new EchoError('UPLOAD_TOO_LARGE', `object ${key} grew over the limit of ${deps.maxUploadBytes} bytes while it was read`);
    return { sha256: '', size, format: null, error };
  }
  const sha256 = hash.digest('hex');
  if (size === 0) {
    await drop();
    return { sha256, size, format: null, error: new EchoError('UPLOAD_EMPTY', `object ${key} is empty (0 bytes); upload a cine file`) };
  }
  let format: string | null = null;
  try {
    format = deps.detectFormat(Buffer.concat(head).subarray(0, SNIFF_BYTES), name);
  } catch (err) {
    await drop();
    if (!isEchoError(err)) throw err;
    return { sha256, size, format: null, error: err };
  }
  if (!format) {
    await drop();
    const error = new EchoError('UNSUPPORTED_FORMAT', `object ${key} is not a supported cine format (its content was checked, not its extension); supported: ${deps.supportedFormats()}`);
    return { sha256, size, format: null, error };
  }
  return { sha256, size, format, error: null, ...(spool ? { spooled: spool } : {}) };
}
