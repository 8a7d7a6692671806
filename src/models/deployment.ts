/**
 * The deployment record: `<modelsDir>/deployment.json`, which model is active and which routing rules send
 * uploads to which models. `echo-cloud models activate|route` write it (atomically: temporary file, then
 * rename); the API and the workers read it when an upload arrives or a job starts, so a change takes effect
 * without a restart. No file means: nothing activated, no rules (ECHO_CLOUD_MODEL decides).
 */
import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EchoError } from '../errors/catalogue.ts';
import { Checker, type Json } from './manifest-checker.ts';
import { MODEL_REF, type RouteRule, validateRule } from './routing.ts';

export const DEPLOYMENT_FILE = 'deployment.json';

export interface ModelRef {
  name: string;
  version: string;
}

export interface Deployment {
  schemaVersion: 1;
  /** `name@version` that uploads matching no primary rule go to; null: ECHO_CLOUD_MODEL decides. */
  active: string | null;
  rules: RouteRule[];
  /** ISO time of the last change. */
  updatedAt: string | null;
}

export const EMPTY_DEPLOYMENT: Deployment = Object.freeze({ schemaVersion: 1, active: null, rules: [], updatedAt: null }) as Deployment;

/** Parses `name@version` (both required), or BAD_REQUEST naming what was given. */
export function parseRef(text: string, what = 'model'): ModelRef {
  const m = MODEL_REF.exec(text);
  if (!m) throw new EchoError('BAD_REQUEST', `${what} ${JSON.stringify(text)} must be name@version, such as view-classifier@1.0.0`);
  return { name: m[1]!, version: m[2]! };
}

export function formatRef(ref: ModelRef): string {
  return `${ref.name}@${ref.version}`;
}

export function validateDeployment(value: Json, source: string): Deployment {
  const c = new Checker(source);
  const o = c.object(value, '', { required: ['schemaVersion', 'active', 'rules'], optional: ['updatedAt'] });
  c.oneOf(o.schemaVersion, 'schemaVersion', [1] as const);
  const active = o.active === null ? null : c.string(o.active, 'active', MODEL_REF, 'null or name@version such as "view-classifier@1.0.0"');
  if (!Array.isArray(o.rules)) c.fail('rules', 'must be an array of routing rules');
  const rules = (o.rules as Json[]).map((r: Json, i: number) => validateRule(c, r, `rules[${i}]`));
  const ids = new Set<string>();
  rules.forEach((r: RouteRule, i: number) => {
    if (ids.has(r.id)) c.fail(`rules[${i}].id`, `repeats the rule id "${r.id}"; ids must be unique`);
    ids.add(r.id);
  });
  const updatedAt = o.updatedAt === undefined || o.updatedAt === null ? null : c.string(o.updatedAt, 'updatedAt');
  return { schemaVersion: 1, active, rules, updatedAt };
}

/** Reads the record; a missing file is the empty record. A broken one is MODEL_INVALID naming the field. */
export async function readDeployment(modelsDir: string): Promise<Deployment> {
  const path = join(modelsDir, DEPLOYMENT_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_DEPLOYMENT;
    throw new EchoError('MODEL_INVALID', `cannot read the deployment record ${path}: ${(err as Error).message}`, { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new EchoError('MODEL_INVALID', `the deployment record ${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  return validateDeployment(json, path);
}

/** Writes the record atomically (a reader sees the old or the new file, never half of one). */
export async function writeDeployment(modelsDir: string, deployment: Deployment, now = new Date()): Promise<Deployment> {
  const record: Deployment = { ...deployment, schemaVersion: 1, updatedAt: now.toISOString() };
  validateDeployment(JSON.parse(JSON.stringify(record)), 'the new deployment record');
  const path = join(modelsDir, DEPLOYMENT_FILE);
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, path);
  return record;
}

/**
 * A reader for long-running processes: re-reads the file only when its mtime, size or inode changed, so
 * checking it on every upload or job costs one stat.
 */
export function deploymentReader(modelsDir: string): () => Promise<Deployment> {
  const path = join(modelsDir, DEPLOYMENT_FILE);
  let seen: { stamp: string; value: Deployment } | null = null;
  return async () => {
    const info = await stat(path).catch(() => null);
    const stamp = info ? `${info.ino}:${info.size}:${info.mtimeMs}` : 'none';
    if (seen?.stamp === stamp) return seen.value;
    const value = info ? await readDeployment(modelsDir) : EMPTY_DEPLOYMENT;
    seen = { stamp, value };
    return value;
  };
}
