/**
 * Loads a deployed model folder: reads and validates manifest.json, then checks that the weights file is
 * there and hashes to the manifest's weightsSha256, so a worker never runs weights other than the ones the
 * result document will name. A model without local weights (kserve-v2, or a command manifest that names
 * none) is identified by the SHA-256 of its manifest.json bytes instead: editing the endpoint or the
 * command gives a new identity, so stored results of the old one are not reused for it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { EchoError } from '../errors/catalogue.ts';
import { type ModelManifest, validateManifest } from './manifest.ts';

export interface DeployedModel {
  manifest: ModelManifest;
  /** Absolute path of the model folder. */
  dir: string;
  /** Absolute path of the verified weights file; null when the manifest names no weights. */
  weightsPath: string | null;
  /**
   * The model's identity hash (the result document's model.sha256): the SHA-256 of the weights as verified
   * at load time (equals manifest.weightsSha256), or of manifest.json when there are no weights.
   */
  weightsSha256: string;
  /** What weightsSha256 hashes. */
  identity: 'weights' | 'manifest';
}

export async function loadModel(dir: string): Promise<DeployedModel> {
  const folder = resolve(dir);
  const manifestPath = join(folder, 'manifest.json');
  let bytes: Buffer;
  try {
    bytes = await readFile(manifestPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new EchoError('MODEL_NOT_FOUND', `no model at ${folder}: ${manifestPath} does not exist`, { cause: err });
    }
    throw new EchoError('MODEL_INVALID', `cannot read ${manifestPath}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new EchoError('MODEL_INVALID', `${manifestPath} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const manifest = validateManifest(json, manifestPath);
  if (manifest.runtime === 'kserve-v2' || manifest.weights === undefined || manifest.weightsSha256 === undefined) {
    const manifestSha256 = createHash('sha256').update(bytes).digest('hex');
    return { manifest, dir: folder, weightsPath: null, weightsSha256: manifestSha256, identity: 'manifest' };
  }
  const weightsPath = join(folder, manifest.weights);
  const who = `model ${manifest.name}@${manifest.version}`;
  try {
    const info = await stat(weightsPath);
    if (!info.isFile()) throw new Error('not a regular file');
  } catch (err) {
    throw new EchoError('MODEL_INVALID', `${who}: weights file ${weightsPath} (manifest field "weights") is missing or not a file`, { cause: err });
  }
  const actual = await sha256File(weightsPath);
  if (actual !== manifest.weightsSha256) {
    throw new EchoError(
      'MODEL_INVALID',
      `${who}: weights ${weightsPath} have sha256 ${actual} but manifest field "weightsSha256" says ${manifest.weightsSha256}; the weights were changed or the manifest is stale`,
    );
  }
  return { manifest, dir: folder, weightsPath, weightsSha256: actual, identity: 'weights' };
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
