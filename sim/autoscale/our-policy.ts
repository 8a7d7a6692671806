/**
 * This project's scaling (infra/lib/worker-scaling.ts), with 1-minute metrics:
 * - responder group (on-demand, warm pool of stopped instances): as soon as one job is queued or running
 *   while none of its instances is in service, ExactCapacity tiers of the backlog; back to the warm pool
 *   after 2 idle minutes (a warm start is cheap).
 * - Spot group: scale from zero (no instance in service) when backlog ≥ target (ExactCapacity tiers, re-set
 *   every minute until one is in service, so a growing burst is sized before the first boot ends); target tracking on backlog per
 *   in-service instance (scale out after 3 minutes above target, scale in after 15 minutes below 90 % of it,
 *   never while an instance is warming up).
 * Busy instances are scale-in protected in both groups, so no job is cut off.
 */
import type { Fleet } from './fleet.ts';

export const RESPONDER_GROUP = 'responder';
export const SPOT_GROUP = 'spot';

export interface OurSettings {
  /** Target backlog per in-service instance (context backlogPerInstance). */
  target: number;
  /** Responder group size = warm pool size (context warmPoolSize). */
  responders: number;
  spotWarmupSeconds: number;
}

export class OurPolicy {
  private readonly settings: OurSettings;
  private idleMinutes = 0;
  private highMinutes = 0;
  private lowMinutes = 0;

  constructor(settings: OurSettings) {
    this.settings = settings;
  }

  tick(fleet: Fleet, t: number): void {
    if (t === 0 || t % 60 !== 0) return;
    const { target } = this.settings;
    const backlog = fleet.backlog();

    if (this.settings.responders > 0) {
      const inService = fleet.running(RESPONDER_GROUP).filter((i) => t - i.launchedAt >= 60).length;
      if (inService === 0 && backlog >= 1) fleet.setDesired(RESPONDER_GROUP, 1 + Math.floor((backlog - 1) / target));
      this.idleMinutes = backlog < 1 ? this.idleMinutes + 1 : 0;
      if (this.idleMinutes >= 2) fleet.setDesired(RESPONDER_GROUP, 0);
    }

    // GroupInServiceInstances: launched and through the InService transition (about a minute).
    const spot = fleet.running(SPOT_GROUP);
    const inService = spot.filter((i) => t - i.launchedAt >= 60).length;
    const threshold = this.settings.responders > 0 ? target : 1;
    if (inService === 0 && backlog >= threshold) {
      fleet.setDesired(SPOT_GROUP, 1 + Math.floor((backlog - threshold) / target));
    }
    const metric = inService > 0 ? backlog / inService : 0;
    this.highMinutes = metric > target ? this.highMinutes + 1 : 0;
    this.lowMinutes = metric < 0.9 * target ? this.lowMinutes + 1 : 0;
    const wanted = Math.ceil(backlog / target);
    if (this.highMinutes >= 3) fleet.setDesired(SPOT_GROUP, Math.max(fleet.desired.get(SPOT_GROUP)!, wanted));
    const warming = spot.some((i) => t - i.launchedAt < this.settings.spotWarmupSeconds);
    if (this.lowMinutes >= 15 && !warming) fleet.setDesired(SPOT_GROUP, Math.min(fleet.desired.get(SPOT_GROUP)!, wanted));
  }
}
