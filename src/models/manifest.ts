/**
 * The deployed-model manifest (models/<name>/<version>/manifest.json): which runtime runs the model, what
 * the weights or the endpoint or the program are, how frames must be prepared for them, how to read their
 * outputs and how to aggregate to a clip. Validated by hand so every problem names the field, the value
 * found and what is accepted (docs/models.md documents it).
 *
 * Three runtimes: `onnx` (local weights, onnxruntime-node), `kserve-v2` (a remote Open Inference Protocol
 * server such as Triton or KServe; the same tensor interface as onnx) and `command` (any program, run once
 * per clip under a file contract).
 */
import { EchoError } from '../errors/catalogue.ts';
import { Checker, describe, type Json } from './manifest-checker.ts';
import { type CommandSpec, type KserveEndpoint, validateCommand, validateEndpoint } from './manifest-runtimes.ts';

export type { CommandSpec, KserveEndpoint };

interface ManifestCommon {
  schemaVersion: 1;
  name: string;
  version: string;
  description?: string;
  aggregation: { method: 'mean' };
}

/** Local ONNX weights run by onnxruntime-node. */
export interface OnnxManifest extends ManifestCommon {
  runtime: 'onnx';
  /** Weights file name, relative to the manifest's folder. */
  weights: string;
  /** Lower-case hex SHA-256 of the weights file. */
  weightsSha256: string;
  input: ManifestInput;
  output: ManifestOutput;
}

/** A model served by an Open Inference Protocol (KServe v2) server; same tensors as onnx, no local weights. */
export interface KserveManifest extends ManifestCommon {
  runtime: 'kserve-v2';
  endpoint: KserveEndpoint;
  input: ManifestInput;
  output: ManifestOutput;
}

/** Any program, run once per clip (src/adapters/runtime/command). */
export interface CommandManifest extends ManifestCommon {
  runtime: 'command';
  command: CommandSpec;
  /** Optional: the file that defines the model (script, weights); hashed and verified like onnx weights. */
  weights?: string;
  weightsSha256?: string;
  input: CommandInput;
  output: { labels: string[] };
}

/** The runtimes fed with tensors by core's predictClip. */
export type TensorManifest = OnnxManifest | KserveManifest;
export type ModelManifest = TensorManifest | CommandManifest;
export type RuntimeName = ModelManifest['runtime'];
export const RUNTIMES: readonly RuntimeName[] = ['onnx', 'kserve-v2', 'command'];

/** How sampled frames are prepared (src/models/preprocess.ts). */
export interface PreprocessSpec {
  height: number;
  width: number;
  channels: 1;
  frames: { dropRate: number; max: number };
  cropToSector: boolean;
  /** Grey 0..255 maps linearly onto [lo, hi]. */
  scale: [number, number];
  resize: 'area';
}

export interface ManifestInput extends PreprocessSpec {
  tensor: string;
}

/** A command gets the prepared frames (cine.npy) or, in mode "original", the original file's path. */
export type CommandInput = (PreprocessSpec & { mode: 'tensor'; tensor?: string }) | { mode: 'original' };

export interface ManifestOutput {
  labels: string[];
  viewTensor: string;
  viewActivation: 'softmax' | 'none';
  qualityTensor: string;
  per: 'frame';
}

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const VERSION = /^\d+\.\d+\.\d+$/;
/** A plain file name in the model folder: no separators, no parent references, no hidden files. */
const FILE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const TENSOR = /^[A-Za-z_][A-Za-z0-9_.:/-]{0,127}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const LABEL = /^[A-Za-z0-9][A-Za-z0-9_ -]{0,31}$/;

const COMMON = ['schemaVersion', 'name', 'version', 'runtime', 'input', 'output', 'aggregation'];
const KEYS: Record<RuntimeName, { required: string[]; optional: string[] }> = {
  onnx: { required: [...COMMON, 'weights', 'weightsSha256'], optional: ['description'] },
  'kserve-v2': { required: [...COMMON, 'endpoint'], optional: ['description'] },
  command: { required: [...COMMON, 'command'], optional: ['description', 'weights', 'weightsSha256'] },
};

/** Validates a parsed manifest; `source` (usually the file path) prefixes every error message. */
export function validateManifest(value: Json, source: string): ModelManifest {
  const c: Checker = new Checker(source);
  const loose = c.plainObject(value, '');
  if (!('runtime' in loose)) c.fail('runtime', `is missing; accepted: ${RUNTIMES.join(', ')}`);
  const runtime = c.oneOf(loose.runtime, 'runtime', RUNTIMES);
  const top = c.object(value, '', KEYS[runtime]);
  c.oneOf(top.schemaVersion, 'schemaVersion', [1] as const);
  const common: ManifestCommon = {
    schemaVersion: 1,
    name: c.string(top.name, 'name', NAME, 'lower-case letters, digits and dashes (at most 63)'),
    version: c.string(top.version, 'version', VERSION, 'a version MAJOR.MINOR.PATCH such as "1.0.0"'),
    aggregation: { method: c.oneOf(c.object(top.aggregation, 'aggregation', { required: ['method'] }).method, 'aggregation.method', ['mean'] as const) },
  };
  if (top.description !== undefined) common.description = c.string(top.description, 'description');
  const weights = () => c.string(top.weights, 'weights', FILE, 'a plain file name inside the model folder such as "model.onnx"');
  const sha = () => c.string(top.weightsSha256, 'weightsSha256', SHA256, '64 lower-case hex digits');

  if (runtime === 'command') {
    const m: CommandManifest = { ...common, runtime, command: validateCommand(c, top.command), input: validateCommandInput(c, top.input), output: validateLabelsOnly(c, top.output) };
    if ((top.weights === undefined) !== (top.weightsSha256 === undefined)) {
      c.fail(top.weights === undefined ? 'weights' : 'weightsSha256', 'is missing; "weights" and "weightsSha256" go together (both or neither)');
    }
    if (top.weights !== undefined) {
      m.weights = weights();
      m.weightsSha256 = sha();
    }
    return m;
  }
  const input = validateInput(c, top.input, false) as ManifestInput;
  const output = validateOutput(c, top.output);
  if (runtime === 'onnx') return { ...common, runtime, weights: weights(), weightsSha256: sha(), input, output };
  return { ...common, runtime, endpoint: validateEndpoint(c, top.endpoint), input, output };
}

/** The manifest of a tensor runtime, or MODEL_INVALID naming the runtime that cannot be fed tensors. */
export function tensorManifest(manifest: ModelManifest, wanted?: TensorManifest['runtime']): TensorManifest {
  if (manifest.runtime === 'command' || (wanted !== undefined && manifest.runtime !== wanted)) {
    throw new EchoError(
      'MODEL_INVALID',
      `model ${manifest.name}@${manifest.version}: runtime "${manifest.runtime}" is not a ${wanted ? `"${wanted}"` : 'tensor (onnx, kserve-v2)'} model`,
    );
  }
  return manifest;
}

function validateInput(c: Checker, value: Json, forCommand: boolean): ManifestInput | (PreprocessSpec & { tensor?: string }) {
  const o = c.object(value, 'input', {
    required: ['height', 'width', 'channels', 'frames', 'cropToSector', 'scale', 'resize', ...(forCommand ? [] : ['tensor'])],
    optional: forCommand ? ['mode', 'tensor'] : ['mode'],
  });
  if (o.mode !== undefined) c.oneOf(o.mode, 'input.mode', forCommand ? (['tensor', 'original'] as const) : (['tensor'] as const));
  const frames = c.object(o.frames, 'input.frames', { required: ['dropRate', 'max'] });
  if (!Array.isArray(o.scale) || o.scale.length !== 2) c.fail('input.scale', `must be a pair [lo, hi], got ${describe(o.scale)}`);
  const lo = c.number(o.scale[0], 'input.scale[0]', { min: -1e6, max: 1e6 });
  const hi = c.number(o.scale[1], 'input.scale[1]', { min: -1e6, max: 1e6 });
  if (!(hi > lo)) c.fail('input.scale', `must have hi > lo, got [${lo}, ${hi}]`);
  const spec: PreprocessSpec & { tensor?: string } = {
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
  if (o.tensor !== undefined || !forCommand) spec.tensor = c.string(o.tensor, 'input.tensor', TENSOR, 'a tensor name');
  return spec;
}

function validateCommandInput(c: Checker, value: Json): CommandInput {
  const o = c.plainObject(value, 'input');
  if (o.mode === 'original') {
    c.object(o, 'input', { required: ['mode'] });
    return { mode: 'original' };
  }
  return { ...validateInput(c, o, true), mode: 'tensor' };
}

function validateLabels(c: Checker, value: Json): string[] {
  if (!Array.isArray(value) || value.length < 2) c.fail('output.labels', `must be an array of at least 2 labels, got ${describe(value)}`);
  const labels = value.map((l, i) => c.string(l, `output.labels[${i}]`, LABEL, 'a short label (letters, digits)'));
  const seen = new Set<string>();
  labels.forEach((l, i) => {
    if (seen.has(l)) c.fail(`output.labels[${i}]`, `repeats the label "${l}"; labels must be unique`);
    seen.add(l);
  });
  return labels;
}

function validateLabelsOnly(c: Checker, value: Json): { labels: string[] } {
  // A program's result.json says itself whether it gives logits or probabilities, per frame or per clip.
  const o = c.object(value, 'output', { required: ['labels'] });
  return { labels: validateLabels(c, o.labels) };
}

function validateOutput(c: Checker, value: Json): ManifestOutput {
  const o = c.object(value, 'output', { required: ['labels', 'viewTensor', 'viewActivation', 'qualityTensor', 'per'] });
  const output: ManifestOutput = {
    labels: validateLabels(c, o.labels),
    viewTensor: c.string(o.viewTensor, 'output.viewTensor', TENSOR, 'a tensor name'),
    viewActivation: c.oneOf(o.viewActivation, 'output.viewActivation', ['softmax', 'none'] as const),
    qualityTensor: c.string(o.qualityTensor, 'output.qualityTensor', TENSOR, 'a tensor name'),
    per: c.oneOf(o.per, 'output.per', ['frame'] as const),
  };
  if (output.viewTensor === output.qualityTensor) c.fail('output.qualityTensor', `must differ from output.viewTensor ("${output.viewTensor}")`);
  return output;
}
