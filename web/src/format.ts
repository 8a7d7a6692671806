/** Number and name formatting shared by the pages. */
export const pct = (x: number | undefined | null): string => (typeof x === 'number' ? `${(x * 100).toFixed(1)}%` : '—');
export const num = (x: number | undefined | null, digits = 2): string => (typeof x === 'number' ? x.toFixed(digits) : '—');
export const stem = (name: string): string => name.replace(/\.[^.]*$/, '');

/** Normalised entropy of the view probabilities: 0 = certain, 1 = uniform over all views. */
export function uncertainty(probabilities: Record<string, number>): number {
  const ps = Object.values(probabilities).filter((p) => p > 0);
  const k = Object.keys(probabilities).length;
  if (k < 2) return 0;
  return -ps.reduce((s, p) => s + p * Math.log(p), 0) / Math.log(k);
}
