import type { Catalog, Result } from '../ports/catalog.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import { randomId } from '../util/ids.ts';

export interface ModelJob {
  clipId: string;
  model: { name: string; version: string };
  createdAt: number;
  /** The clip's own job (its status and result follow it); false for a further model's (shadow, backfill). */
  primary: boolean;
}

/**
 * Records one job of `job.model` for a clip and either answers it at once from `existing` (a stored result
 * of the same bytes and model: the job is finished, nothing runs) or sends it to the queue. Every path
 * that makes jobs (ingest, backfill) goes through here, so a job row and its message always agree.
 */
export async function queueModelJob(
  deps: { catalog: Catalog; queue: JobQueue },
  job: ModelJob,
  existing: Result | null,
  now: () => number,
): Promise<'linked' | 'queued'> {
  const { clipId, model, createdAt, primary } = job;
  const row = await deps.catalog.createJob({ id: randomId('job'), clipId, modelName: model.name, modelVersion: model.version, createdAt, primary });
  if (existing) {
    await deps.catalog.finishJob(row.id, existing.id, now());
    return 'linked';
  }
  await deps.queue.send({ jobId: row.id, clipId, model: { name: model.name, version: model.version }, queuedAt: createdAt, ...(primary ? {} : { primary: false }) });
  return 'queued';
}
