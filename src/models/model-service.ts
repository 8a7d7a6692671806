/**
 * Deploying models: add a model folder to the models directory, activate a version, route uploads, remove
 * a version. What `echo-cloud models ...` delegates to. Every change to the models directory is atomic
 * (a copy lands under a dot folder and is renamed into place; the deployment record is written to a
 * temporary file and renamed), and read-modify-write of the record holds a lock folder.
 */
import { cp, mkdir, rename, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { EchoError, isEchoError } from '../errors/catalogue.ts';
import { randomId } from '../util/ids.ts';
import { type Deployment, formatRef, type ModelRef, parseRef, readDeployment, writeDeployment } from './deployment.ts';
import { type DeployedModel, loadModel } from './load.ts';
import { Checker } from './manifest-checker.ts';
import { type DefaultModel, resolveActiveRef } from './model-directory.ts';
import { listModelVersions, resolveModel } from './registry.ts';
import { type RouteMatch, type RouteRule, validateRule } from './routing.ts';

const WORK = '.work';

/** Copies a model folder (or the folder of a manifest.json) in as `<name>/<version>/`, verified before and after. */
export async function addModel(modelsDir: string, source: string): Promise<DeployedModel> {
  const src = resolve(source);
  const info = await stat(src).catch(() => null);
  if (!info) throw new EchoError('FILE_NOT_FOUND', `${src} does not exist; give a model folder or its manifest.json`);
  const srcDir = info.isDirectory() ? src : dirname(src);
  if (info.isFile() && basename(src) !== 'manifest.json') {
    throw new EchoError('BAD_REQUEST', `${src}: give a model folder or a file named manifest.json`);
  }
  const model = await loadModel(srcDir);
  const { name, version } = model.manifest;
  const dest = join(modelsDir, name, version);
  if (await stat(dest).catch(() => null)) {
    throw new EchoError('MODEL_EXISTS', `model ${name}@${version} is already deployed at ${dest}; bump "version" in ${join(srcDir, 'manifest.json')} to deploy a new one`);
  }
  const work = join(modelsDir, WORK, randomId('add'));
  await mkdir(dirname(work), { recursive: true });
  try {
    // Links are followed: the deployed folder holds the bytes themselves, not pointers that may change later.
    await cp(srcDir, work, { recursive: true, errorOnExist: true, dereference: true });
    const copied = await loadModel(work);
    if (copied.weightsSha256 !== model.weightsSha256) {
      throw new EchoError('MODEL_INVALID', `model ${name}@${version}: the copy's identity ${copied.weightsSha256} differs from the source's ${model.weightsSha256}; was the source changed during the copy?`);
    }
    await mkdir(join(modelsDir, name), { recursive: true });
    // rename() onto an existing non-empty folder fails, so a concurrent add of the same version loses cleanly.
    await rename(work, dest).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOTEMPTY' || err.code === 'EEXIST') throw new EchoError('MODEL_EXISTS', `model ${name}@${version} was deployed at ${dest} meanwhile`);
      throw err;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  return loadModel(dest);
}

/** Makes `name@version` the active model (verified first). Returns the previous and the new choice. */
export async function activateModel(modelsDir: string, fallback: DefaultModel, refText: string): Promise<{ previous: string; active: string }> {
  const ref = parseRef(refText);
  await deployedVersion(modelsDir, ref);
  return withDeploymentLock(modelsDir, async () => {
    const d = await readDeployment(modelsDir);
    const previous = (await resolveActiveRef(modelsDir, fallback, d).catch(() => null))?.ref ?? '(none)';
    await writeDeployment(modelsDir, { ...d, active: formatRef(ref) });
    return { previous, active: formatRef(ref) };
  });
}

/** Clears the recorded activation: ECHO_CLOUD_MODEL decides again. */
export async function deactivateModel(modelsDir: string): Promise<{ previous: string | null }> {
  return withDeploymentLock(modelsDir, async () => {
    const d = await readDeployment(modelsDir);
    await writeDeployment(modelsDir, { ...d, active: null });
    return { previous: d.active };
  });
}

/** Removes a deployed version; refused for the active model and for a model a routing rule names. */
export async function removeModel(modelsDir: string, fallback: DefaultModel, refText: string): Promise<{ removed: string; dir: string }> {
  const ref = parseRef(refText);
  const text = formatRef(ref);
  return withDeploymentLock(modelsDir, async () => {
    const dir = join(modelsDir, ref.name, ref.version);
    if (!(await listModelVersions(modelsDir, ref.name)).includes(ref.version)) {
      throw new EchoError('MODEL_NOT_FOUND', `model ${text} is not deployed in ${modelsDir}`);
    }
    const d = await readDeployment(modelsDir);
    const active = await resolveActiveRef(modelsDir, fallback, d).catch(() => null);
    if (active?.ref === text) {
      throw new EchoError('MODEL_IN_USE', `model ${text} is the active model (from ${active.source}); activate another version first`);
    }
    const rules = d.rules.filter((r) => r.model === text).map((r) => r.id);
    if (rules.length > 0) throw new EchoError('MODEL_IN_USE', `model ${text} is named by routing rule(s) ${rules.join(', ')}; remove them first (echo-cloud models route remove ID)`);
    const trash = join(modelsDir, WORK, randomId('rm'));
    await mkdir(dirname(trash), { recursive: true });
    await rename(dir, trash);
    await rm(trash, { recursive: true, force: true });
    await rmdir(join(modelsDir, ref.name)).catch(() => {}); // only when no version is left
    return { removed: text, dir };
  });
}

export interface NewRule {
  id: string;
  model: string;
  shadow?: boolean;
  match: RouteMatch;
}

/** Appends a routing rule (rules are checked in order); its model must be deployed and valid. */
export async function addRoute(modelsDir: string, rule: NewRule): Promise<RouteRule> {
  const checked = validateRule(new Checker('routing rule'), JSON.parse(JSON.stringify(rule)), 'rule');
  await deployedVersion(modelsDir, parseRef(checked.model));
  return withDeploymentLock(modelsDir, async () => {
    const d = await readDeployment(modelsDir);
    if (d.rules.some((r) => r.id === checked.id)) throw new EchoError('BAD_REQUEST', `a routing rule "${checked.id}" exists already; remove it first or choose another id`);
    await writeDeployment(modelsDir, { ...d, rules: [...d.rules, checked] });
    return checked;
  });
}

export async function removeRoute(modelsDir: string, id: string): Promise<RouteRule> {
  return withDeploymentLock(modelsDir, async () => {
    const d = await readDeployment(modelsDir);
    const rule = d.rules.find((r) => r.id === id);
    if (!rule) throw new EchoError('NOT_FOUND', `no routing rule "${id}"; rules: ${d.rules.map((r) => r.id).join(', ') || '(none)'}`);
    await writeDeployment(modelsDir, { ...d, rules: d.rules.filter((r) => r.id !== id) });
    return rule;
  });
}

export async function deploymentStatus(modelsDir: string, fallback: DefaultModel): Promise<Deployment & { resolvedActive: string | null; activeSource: string | null }> {
  const d = await readDeployment(modelsDir);
  const active = await resolveActiveRef(modelsDir, fallback, d).catch(() => null);
  return { ...d, resolvedActive: active?.ref ?? null, activeSource: active?.source ?? null };
}

async function deployedVersion(modelsDir: string, ref: ModelRef): Promise<DeployedModel> {
  try {
    return await resolveModel(modelsDir, ref);
  } catch (err) {
    if (isEchoError(err, 'MODEL_NOT_FOUND')) throw new EchoError('MODEL_NOT_FOUND', `${err.message}; deploy it with echo-cloud models add DIR`, { cause: err });
    throw err;
  }
}

/** A lock folder next to the record; one taken for over 30 s is taken to be left by a crashed process. */
async function withDeploymentLock<T>(modelsDir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(modelsDir, '.deployment.lock');
  await mkdir(modelsDir, { recursive: true });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > 30_000) await rm(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new EchoError('MODEL_IN_USE', `the deployment record in ${modelsDir} is locked by another command (${lock}); try again`);
      else await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
