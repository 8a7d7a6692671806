import { EchoError, isEchoError } from '../errors/catalogue.ts';
import type { Catalog, Clip, IngestSource } from '../ports/catalog.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import type { RouteInput } from '../models/routing.ts';
import { TAG } from '../models/routing.ts';
import { queueModelJob } from '../pipeline/queue-model-job.ts';
import { randomId } from '../util/ids.ts';
import { type IngestDeidentifier, spoolDeidentified } from './deidentify-spool.ts';
import { validateFileName } from './file-names.ts';
import { sniffStream } from './sniff-stream.ts';

/** The model every new upload is routed to, with what makes a result reusable. */
export interface ModelIdentity {
  name: string;
  version: string;
  weightsSha256: string;
}

export interface IngestDeps {
  catalog: Catalog;
  store: ObjectStore;
  queue: JobQueue;
  detectFormat: (head: Uint8Array, name: string) => string | null;
  supportedFormats: () => string;
  /** The model uploads go to when there is no `route` (and the retry route's fallback). */
  model: ModelIdentity;
  /**
   * The models an upload runs on (routing rules, src/models/routing.ts), asked once the format is known:
   * the primary (the clip's result) and further shadow models, one job each. Absent: `model` only.
   */
  route?: (input: RouteInput) => Promise<{ primary: ModelIdentity; shadows: ModelIdentity[] }>;
  maxUploadBytes: number;
  now?: () => number;
  /** Present when ECHO_CLOUD_DEIDENTIFY is on: every upload is de-identified before it is stored. */
  deidentify?: IngestDeidentifier;
}

export interface IngestRequest {
  name: string;
  body: AsyncIterable<Uint8Array>;
  source: IngestSource;
  projectId: string;
  study?: string | null;
  /** Tags given at upload, for routing rules (`match.tag`). */
  tags?: readonly string[];
  /** The key routing rules' `match.key` sees (an S3 object key, an inbox path); default: the file name. */
  sourceKey?: string;
}

export interface IngestOutcome {
  clip: Clip;
  /** True when the same bytes were already processed by the same model: answered from the stored result. */
  deduplicated: boolean;
}

const MAX_STUDY_CHARS = 200;
const MAX_TAGS = 16;

/** Checks upload tags: at most 16, each a short word (letters, digits, `_`, `.`, `-`). */
function validateTags(tags: readonly string[]): string[] {
  if (tags.length > MAX_TAGS) throw new EchoError('BAD_REQUEST', `at most ${MAX_TAGS} tags per upload, got ${tags.length}`);
  for (const t of tags) {
    if (!TAG.test(t)) throw new EchoError('BAD_REQUEST', `tag ${JSON.stringify(t.slice(0, 80))} is not acceptable; a tag is 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit`);
  }
  return [...new Set(tags)];
}

/**
 * The one ingest path behind HTTP, the CLI, the inbox folder and S3 events: stream the bytes to
 * `inputs/<clip id>/<name>` (format sniffed from content, size capped, sha256 on the way), record clip and
 * job, queue the job. Any failure removes what was written, so nothing is left half-ingested.
 */
export async function ingestFile(deps: IngestDeps, req: IngestRequest): Promise<IngestOutcome> {
  const now = deps.now ?? Date.now;
  const name = validateFileName(req.name);
  const studyName = req.study?.trim() || null;
  const tags = validateTags(req.tags ?? []);
  if (studyName !== null && (studyName.length > MAX_STUDY_CHARS || /\p{Cc}/u.test(studyName))) {
    throw new EchoError('BAD_REQUEST', `study name must be 1 to ${MAX_STUDY_CHARS} printable characters`);
  }
  const clipId = randomId('clip');
  const inputKey = `inputs/${clipId}/${name}`;
  let format = '';
  let put: Awaited<ReturnType<ObjectStore['put']>>;
  if (deps.deidentify) {
    // The identified upload is spooled privately and only its de-identified copy is stored (its size is
    // bounded by the reader's decoded-bytes cap, not the upload limit: pixels are stored uncompressed).
    const spooled = await spoolDeidentified(deps.deidentify, req.body, { name, projectId: req.projectId, maxBytes: deps.maxUploadBytes, detect: deps.detectFormat, supportedFormats: deps.supportedFormats });
    try {
      format = spooled.format;
      put = await deps.store.put(inputKey, spooled.body);
    } finally {
      await spooled.cleanup();
    }
  } else {
    put = await deps.store.put(
      inputKey,
      sniffStream(req.body, name, deps.detectFormat, deps.supportedFormats, (f) => {
        format = f;
      }),
      { maxBytes: deps.maxUploadBytes },
    );
  }

  // Asked with its hash (no skipSha256), a store always returns one.
  const sha256 = put.sha256;
  if (sha256 === null) throw new EchoError('INTERNAL', `the object store returned no sha256 for ${inputKey}`);
  let clipCreated = false;
  try {
    const plan = deps.route
      ? await deps.route({ name, format, key: req.sourceKey ?? name, study: studyName, tags })
      : { primary: deps.model, shadows: [] as ModelIdentity[] };
    const study = studyName ? await deps.catalog.findOrCreateStudy(req.projectId, studyName) : null;
    const createdAt = now();
    const findFor = (m: ModelIdentity) =>
      deps.catalog.findResult({ inputSha256: sha256, modelName: m.name, modelVersion: m.version, weightsSha256: m.weightsSha256 });
    const existing = await findFor(plan.primary);
    await deps.catalog.createClip({
      id: clipId,
      projectId: req.projectId,
      studyId: study?.id ?? null,
      name,
      inputKey,
      sha256,
      size: put.size,
      format,
      source: req.source,
      status: 'queued',
      createdAt,
    });
    clipCreated = true;
    // One job per model; a model that already has a result for these bytes is answered from it.
    for (const [i, m] of [plan.primary, ...plan.shadows].entries()) {
      const primary = i === 0;
      await queueModelJob(deps, { clipId, model: m, createdAt, primary }, primary ? existing : await findFor(m), now);
    }
    const clip = await deps.catalog.getClip(clipId);
    if (!clip) throw new EchoError('CATALOG_FAILED', `clip ${clipId} vanished right after it was created`);
    return { clip, deduplicated: existing !== null };
  } catch (err) {
    if (clipCreated) await deps.catalog.deleteClip(clipId).catch(() => {});
    await deps.store.delete(inputKey).catch(() => {});
    throw isEchoError(err) ? err : new EchoError('INTERNAL', `ingesting ${name}: ${(err as Error).message}`, { cause: err });
  }
}
