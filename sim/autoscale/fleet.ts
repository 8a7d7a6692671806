/**
 * The simulated world, one-second steps: an SQS-like queue (visible jobs, in-flight jobs), instances in
 * Auto Scaling groups (starting, ready, or stopped in a warm pool), billing per second. Policies only
 * read the queue and fleet and set desired capacities; `reconcile` moves the fleet towards them the way
 * EC2 Auto Scaling does (idle instances first on scale-in; protected busy ones are skipped when the
 * group honours scale-in protection, and cut off when it does not).
 */
import type { Model } from './model.ts';

export type Market = 'spot' | 'on-demand';

export interface Job {
  arrival: number;
  cutOffs: number;
}

export interface Instance {
  id: number;
  group: string;
  market: Market;
  state: 'starting' | 'ready' | 'stopped';
  launchedAt: number;
  readyAt: number;
  job: Job | undefined;
  busyUntil: number;
}

export interface GroupSpec {
  name: string;
  max: number;
  /** Busy instances set scale-in protection (ours) or not (the original). */
  protectBusy: boolean;
  /** Scale-in stops instances into the warm pool instead of terminating them. */
  warmPool: boolean;
  /** Market of the next launch given the group's running instances. */
  marketFor: (running: Instance[]) => Market;
}

export interface Outcome {
  latencies: number[];
  firstResultAt: number | undefined;
  cutOffs: number;
  runningSeconds: { spot: number; 'on-demand': number };
  stoppedSeconds: number;
}

export class Fleet {
  readonly model: Model;
  readonly groups = new Map<string, GroupSpec>();
  readonly desired = new Map<string, number>();
  readonly visible: Job[] = [];
  readonly instances: Instance[] = [];
  readonly outcome: Outcome = {
    latencies: [],
    firstResultAt: undefined,
    cutOffs: 0,
    runningSeconds: { spot: 0, 'on-demand': 0 },
    stoppedSeconds: 0,
  };
  private nextId = 1;

  constructor(model: Model, groups: GroupSpec[]) {
    this.model = model;
    for (const group of groups) {
      this.groups.set(group.name, group);
      this.desired.set(group.name, 0);
    }
  }

  /** Adds a stopped, initialised instance to a group's warm pool. */
  prepareWarm(groupName: string, market: Market): void {
    this.instances.push({ id: this.nextId++, group: groupName, market, state: 'stopped', launchedAt: 0, readyAt: 0, job: undefined, busyUntil: 0 });
  }

  running(groupName: string): Instance[] {
    return this.instances.filter((i) => i.group === groupName && i.state !== 'stopped');
  }

  inFlight(): number {
    return this.instances.filter((i) => i.job !== undefined).length;
  }

  backlog(): number {
    return this.visible.length + this.inFlight();
  }

  setDesired(groupName: string, value: number): void {
    const group = this.groups.get(groupName)!;
    this.desired.set(groupName, Math.max(0, Math.min(group.max, value)));
  }

  /** One second of the world: arrivals, starts, completions, dispatch, scaling actions, billing. */
  step(t: number, arrivals: number): void {
    for (let k = 0; k < arrivals; k++) this.visible.push({ arrival: t, cutOffs: 0 });
    for (const instance of this.instances) {
      if (instance.state === 'starting' && instance.readyAt <= t) instance.state = 'ready';
      if (instance.job && instance.busyUntil <= t) {
        this.outcome.latencies.push(t - instance.job.arrival);
        this.outcome.firstResultAt ??= t;
        instance.job = undefined;
      }
    }
    for (const name of this.groups.keys()) this.reconcile(name, t);
    for (const instance of this.instances) {
      if (instance.state === 'ready' && !instance.job && this.visible.length > 0) {
        instance.job = this.visible.shift()!;
        instance.busyUntil = t + this.model.jobSeconds;
      }
    }
    for (const instance of this.instances) {
      if (instance.state === 'stopped') this.outcome.stoppedSeconds++;
      else this.outcome.runningSeconds[instance.market]++;
    }
  }

  private reconcile(groupName: string, t: number): void {
    const group = this.groups.get(groupName)!;
    const desired = this.desired.get(groupName)!;
    let running = this.running(groupName);
    while (running.length < desired) {
      const warm = group.warmPool ? this.instances.find((i) => i.group === groupName && i.state === 'stopped') : undefined;
      if (warm) {
        warm.state = 'starting';
        warm.launchedAt = t;
        warm.readyAt = t + this.model.warmStartSeconds;
      } else {
        const market = group.marketFor(running);
        this.instances.push({
          id: this.nextId++,
          group: groupName,
          market,
          state: 'starting',
          launchedAt: t,
          readyAt: t + this.model.coldStartSeconds,
          job: undefined,
          busyUntil: 0,
        });
      }
      running = this.running(groupName);
    }
    if (running.length <= desired) return;
    // Scale-in: idle instances first (newest first), then busy ones unless they are protected.
    const order = [...running].sort((a, b) => Number(a.job !== undefined) - Number(b.job !== undefined) || b.id - a.id);
    let excess = running.length - desired;
    for (const instance of order) {
      if (excess === 0) break;
      if (instance.job && group.protectBusy) continue;
      if (instance.job) {
        // Cut off: the message becomes visible again (the original received with VisibilityTimeout=0).
        instance.job.cutOffs++;
        this.outcome.cutOffs++;
        this.visible.unshift(instance.job);
        instance.job = undefined;
      }
      if (group.warmPool) instance.state = 'stopped';
      else this.instances.splice(this.instances.indexOf(instance), 1);
      excess--;
    }
  }
}
