/**
 * `npm run sim:autoscale`: replays sim/traces/bursty-day.json against the original scaling policy and
 * ours, and prints instance-hours, cost, latency percentiles, time to first result and cut-off jobs.
 * `-- --write-trace` regenerates the trace file from its seed.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DEFAULT_MODEL } from './model.ts';
import { DEFAULT_OURS, type Summary, simulate, timeToFirstResult } from './simulate.ts';
import { type Trace, burstyDay } from './trace.ts';

const TRACE_FILE = new URL('../traces/bursty-day.json', import.meta.url);

if (process.argv.includes('--write-trace')) {
  writeFileSync(TRACE_FILE, `${JSON.stringify(burstyDay())}\n`);
  console.log(`wrote ${TRACE_FILE.pathname}`);
  process.exit(0);
}

const trace = JSON.parse(readFileSync(TRACE_FILE, 'utf8')) as Trace;
const model = DEFAULT_MODEL;
const rows: [Summary, number][] = (['original', 'ours'] as const).map((policy) => [
  simulate(trace.arrivals, model, policy),
  timeToFirstResult(model, policy),
]);

const m = (s: number) => `${(s / 60).toFixed(1)} min`;
console.log(`trace: ${trace.arrivals.length} uploads, seed ${trace.seed} (${trace.description})`);
console.log(
  `model: cold start ${model.coldStartSeconds} s, warm-pool start ${model.warmStartSeconds} s, job ${model.jobSeconds} s, ` +
    `max fleet ${model.maxInstances}; ours: target backlog/instance ${DEFAULT_OURS.target}, ${DEFAULT_OURS.responders} warm responder`,
);
console.log(
  `prices (assumptions, g4dn.xlarge us-east-1): on-demand $${model.onDemandPerHour}/h, Spot $${model.spotPerHour}/h, stopped warm-pool instance $${model.stoppedPerHour}/h (EBS)`,
);
console.log('');
console.log('| policy | instance-hours (on-demand + Spot) | cost | p50 latency | p95 latency | max latency | first result from idle | jobs cut off by scale-in |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [s, first] of rows) {
  console.log(
    `| ${s.policy} | ${s.instanceHours.toFixed(2)} (${s.onDemandHours.toFixed(2)} + ${s.spotHours.toFixed(2)}) | $${s.costUsd.toFixed(2)} | ` +
      `${m(s.p50Seconds)} | ${m(s.p95Seconds)} | ${m(s.maxSeconds)} | ${first} s | ${s.cutOffs} |`,
  );
}
const [original, ours] = rows.map(([s]) => s) as [Summary, Summary];
const met = ours.p95Seconds < original.p95Seconds && ours.costUsd <= original.costUsd && ours.cutOffs === 0;
console.log('');
console.log(`target (lower p95 at no higher cost, no job cut off): ${met ? 'met' : 'NOT met'}`);

// Sensitivity: the same trace at other fleet sizes (2 was the original's maximum), with and without
// the warm-pool responder (context warmPoolSize 1 / 0).
console.log('');
console.log('| max fleet | original: cost, p95, cut off | ours, warmPoolSize 1: cost, p95, cut off | ours, warmPoolSize 0: cost, p95, cut off |');
console.log('| --- | --- | --- | --- |');
const cell = (s: Summary) => `$${s.costUsd.toFixed(2)}, ${m(s.p95Seconds)}, ${s.cutOffs}`;
for (const maxInstances of [2, 4, 8]) {
  const sized = { ...model, maxInstances };
  const o = simulate(trace.arrivals, sized, 'original');
  const withResponder = simulate(trace.arrivals, sized, 'ours', { ...DEFAULT_OURS, responders: 1 });
  const without = simulate(trace.arrivals, sized, 'ours', { ...DEFAULT_OURS, responders: 0 });
  console.log(`| ${maxInstances} | ${cell(o)} | ${cell(withResponder)} | ${cell(without)} |`);
}

// Sensitivity to the job duration (20 s stands for the original's per-clip time on a T4 with download;
// this project's default model reads and predicts a clip in well under a second).
console.log('');
console.log('| job duration | original: cost, p95, cut off | ours: cost, p95, cut off |');
console.log('| --- | --- | --- |');
for (const jobSeconds of [2, 20, 60]) {
  const timed = { ...model, jobSeconds };
  console.log(`| ${jobSeconds} s | ${cell(simulate(trace.arrivals, timed, 'original'))} | ${cell(simulate(trace.arrivals, timed, 'ours'))} |`);
}
