import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { CLIP_STATUSES, type Catalog } from '../ports/catalog.ts';
import type { JobQueue } from '../ports/job-queue.ts';

/** Prometheus metrics: queue depth, clips by status, job outcomes and stage durations. */
export function createMetrics(queue: JobQueue, catalog: Catalog) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'echo_cloud_' });
  new Gauge({
    name: 'echo_cloud_queue_messages',
    help: 'Jobs in the queue by state (visible: waiting; in_flight: held by a worker; delayed: waiting for a retry; dead: dead-lettered)',
    labelNames: ['state'],
    registers: [registry],
    async collect() {
      const s = await queue.stats();
      this.set({ state: 'visible' }, s.visible);
      this.set({ state: 'in_flight' }, s.inFlight);
      this.set({ state: 'delayed' }, s.delayed);
      this.set({ state: 'dead' }, s.dead);
    },
  });
  new Gauge({
    name: 'echo_cloud_clips',
    help: 'Clips in the catalog by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      const counts = await catalog.countClipsByStatus();
      for (const status of CLIP_STATUSES) this.set({ status }, counts[status]);
    },
  });
  const jobs = new Counter({ name: 'echo_cloud_jobs_finished_total', help: 'Jobs finished by outcome', labelNames: ['status'], registers: [registry] });
  const stages = new Histogram({
    name: 'echo_cloud_job_stage_seconds',
    help: 'Duration of job stages (queued: upload to job start; read: fetch and open the cine; inference: model; total: upload to result)',
    labelNames: ['stage'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const uploads = new Counter({ name: 'echo_cloud_uploads_total', help: 'Ingested files by source and outcome', labelNames: ['source', 'outcome'], registers: [registry] });

  return {
    registry,
    jobFinished(status: string, timings: Record<string, number> | null | undefined): void {
      jobs.inc({ status });
      if (timings) for (const [stage, ms] of Object.entries(timings)) stages.observe({ stage }, ms / 1000);
    },
    upload(source: string, outcome: string): void {
      uploads.inc({ source, outcome });
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
