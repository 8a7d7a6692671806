/**
 * The deployed-model manifest (models/<name>/<version>/manifest.json): what the weights are, how frames
 * must be prepared for them, how to read their outputs and how to aggregate to a clip. Validated by hand
 * so every problem names the field, the value found and what is accepted (docs/models.md documents it).
 */
import { EchoError } from '../errors/catalogue.ts';

export interface ModelManifest {
  schemaVersion: 1;
  name: string;
  version: string;
  runtime: 'onnx';
  /** Weights file name, relative to the manifest's folder. */
  weights: string;
  /** Lower-case hex SHA-256 of the weights file. */
  weightsSha256: string;
  description?: string;
  input: ManifestInput;
  output: ManifestOutput;
  aggregation: { method: 'mean' };
}

export interface ManifestInput {
  tensor: string;
  height: number;
  width: number;
  channels: 1;
  frames: { dropRate: number; max: number };
  cropToSector: boolean;
  /** Grey 0..255 maps linearly onto [lo, hi]. */
  scale: [number, number];
  resize: 'area';
}

export interface ManifestOutput {
  labels: string[];
  viewTensor: string;
  viewActivation: 'softmax' | 'none';
  qualityTensor: string;
  per: 'frame';
}

type Json = unknown;

class Checker {
  readonly source: string;

  constructor(source: string) {
    this.source = source;
  }

  fail(field: string, problem: string): never {
    throw new EchoError('MODEL_INVALID', `${this.source}: field "${field}" ${problem}`, { details: { field, source: this.source } });
  }

  object(value: Json, field: string, keys: { required: string[]; optional?: string[] }): Record<string, Json> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, `must be an object, got ${describe(value)}`);
    const obj = value as Record<string, Json>;
    const allowed = new Set([...keys.required, ...(keys.optional ?? [])]);
    for (const key of Object.keys(obj)) {
      if (!allowed.has(key)) this.fail(join(field, key), `is not a known field; accepted: ${[...allowed].join(', ')}`);
    }
    for (const key of keys.required) if (!(key in obj)) this.fail(join(field, key), 'is missing');
    return obj;
  }

  string(value: Json, field: string, pattern?: RegExp, what?: string): string {
    if (typeof value !== 'string') this.fail(field, `must be a string, got ${describe(value)}`);
    if (pattern && !pattern.test(value)) this.fail(field, `must be ${what ?? `a string matching ${pattern}`}, got ${JSON.stringify(value)}`);
    return value;
  }

  oneOf<T extends string | number | boolean>(value: Json, field: string, accepted: readonly T[]): T {
    if (!accepted.includes(value as T)) this.fail(field, `must be one of ${accepted.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(value)}`);
    return value as T;
  }

  number(value: Json, field: string, range: { min: number; max: number; integer?: boolean; maxExclusive?: boolean }): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(field, `must be a finite number, got ${describe(value)}`);
    if (range.integer && !Number.isInteger(value)) this.fail(field, `must be an integer, got ${value}`);
    const tooHigh = range.maxExclusive ? value >= range.max : value > range.max;
    if (value < range.min || tooHigh) {
      this.fail(field, `must be in [${range.min}, ${range.max}${range.maxExclusive ? ')' : ']'}, got ${value}`);
    }
    return value;
  }

  boolean(value: Json, field: string): boolean {
    if (typeof value !== 'boolean') this.fail(field, `must be true or false, got ${describe(value)}`);
    return value;
  }
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const VERSION = /^\d+\.\d+\.\d+$/;
/** A plain file name in the model folder: no separators, no parent references, no hidden files. */
const FILE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const TENSOR = /^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** Validates a parsed manifest; `source` (usually the file path) prefixes every error message. */
export function validateManifest(value: Json, source: string): ModelManifest {
  const c: Checker = new Checker(source);
  const top = c.object(value, '', {
    required: ['schemaVersion', 'name', 'version', 'runtime', 'weights', 'weightsSha256', 'input', 'output', 'aggregation'],
    optional: ['description'],
  });
  c.oneOf(top.schemaVersion, 'schemaVersion', [1] as const);
  const manifest: ModelManifest = {
    schemaVersion: 1,
    name: c.string(top.name, 'name', NAME, 'lower-case letters, digits and dashes (at most 63)'),
    version: c.string(top.version, 'version', VERSION, 'a version MAJOR.MINOR.PATCH such as "1.0.0"'),
    runtime: c.oneOf(top.runtime, 'runtime', ['onnx'] as const),
    weights: c.string(top.weights, 'weights', FILE, 'a plain file name inside the model folder such as "model.onnx"'),
    weightsSha256: c.string(top.weightsSha256, 'weightsSha256', SHA256, '64 lower-case hex digits'),
    input: validateInput(c, top.input),
    output: validateOutput(c, top.output),
    aggregation: { method: c.oneOf(c.object(top.aggregation, 'aggregation', { required: ['method'] }).method, 'aggregation.method', ['mean'] as const) },
  };
  if (top.description !== undefined) manifest.description = c.string(top.description, 'description');
  if (manifest.output.viewTensor === manifest.output.qualityTensor) {
    c.fail('output.qualityTensor', `must differ from output.viewTensor ("${manifest.output.viewTensor}")`);
  }
  return manifest;
}

function validateInput(c: Checker, value: Json): ManifestInput {
  const o = c.object(value, 'input', {
    required: ['tensor', 'height', 'width', 'channels', 'frames', 'cropToSector', 'scale', 'resize'],
  });
  const frames = c.object(o.frames, 'input.frames', { required: ['dropRate', 'max'] });
  if (!Array.isArray(o.scale) || o.scale.length !== 2) c.fail('input.scale', `must be a pair [lo, hi], got ${describe(o.scale)}`);
  const lo = c.number(o.scale[0], 'input.scale[0]', { min: -1e6, max: 1e6 });
  const hi = c.number(o.scale[1], 'input.scale[1]', { min: -1e6, max: 1e6 });
  if (!(hi > lo)) c.fail('input.scale', `must have hi > lo, got [${lo}, ${hi}]`);
  return {
    tensor: c.string(o.tensor, 'input.tensor', TENSOR, 'a tensor name'),
    height: c.number(o.height, 'input.height', { min: 8, max: 2048, integer: true }),
    width: c.number(o.width, 'input.width', { min: 8, max: 2048, integer: true }),
    // Preprocessing produces grey frames only; colour inputs would need a new preprocessing mode.
    channels: c.oneOf(o.channels, 'input.channels', [1] as const),
    frames: {
      dropRate: c.number(frames.dropRate, 'input.frames.dropRate', { min: 0, max: 1, maxExclusive: true }),
      max: c.number(frames.max, 'input.frames.max', { min: 1, max: 4096, integer: true }),
    },
    cropToSector: c.boolean(o.cropToSector, 'input.cropToSector'),
    scale: [lo, hi],
    resize: c.oneOf(o.resize, 'input.resize', ['area'] as const),
  };
}

function validateOutput(c: Checker, value: Json): ManifestOutput {
  const o = c.object(value, 'output', { required: ['labels', 'viewTensor', 'viewActivation', 'qualityTensor', 'per'] });
  if (!Array.isArray(o.labels) || o.labels.length < 2) c.fail('output.labels', `must be an array of at least 2 labels, got ${describe(o.labels)}`);
  const labels = o.labels.map((l, i) => c.string(l, `output.labels[${i}]`, /^[A-Za-z0-9][A-Za-z0-9_ -]{0,31}$/, 'a short label (letters, digits)'));
  const seen = new Set<string>();
  labels.forEach((l, i) => {
    if (seen.has(l)) c.fail(`output.labels[${i}]`, `repeats the label "${l}"; labels must be unique`);
    seen.add(l);
  });
  return {
    labels,
    viewTensor: c.string(o.viewTensor, 'output.viewTensor', TENSOR, 'a tensor name'),
    viewActivation: c.oneOf(o.viewActivation, 'output.viewActivation', ['softmax', 'none'] as const),
    qualityTensor: c.string(o.qualityTensor, 'output.qualityTensor', TENSOR, 'a tensor name'),
    per: c.oneOf(o.per, 'output.per', ['frame'] as const),
  };
}

function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

function describe(value: Json): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
