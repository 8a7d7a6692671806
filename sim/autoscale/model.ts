/**
 * What both policies share: instance start latencies, job duration, prices, fleet size. Prices are
 * ASSUMPTIONS (us-east-1 list/typical values, not quotes): g4dn.xlarge on-demand $0.526/h, Spot ~$0.21/h;
 * a stopped warm-pool instance costs only its 100 GB gp3 volume (~$0.011/h).
 */
export interface Model {
  /** Launch to first job of a fresh instance (boot, GPU driver, image on the AMI/pulled, model load), s. */
  coldStartSeconds: number;
  /** Start of a stopped warm-pool instance to first job (image on disk, model load), s. */
  warmStartSeconds: number;
  /** One clip on one GPU instance (download, read, infer, write results), s. */
  jobSeconds: number;
  onDemandPerHour: number;
  spotPerHour: number;
  stoppedPerHour: number;
  /** Largest fleet, both policies. */
  maxInstances: number;
}

export const DEFAULT_MODEL: Model = {
  coldStartSeconds: 300,
  warmStartSeconds: 60,
  jobSeconds: 20,
  onDemandPerHour: 0.526,
  spotPerHour: 0.21,
  stoppedPerHour: 0.011,
  maxInstances: 4,
};
