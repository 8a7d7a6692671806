/**
 * The input side of the command file contract (docs/models.md, "Wrapping a Python or Docker model"):
 * what the platform writes into a clip's fresh directory before it starts the program.
 *
 * - `cine.npy`: the sampled, preprocessed frames, float32 [N, 1, H, W], exactly what a tensor runtime
 *   would be fed (core's prepareFrames) — only in input mode "tensor".
 * - `cine.json`: what the program needs to read its input and answer: the input description (shape,
 *   scale, crop, or the original file's path), the source frame index of each row, the source facts
 *   (format, size, fps) and the labels the answer must use, in order.
 */
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EchoError } from '../../../errors/catalogue.ts';
import type { CommandManifest } from '../../../models/manifest.ts';
import { prepareFrames } from '../../../models/preprocess.ts';
import type { Cine } from '../../../ports/cine-reader.ts';
import type { ClipContext } from '../../../ports/model-runtime.ts';
import { writeNpy } from './npy.ts';

/** Version of the file contract, written as cine.json's `contract`; bumped on an incompatible change. */
export const CONTRACT_VERSION = 1;

export interface WrittenClip {
  /** Source frame indices of the rows of cine.npy; null in input mode "original". */
  indices: number[] | null;
  /** The original file's absolute path (mode "original"), for the {input} placeholder. */
  originalPath: string | null;
}

export async function writeClipFiles(dir: string, cine: Cine, manifest: CommandManifest, context: ClipContext | undefined): Promise<WrittenClip> {
  const who = `model ${manifest.name}@${manifest.version}`;
  const source = {
    format: cine.format,
    frames: cine.frames,
    height: cine.height,
    width: cine.width,
    channels: cine.channels,
    bitsPerSample: cine.bitsPerSample,
    fps: cine.fps,
    name: context?.source?.name ?? null,
  };
  const common = { contract: CONTRACT_VERSION, model: { name: manifest.name, version: manifest.version }, labels: manifest.output.labels, source, result: 'result.json' };
  const input = manifest.input;
  if (input.mode === 'original') {
    const path = context?.source?.path;
    if (!path) {
      throw new EchoError(
        'INFERENCE_FAILED',
        `${who}: input mode "original" needs the original file's path, and the caller gave none (ClipContext.source.path); use input mode "tensor" or run the model from a caller that passes the path`,
      );
    }
    const originalPath = resolve(path);
    await writeJson(join(dir, 'cine.json'), { ...common, input: { mode: 'original', path: originalPath, name: source.name } });
    return { indices: null, originalPath };
  }
  const prepared = await prepareFrames(cine, input);
  const shape = [prepared.indices.length, 1, input.height, input.width];
  await writeNpy(join(dir, 'cine.npy'), prepared.data, shape);
  await writeJson(join(dir, 'cine.json'), {
    ...common,
    input: { mode: 'tensor', file: 'cine.npy', dtype: 'float32', shape, tensor: input.tensor ?? null, scale: input.scale, crop: prepared.crop, fullScale: prepared.fullScale },
    frameIndices: prepared.indices,
  });
  return { indices: prepared.indices, originalPath: null };
}

async function writeJson(path: string, value: unknown): Promise<void> {
  await writeFile(path, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
}
