/**
 * What long-running processes (the API, the workers) ask at upload and job time: which model is active,
 * which models an upload is routed to, and the verified model behind a `name@version`. The deployment
 * record is re-read when it changes and verified models are cached until their files change, so an
 * activation or a new rule takes effect on the next upload without a restart, at the cost of a few stats.
 *
 * Precedence of the active model: the deployment record's `active` (`echo-cloud models activate`) when
 * set, else `ECHO_CLOUD_MODEL` (`name` = its newest deployed version, or `name@version`).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EchoError } from '../errors/catalogue.ts';
import { type Deployment, deploymentReader, formatRef, parseRef, readDeployment } from './deployment.ts';
import type { DeployedModel } from './load.ts';
import { listModelVersions, resolveModel } from './registry.ts';
import { planRoute, type RouteInput } from './routing.ts';

export interface DefaultModel {
  name: string;
  version: string | null;
}

export interface ModelDirectory {
  /** The active model's `name@version` and where that choice came from. */
  active(): Promise<{ ref: string; source: 'deployment' | 'ECHO_CLOUD_MODEL' }>;
  /** The verified models an upload runs on: the primary first, then shadow models. */
  route(input: RouteInput): Promise<{ primary: DeployedModel; shadows: DeployedModel[]; matched: string[] }>;
  /** A deployed model by `name` (newest) or `name@version`, verified (cached until its files change). */
  resolve(ref: DefaultModel): Promise<DeployedModel>;
}

export async function resolveActiveRef(modelsDir: string, fallback: DefaultModel, deployment?: Deployment): Promise<{ ref: string; source: 'deployment' | 'ECHO_CLOUD_MODEL' }> {
  const d = deployment ?? (await readDeployment(modelsDir));
  if (d.active) return { ref: d.active, source: 'deployment' };
  const version = fallback.version ?? (await listModelVersions(modelsDir, fallback.name)).at(-1);
  if (!version) throw new EchoError('MODEL_NOT_FOUND', `model ${fallback.name} (ECHO_CLOUD_MODEL) is not deployed in ${modelsDir} and no model was activated`);
  return { ref: formatRef({ name: fallback.name, version }), source: 'ECHO_CLOUD_MODEL' };
}

export function createModelDirectory(modelsDir: string, fallback: DefaultModel): ModelDirectory {
  const deployment = deploymentReader(modelsDir);
  const cache = new Map<string, { stamp: string; model: DeployedModel }>();

  async function stampOf(dir: string, weights: string | null): Promise<string> {
    const files = [join(dir, 'manifest.json'), ...(weights ? [weights] : [])];
    const parts = await Promise.all(files.map((f) => stat(f).then((s) => `${s.ino}:${s.size}:${s.mtimeMs}`, () => 'missing')));
    return parts.join('|');
  }

  async function load(name: string, version: string): Promise<DeployedModel> {
    const dir = join(modelsDir, name, version);
    const hit = cache.get(dir);
    if (hit && (await stampOf(dir, hit.model.weightsPath)) === hit.stamp) return hit.model;
    const model = await resolveModel(modelsDir, { name, version });
    cache.set(dir, { stamp: await stampOf(dir, model.weightsPath), model });
    return model;
  }

  const directory: ModelDirectory = {
    async active() {
      return resolveActiveRef(modelsDir, fallback, await deployment());
    },
    async route(input) {
      const d = await deployment();
      const active = await resolveActiveRef(modelsDir, fallback, d);
      const plan = planRoute(d.rules, active.ref, input);
      const get = (text: string) => {
        const r = parseRef(text);
        return load(r.name, r.version);
      };
      return { primary: await get(plan.primary), shadows: await Promise.all(plan.shadows.map(get)), matched: plan.matched };
    },
    async resolve(ref) {
      const version = ref.version ?? (await listModelVersions(modelsDir, ref.name)).at(-1);
      if (!version) throw new EchoError('MODEL_NOT_FOUND', `model ${ref.name} is not deployed in ${modelsDir} (no versions present)`);
      return load(ref.name, version);
    },
  };
  return directory;
}
