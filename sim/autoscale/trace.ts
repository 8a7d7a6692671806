/**
 * The arrival trace: a bursty day of uploads, generated from a seed (mulberry32), so the committed file
 * sim/traces/bursty-day.json can be regenerated bit for bit (`npm run sim:autoscale -- --write-trace`).
 * Shape: a trickle at night, a steady daytime rate, and clinic sessions that upload a whole study's
 * cines within minutes.
 */
export interface Trace {
  seed: number;
  description: string;
  /** Upload times in seconds from midnight, ascending. */
  arrivals: number[];
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function poisson(random: () => number, ratePerHour: number, from: number, to: number, out: number[]): void {
  let t = from;
  for (;;) {
    t += (-Math.log(1 - random()) / ratePerHour) * 3600;
    if (t >= to) return;
    out.push(Math.round(t));
  }
}

export function burstyDay(seed = 20231107): Trace {
  const random = mulberry32(seed);
  const arrivals: number[] = [];
  poisson(random, 1, 0, 7 * 3600, arrivals); // night: ~1 upload an hour
  poisson(random, 8, 7 * 3600, 19 * 3600, arrivals); // day: ~8 uploads an hour
  poisson(random, 2, 19 * 3600, 24 * 3600, arrivals); // evening
  // Ten clinic sessions between 08:00 and 18:00, each uploading 10–80 cines over 2–10 minutes.
  for (let i = 0; i < 10; i++) {
    const start = 8 * 3600 + random() * 10 * 3600;
    const size = 10 + Math.floor(random() * 71);
    const spread = 120 + random() * 480;
    for (let j = 0; j < size; j++) arrivals.push(Math.round(start + random() * spread));
  }
  arrivals.sort((a, b) => a - b);
  return { seed, description: 'bursty day: Poisson trickle (1/h night, 8/h day, 2/h evening) + 10 clinic bursts of 10-80 cines in 2-10 min', arrivals };
}
