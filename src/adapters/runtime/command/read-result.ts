/**
 * The output side of the command file contract: reads the program's result.json and checks it strictly,
 * because whatever passes here goes into a result document. Two forms are accepted:
 *
 * - per frame: { "frames": [ { "probabilities": [...] | "logits": [...], "quality": q, "index"?: i } ] },
 *   one row per frame the program was given (input mode "tensor"), aggregated by core's aggregateClip;
 * - per clip: { "view", "confidence", "probabilities": { label: p }, "quality_mean", "quality_std" }.
 *
 * Either may repeat the manifest's labels as "labels" (checked against them, order included). Every
 * failure is INFERENCE_FAILED naming result.json and the field.
 */
import { readFile, stat } from 'node:fs/promises';
import { EchoError } from '../../../errors/catalogue.ts';
import { aggregateClip, argmax, type ClipAggregate, softmax } from '../../../models/aggregate.ts';

/** Tolerance on a probability sum, and on confidence versus probabilities[view]. */
export const SUM_TOLERANCE = 1e-3;
/** A result larger than this is not a model answer. */
export const MAX_RESULT_BYTES = 16 * 1024 * 1024;

export interface ResultExpectation {
  who: string;
  labels: readonly string[];
  /** Source indices of the frames given (mode "tensor"); null when the program read the original file. */
  indices: readonly number[] | null;
  /** Frames in the source cine (bounds per-frame indices in mode "original"). */
  sourceFrames: number;
}

const CLIP_KEYS = ['view', 'confidence', 'probabilities', 'quality_mean', 'quality_std'];

export async function readResultFile(path: string, expect: ResultExpectation): Promise<ClipAggregate> {
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch {
    throw new EchoError('INFERENCE_FAILED', `${expect.who}: the program exited with code 0 but wrote no result.json in its clip directory`);
  }
  if (size > MAX_RESULT_BYTES) throw new EchoError('INFERENCE_FAILED', `${expect.who}: result.json is ${size} bytes; at most ${MAX_RESULT_BYTES} are accepted`);
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const hint = /\b(NaN|-?Infinity)\b/.test(text) ? ' (NaN and Infinity are not JSON: the model produced a non-finite value)' : '';
    throw new EchoError('INFERENCE_FAILED', `${expect.who}: result.json is not valid JSON: ${(err as Error).message}${hint}`, { cause: err });
  }
  return checkResult(json, expect);
}

/** Checks a parsed result.json and turns it into the clip answer. */
export function checkResult(json: unknown, expect: ResultExpectation): ClipAggregate {
  const fail: Fail = (field, problem) => {
    throw new EchoError('INFERENCE_FAILED', `${expect.who}: result.json ${field ? `field "${field}" ` : ''}${problem}`, { details: { file: 'result.json', field } });
  };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('', `must be a JSON object, got ${kind(json)}`);
  const top = json as Record<string, unknown>;
  const perFrame = 'frames' in top && !('view' in top);
  const allowed = perFrame ? ['frames', 'labels'] : [...CLIP_KEYS, 'labels'];
  if (!perFrame && !('view' in top)) {
    fail('', `must hold either "frames" (per-frame outputs) or ${CLIP_KEYS.map((k) => `"${k}"`).join(', ')} (a clip answer); found ${Object.keys(top).map((k) => `"${k}"`).join(', ') || 'no fields'}`);
  }
  for (const key of Object.keys(top)) if (!allowed.includes(key)) fail(key, `is not a known field here; accepted: ${allowed.join(', ')}`);
  if (top.labels !== undefined) {
    const same = Array.isArray(top.labels) && top.labels.length === expect.labels.length && top.labels.every((l, i) => l === expect.labels[i]);
    if (!same) fail('labels', `must equal the manifest's output.labels in order (${expect.labels.join(', ')}), got ${JSON.stringify(top.labels)}`);
  }
  return perFrame ? checkFrames(top.frames, expect, fail) : checkClip(top, expect, fail);
}

type Fail = (field: string, problem: string) => never;

function checkFrames(value: unknown, expect: ResultExpectation, fail: Fail): ClipAggregate {
  if (!Array.isArray(value) || value.length === 0) fail('frames', `must be a non-empty array, got ${kind(value)}`);
  const rows = value as unknown[];
  if (expect.indices && rows.length !== expect.indices.length) {
    fail('frames', `has ${rows.length} entries; the program was given ${expect.indices.length} frames (cine.npy rows, cine.json frameIndices) and must answer for each, in order`);
  }
  if (!expect.indices && rows.length > expect.sourceFrames) fail('frames', `has ${rows.length} entries but the cine has ${expect.sourceFrames} frames`);
  const probabilities: Float64Array[] = [];
  const qualities: number[] = [];
  const indices: number[] = [];
  rows.forEach((row, i) => {
    const at = `frames[${i}]`;
    if (typeof row !== 'object' || row === null || Array.isArray(row)) fail(at, `must be an object, got ${kind(row)}`);
    const r = row as Record<string, unknown>;
    for (const key of Object.keys(r)) if (!['probabilities', 'logits', 'quality', 'index'].includes(key)) fail(`${at}.${key}`, 'is not a known field; accepted: probabilities or logits, quality, index');
    if (('probabilities' in r) === ('logits' in r)) fail(at, 'must have exactly one of "probabilities" and "logits"');
    if ('logits' in r) probabilities.push(softmax(numbers(r.logits, `${at}.logits`, expect.labels.length, fail)));
    else probabilities.push(Float64Array.from(distribution(r.probabilities, `${at}.probabilities`, expect.labels.length, fail)));
    qualities.push(unit(r.quality, `${at}.quality`, fail));
    const expected = expect.indices ? expect.indices[i]! : null;
    if (r.index !== undefined) {
      const index = r.index;
      if (typeof index !== 'number' || !Number.isInteger(index)) fail(`${at}.index`, `must be an integer, got ${kind(index)}`);
      if (expected !== null && index !== expected) fail(`${at}.index`, `is ${index}; row ${i} of cine.npy is source frame ${expected} (cine.json frameIndices)`);
      if (index < 0 || index >= expect.sourceFrames) fail(`${at}.index`, `is ${index}; the cine has frames 0..${expect.sourceFrames - 1}`);
      if (indices.length > 0 && index <= indices.at(-1)!) fail(`${at}.index`, `is ${index}; frame indices must increase (the previous one was ${indices.at(-1)})`);
      indices.push(index);
    } else {
      indices.push(expected ?? i);
    }
  });
  return aggregateClip(expect.labels, indices, probabilities, qualities);
}

function checkClip(top: Record<string, unknown>, expect: ResultExpectation, fail: Fail): ClipAggregate {
  for (const key of CLIP_KEYS) if (!(key in top)) fail(key, 'is missing');
  const view = top.view;
  if (typeof view !== 'string' || !expect.labels.includes(view)) fail('view', `must be one of the manifest's labels (${expect.labels.join(', ')}), got ${kind(view)}`);
  const p = top.probabilities;
  if (typeof p !== 'object' || p === null || Array.isArray(p)) fail('probabilities', `must be an object { label: probability } over the manifest's labels, got ${kind(p)}`);
  const given = p as Record<string, unknown>;
  for (const key of Object.keys(given)) if (!expect.labels.includes(key)) fail(`probabilities.${key}`, `is not one of the manifest's labels (${expect.labels.join(', ')})`);
  for (const label of expect.labels) if (!(label in given)) fail(`probabilities.${label}`, 'is missing; every manifest label needs a probability');
  const values = distribution(expect.labels.map((l) => given[l]), 'probabilities', expect.labels.length, fail, expect.labels);
  const probabilities: Record<string, number> = {};
  expect.labels.forEach((l, i) => {
    probabilities[l] = values[i]!;
  });
  const confidence = unit(top.confidence, 'confidence', fail);
  if (Math.abs(confidence - probabilities[view]!) > SUM_TOLERANCE) fail('confidence', `is ${confidence} but probabilities.${view} is ${probabilities[view]}; they must agree within ${SUM_TOLERANCE}`);
  const best = expect.labels[argmax(values)]!;
  if (probabilities[best]! - probabilities[view]! > 1e-9) fail('view', `is "${view}" (${probabilities[view]}) but "${best}" is more probable (${probabilities[best]}); view must be the most probable label`);
  const quality_mean = unit(top.quality_mean, 'quality_mean', fail);
  const quality_std = finite(top.quality_std, 'quality_std', fail);
  if (quality_std < 0 || quality_std > 0.5) fail('quality_std', `must be in [0, 0.5] (a spread of qualities in 0..1), got ${quality_std}`);
  return { view, confidence, probabilities, quality_mean, quality_std, frames: [] };
}

function numbers(value: unknown, field: string, length: number, fail: Fail, names?: readonly string[]): number[] {
  if (!Array.isArray(value) || value.length !== length) fail(field, `must be an array of ${length} numbers (one per manifest label), got ${Array.isArray(value) ? `${value.length} entries` : kind(value)}`);
  return (value as unknown[]).map((v, i) => finite(v, names ? `${field}.${names[i]}` : `${field}[${i}]`, fail));
}

/** Probabilities: finite, each in [0, 1], summing to 1 within SUM_TOLERANCE. */
function distribution(value: unknown, field: string, length: number, fail: Fail, names?: readonly string[]): number[] {
  const values = numbers(value, field, length, fail, names);
  values.forEach((v, i) => {
    if (v < 0 || v > 1) fail(names ? `${field}.${names[i]}` : `${field}[${i}]`, `is ${v}; a probability must be in [0, 1]`);
  });
  const sum = values.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > SUM_TOLERANCE) fail(field, `sums to ${sum}; probabilities must sum to 1 ± ${SUM_TOLERANCE} (give "logits" to have the platform apply softmax)`);
  return values;
}

function finite(value: unknown, field: string, fail: Fail): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(field, `must be a finite number, got ${kind(value)}`);
  return value as number;
}

function unit(value: unknown, field: string, fail: Fail): number {
  const v = finite(value, field, fail);
  if (v < 0 || v > 1) fail(field, `must be in [0, 1], got ${v}`);
  return v;
}

function kind(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`.slice(0, 80);
}
