/**
 * From per-frame network outputs to the clip's answer, as the original design did: per-frame view
 * probabilities (softmax of the logits) and quality, averaged over the sampled frames. The clip's view is
 * the argmax of the mean probabilities and its confidence that maximum; quality std is the population
 * standard deviation over the sampled frames. Arithmetic is in float64, whatever the network's precision.
 */

export interface FramePrediction {
  index: number;
  view: string;
  confidence: number;
  quality: number;
}

export interface ClipAggregate {
  view: string;
  confidence: number;
  probabilities: Record<string, number>;
  quality_mean: number;
  quality_std: number;
  frames: FramePrediction[];
}

/** Numerically stable softmax (max subtracted first), in float64. */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const out = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) {
    out[i] = Math.exp(logits[i]! - max);
    sum += out[i]!;
  }
  for (let i = 0; i < out.length; i++) out[i] = out[i]! / sum;
  return out;
}

/** Index of the largest value; the first one on ties. */
export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Population standard deviation (divides by n, not n - 1): the spread of the frames that were looked at. */
export function populationStd(values: readonly number[]): number {
  const m = mean(values);
  let sum = 0;
  for (const v of values) sum += (v - m) ** 2;
  return Math.sqrt(sum / values.length);
}

/**
 * Aggregates per-frame probabilities (rows already activated: softmax applied or given by the network)
 * and qualities into the clip prediction. `indices` are the source frame numbers of the rows.
 */
export function aggregateClip(
  labels: readonly string[],
  indices: readonly number[],
  probabilities: readonly Float64Array[],
  qualities: readonly number[],
): ClipAggregate {
  const n = probabilities.length;
  if (n === 0 || n !== indices.length || n !== qualities.length) {
    throw new RangeError(`aggregateClip needs one probability row, index and quality per frame (got ${n}, ${indices.length}, ${qualities.length})`);
  }
  const meanProb = new Float64Array(labels.length);
  const frames: FramePrediction[] = [];
  for (let f = 0; f < n; f++) {
    const row = probabilities[f]!;
    if (row.length !== labels.length) throw new RangeError(`frame row ${f} has ${row.length} probabilities for ${labels.length} labels`);
    for (let c = 0; c < labels.length; c++) meanProb[c] = meanProb[c]! + row[c]! / n;
    const best = argmax(row);
    frames.push({ index: indices[f]!, view: labels[best]!, confidence: row[best]!, quality: qualities[f]! });
  }
  const best = argmax(meanProb);
  const probabilitiesByLabel: Record<string, number> = {};
  labels.forEach((label, c) => {
    probabilitiesByLabel[label] = meanProb[c]!;
  });
  return {
    view: labels[best]!,
    confidence: meanProb[best]!,
    probabilities: probabilitiesByLabel,
    quality_mean: mean(qualities),
    quality_std: populationStd(qualities),
    frames,
  };
}
