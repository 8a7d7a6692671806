import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Fleet } from '../../../sim/autoscale/fleet.ts';
import { DEFAULT_MODEL, type Model } from '../../../sim/autoscale/model.ts';
import { stepFor } from '../../../sim/autoscale/original-policy.ts';
import { percentile, simulate, timeToFirstResult } from '../../../sim/autoscale/simulate.ts';
import { burstyDay, mulberry32 } from '../../../sim/autoscale/trace.ts';

const model: Model = { ...DEFAULT_MODEL, coldStartSeconds: 300, warmStartSeconds: 60, jobSeconds: 20 };

describe('autoscaling simulator', () => {
  it('the trace is deterministic: the committed file is what its seed generates', () => {
    const committed = JSON.parse(readFileSync(new URL('../../../sim/traces/bursty-day.json', import.meta.url), 'utf8'));
    assert.deepEqual(committed, burstyDay(committed.seed));
    assert.deepEqual(burstyDay(7).arrivals, burstyDay(7).arrivals);
    assert.notDeepEqual(burstyDay(7).arrivals, burstyDay(8).arrivals);
    const r = mulberry32(1);
    assert.ok([r(), r(), r()].every((x) => x >= 0 && x < 1));
  });

  it('one job from idle, ours: first alarm minute + warm-pool start + job duration', () => {
    // Upload at t=1; the alarm reads the backlog at t=60; the action applies in the next 1 s step (61);
    // the stopped instance is ready at 121; result at 141, 140 s after the upload.
    assert.equal(timeToFirstResult(model, 'ours'), 60 - 1 + 1 + model.warmStartSeconds + model.jobSeconds);
  });

  it('one job from idle, original: end of the 120 s period + cold start + job duration', () => {
    assert.equal(timeToFirstResult(model, 'original'), 120 - 1 + 1 + model.coldStartSeconds + model.jobSeconds);
  });

  it('the original steps: +1/+2/+3/+4 for 0–5/5–15/15–30/30+ messages above the threshold of 1', () => {
    assert.deepEqual([1, 5, 6, 15, 16, 30, 31, 200].map(stepFor), [1, 1, 2, 2, 3, 3, 4, 4]);
  });

  it('the original scale-in cuts off running jobs when no message is visible; ours never does', () => {
    // 200 s jobs outlast a 120 s period: once the queue is empty for a whole period the group goes to zero
    // under the running job, which returns to the queue, starts again after a cold start, and is cut again.
    const arrivals = [1, 400, 410, 420];
    const original = simulate(arrivals, { ...model, jobSeconds: 200 }, 'original', undefined, 0);
    const ours = simulate(arrivals, { ...model, jobSeconds: 200 }, 'ours', undefined, 0);
    assert.ok(original.cutOffs > 10, `original cut off ${original.cutOffs}`);
    assert.ok(original.completed < arrivals.length, 'a job longer than the period never finishes under the original');
    assert.equal(ours.cutOffs, 0);
    assert.equal(ours.completed, arrivals.length);
  });

  it('a scale-in never removes a protected busy instance, and does cut an unprotected one', () => {
    for (const protectBusy of [true, false]) {
      const fleet = new Fleet(model, [{ name: 'g', max: 2, protectBusy, warmPool: false, marketFor: () => 'spot' }]);
      fleet.setDesired('g', 1);
      for (let t = 0; t <= 300; t++) fleet.step(t, t === 299 ? 1 : 0);
      assert.equal(fleet.inFlight(), 1);
      fleet.setDesired('g', 0);
      fleet.step(301, 0);
      assert.equal(fleet.running('g').length, protectBusy ? 1 : 0);
      assert.equal(fleet.outcome.cutOffs, protectBusy ? 0 : 1);
    }
  });

  it('the bursty day: ours has a lower p95 at no higher cost and cuts off no job (the BENCHMARKS.md claim)', () => {
    const { arrivals } = burstyDay();
    const original = simulate(arrivals, DEFAULT_MODEL, 'original');
    const ours = simulate(arrivals, DEFAULT_MODEL, 'ours');
    assert.equal(original.completed, arrivals.length);
    assert.equal(ours.completed, arrivals.length);
    assert.ok(ours.p95Seconds < original.p95Seconds, `${ours.p95Seconds} < ${original.p95Seconds}`);
    assert.ok(ours.costUsd <= original.costUsd, `${ours.costUsd} <= ${original.costUsd}`);
    assert.equal(ours.cutOffs, 0);
    assert.equal(percentile([1, 2, 3, 4], 50), 2);
  });
});
