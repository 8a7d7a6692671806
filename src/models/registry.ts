import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { EchoError, toEchoError } from '../errors/catalogue.ts';
import { type DeployedModel, loadModel } from './load.ts';

/** Deployed models live at `<modelsDir>/<name>/<version>/manifest.json`. */
export async function listModelVersions(modelsDir: string, name: string): Promise<string[]> {
  try {
    const entries = await readdir(join(modelsDir, name), { withFileTypes: true });
    // Dot folders are work areas of `models add`/`remove` (a copy in progress), never a deployed version.
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort(compareVersions);
  } catch {
    return [];
  }
}

export interface DeployedEntry {
  name: string;
  version: string;
  dir: string;
  /** Set when the folder holds a valid model. */
  model?: DeployedModel;
  /** Set when it does not: the coded error that loading it gave. */
  error?: { code: string; message: string };
}

/**
 * Every `<name>/<version>/` folder under the models directory, each loaded and verified (manifest schema,
 * weights hash), in name then version order. A broken folder is listed with its error rather than hidden.
 */
export async function listDeployedModels(modelsDir: string): Promise<DeployedEntry[]> {
  const names = await readdir(modelsDir, { withFileTypes: true }).catch(() => []);
  const out: DeployedEntry[] = [];
  for (const n of names.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort()) {
    for (const version of await listModelVersions(modelsDir, n)) {
      const dir = join(modelsDir, n, version);
      try {
        out.push({ name: n, version, dir, model: await loadModel(dir) });
      } catch (err) {
        out.push({ name: n, version, dir, error: toEchoError(err, 'MODEL_INVALID').toJSON() });
      }
    }
  }
  return out;
}

/** Resolves `name` (newest version) or `name@version` to a loaded, verified model. */
export async function resolveModel(modelsDir: string, ref: { name: string; version: string | null }): Promise<DeployedModel> {
  const versions = await listModelVersions(modelsDir, ref.name);
  const version = ref.version ?? versions.at(-1);
  if (!version || !versions.includes(version)) {
    const have = versions.length > 0 ? `versions present: ${versions.join(', ')}` : 'no versions present';
    throw new EchoError('MODEL_NOT_FOUND', `model ${ref.name}${ref.version ? `@${ref.version}` : ''} is not deployed in ${modelsDir} (${have})`);
  }
  return loadModel(join(modelsDir, ref.name, version));
}

/** Orders dotted versions numerically where parts are numbers (1.10.0 after 1.9.0). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.+-]/);
  const pb = b.split(/[.+-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const nx = Number(x);
    const ny = Number(y);
    const d = Number.isInteger(nx) && Number.isInteger(ny) && x !== '' && y !== '' ? nx - ny : x.localeCompare(y);
    if (d !== 0) return d;
  }
  return 0;
}
