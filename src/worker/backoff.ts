/**
 * Retry delay after the n-th failed delivery (1-based): base · 2^(n-1), capped, with ±25 % jitter so that
 * jobs failing together do not retry together.
 */
export function retryDelaySeconds(receiveCount: number, baseSeconds: number, capSeconds = 300, random: () => number = Math.random): number {
  if (baseSeconds <= 0) return 0;
  const exp = Math.min(capSeconds, baseSeconds * 2 ** Math.max(0, receiveCount - 1));
  const jitter = 0.75 + random() * 0.5;
  return Math.max(0, Math.min(capSeconds, Math.round(exp * jitter)));
}
