/**
 * Backfill: run a deployed model version on every stored clip that has no result from it yet, in one
 * command. Each such clip gets one more job (not its primary job: the clip's own result and status do not
 * change; the new result is reachable with `?model=name@version`, and becomes what new uploads get once
 * the version is activated). A clip whose bytes already have a result from this model (same input sha256,
 * name, version, weights sha256) is linked to it without running anything. Clips with a queued, running or
 * done job of this model are left alone, so a second backfill is a no-op.
 */
import type { Catalog, Clip } from '../ports/catalog.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import { queueModelJob } from '../pipeline/queue-model-job.ts';

export interface BackfillDeps {
  catalog: Catalog;
  queue: JobQueue;
  model: { name: string; version: string; weightsSha256: string };
  now?: () => number;
}

export interface BackfillOptions {
  projectId?: string;
  /** Only clips created at or after this time (ms). */
  since?: number;
  /** Count what would be done; change nothing. */
  dryRun?: boolean;
  /** Clips read per catalog query. */
  pageSize?: number;
}

export interface BackfillReport {
  model: string;
  dryRun: boolean;
  /** Clips lacking a result from the model. */
  lacking: number;
  /** Jobs queued (0 on a dry run). */
  queued: number;
  /** Clips answered from an existing result of the same bytes (0 on a dry run). */
  linked: number;
  clipIds: string[];
}

export async function backfill(deps: BackfillDeps, options: BackfillOptions = {}): Promise<BackfillReport> {
  const now = deps.now ?? Date.now;
  const m = deps.model;
  const report: BackfillReport = { model: `${m.name}@${m.version}`, dryRun: options.dryRun === true, lacking: 0, queued: 0, linked: 0, clipIds: [] };
  let after: { createdAt: number; id: string } | undefined;
  for (;;) {
    const page: Clip[] = await deps.catalog.listClipsLackingModel({
      model: m,
      limit: options.pageSize ?? 200,
      ...(options.projectId !== undefined ? { projectId: options.projectId } : {}),
      ...(options.since !== undefined ? { since: options.since } : {}),
      ...(after ? { after } : {}),
    });
    if (page.length === 0) break;
    for (const clip of page) {
      report.lacking++;
      report.clipIds.push(clip.id);
      if (report.dryRun) continue;
      const existing = await deps.catalog.findResult({ inputSha256: clip.sha256, modelName: m.name, modelVersion: m.version, weightsSha256: m.weightsSha256 });
      const outcome = await queueModelJob(deps, { clipId: clip.id, model: m, createdAt: now(), primary: false }, existing, now);
      report[outcome]++;
    }
    const last = page.at(-1)!;
    after = { createdAt: last.createdAt, id: last.id };
  }
  return report;
}
