/**
 * The phantom's own seeded random source (mulberry32), so a seed gives the same bytes on every machine and
 * Node version: Math.random cannot be seeded and would make training data and tests irreproducible.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number;
  /** Uniform in [-1, 1). */
  signed(): number;
  /** Integer in [lo, hi] inclusive. */
  int(lo: number, hi: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** Approximately standard normal (sum of four uniforms: cheap, bounded, deterministic). */
  normal(): number;
  /** An independent stream derived from this one (for per-frame noise that does not shift clip-level draws). */
  fork(salt: number): Rng;
}

export function createRng(seed: number): Rng {
  let state = hashSeed(seed);
  const next = (): number => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    range: (lo, hi) => lo + (hi - lo) * next(),
    signed: () => 2 * next() - 1,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    chance: (p) => next() < p,
    // Irwin-Hall with n = 4: variance 4/12, so scale by sqrt(3) for unit variance.
    normal: () => (next() + next() + next() + next() - 2) * 1.7320508075688772,
    fork: (salt) => createRng(hashSeed(state ^ Math.imul(salt + 1, 0x9e3779b1))),
  };
}

/** Mixes any finite number into a 32-bit state so nearby seeds give unrelated streams. */
export function hashSeed(seed: number): number {
  let h = Math.floor(seed) | 0;
  // Fold in the high bits of large seeds so 2^32 + 1 and 1 differ.
  h ^= Math.floor(seed / 4294967296) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
