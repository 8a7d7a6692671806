/**
 * The original deployment's scaling, as documented: step scaling on ApproximateNumberOfMessagesVisible,
 * alarm at ≥ 1 message, +1/+2/+3/+4 instances for 0–5/5–15/15–30/30+ messages above the threshold,
 * 120 s evaluation periods, 420 s warm-up, scale-in by −100 % when no message is visible (cutting off
 * running jobs: in-flight messages are not visible); first instance on-demand, 25 % on-demand above it.
 * The alarms read each period's Maximum, the reading most favourable to this policy.
 */
import type { Fleet, Instance, Market } from './fleet.ts';

export const ORIGINAL_GROUP = 'original';
const PERIOD = 120;
const WARMUP = 420;

export function originalMarket(running: Instance[]): Market {
  const n = running.length + 1;
  const onDemandWanted = 1 + Math.floor(0.25 * (n - 1));
  const onDemand = running.filter((i) => i.market === 'on-demand').length;
  return onDemand < onDemandWanted ? 'on-demand' : 'spot';
}

export function stepFor(visible: number): number {
  const above = visible - 1;
  if (above < 5) return 1;
  if (above < 15) return 2;
  if (above < 30) return 3;
  return 4;
}

export class OriginalPolicy {
  private periodMaxVisible = 0;

  /** Called every second after the world stepped. */
  tick(fleet: Fleet, t: number): void {
    this.periodMaxVisible = Math.max(this.periodMaxVisible, fleet.visible.length);
    if (t === 0 || t % PERIOD !== 0) return;
    const visible = this.periodMaxVisible;
    this.periodMaxVisible = fleet.visible.length;
    if (visible >= 1) {
      // Instances still warming count as in-progress capacity: only the difference is added.
      const warmed = fleet.running(ORIGINAL_GROUP).filter((i) => t - i.launchedAt >= WARMUP).length;
      const desired = fleet.desired.get(ORIGINAL_GROUP)!;
      fleet.setDesired(ORIGINAL_GROUP, Math.max(desired, warmed + stepFor(visible)));
    } else {
      fleet.setDesired(ORIGINAL_GROUP, 0);
    }
  }
}
