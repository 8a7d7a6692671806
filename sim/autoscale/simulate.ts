/** Replays arrivals against one policy and summarises the outcome. */
import { Fleet } from './fleet.ts';
import type { Model } from './model.ts';
import { ORIGINAL_GROUP, OriginalPolicy, originalMarket } from './original-policy.ts';
import { OurPolicy, RESPONDER_GROUP, SPOT_GROUP } from './our-policy.ts';

export type PolicyName = 'original' | 'ours';

export interface Summary {
  policy: PolicyName;
  jobs: number;
  completed: number;
  instanceHours: number;
  onDemandHours: number;
  spotHours: number;
  costUsd: number;
  p50Seconds: number;
  p95Seconds: number;
  maxSeconds: number;
  cutOffs: number;
  firstResultSeconds: number | undefined;
}

export interface OurOptions {
  target: number;
  responders: number;
}

export const DEFAULT_OURS: OurOptions = { target: 6, responders: 1 };

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

function build(policy: PolicyName, model: Model, ours: OurOptions): { fleet: Fleet; tick: (fleet: Fleet, t: number) => void } {
  if (policy === 'original') {
    const fleet = new Fleet(model, [
      { name: ORIGINAL_GROUP, max: model.maxInstances, protectBusy: false, warmPool: false, marketFor: originalMarket },
    ]);
    const p = new OriginalPolicy();
    return { fleet, tick: (f, t) => p.tick(f, t) };
  }
  const fleet = new Fleet(model, [
    { name: RESPONDER_GROUP, max: ours.responders, protectBusy: true, warmPool: true, marketFor: () => 'on-demand' },
    { name: SPOT_GROUP, max: model.maxInstances - ours.responders, protectBusy: true, warmPool: false, marketFor: () => 'spot' },
  ]);
  for (let i = 0; i < ours.responders; i++) fleet.prepareWarm(RESPONDER_GROUP, 'on-demand');
  const p = new OurPolicy({ target: ours.target, responders: ours.responders, spotWarmupSeconds: model.coldStartSeconds });
  return { fleet, tick: (f, t) => p.tick(f, t) };
}

/**
 * Runs from t = 0 (fleet at zero, warm pool stopped and ready) until `horizon` seconds and past it until
 * every job has its result and the fleet is back at zero.
 */
export function simulate(arrivals: number[], model: Model, policy: PolicyName, ours: OurOptions = DEFAULT_OURS, horizon = 86_400): Summary {
  const { fleet, tick } = build(policy, model, ours);
  const counts = new Map<number, number>();
  for (const a of arrivals) counts.set(a, (counts.get(a) ?? 0) + 1);
  const limit = horizon + 6 * 3600;
  let t = 0;
  for (; t < limit; t++) {
    fleet.step(t, counts.get(t) ?? 0);
    tick(fleet, t);
    const done = fleet.outcome.latencies.length === arrivals.length;
    if (t >= horizon && done && fleet.instances.every((i) => i.state === 'stopped')) break;
  }
  const o = fleet.outcome;
  const latencies = [...o.latencies].sort((a, b) => a - b);
  const onDemandHours = o.runningSeconds['on-demand'] / 3600;
  const spotHours = o.runningSeconds.spot / 3600;
  return {
    policy,
    jobs: arrivals.length,
    completed: latencies.length,
    instanceHours: onDemandHours + spotHours,
    onDemandHours,
    spotHours,
    costUsd: onDemandHours * model.onDemandPerHour + spotHours * model.spotPerHour + (o.stoppedSeconds / 3600) * model.stoppedPerHour,
    p50Seconds: percentile(latencies, 50),
    p95Seconds: percentile(latencies, 95),
    maxSeconds: latencies.at(-1) ?? Number.NaN,
    cutOffs: o.cutOffs,
    firstResultSeconds: o.firstResultAt,
  };
}

/** Upload-to-result time of one upload at t = 1 s into an idle (zero) fleet. */
export function timeToFirstResult(model: Model, policy: PolicyName, ours: OurOptions = DEFAULT_OURS): number {
  const summary = simulate([1], model, policy, ours, 0);
  return summary.firstResultSeconds! - 1;
}
