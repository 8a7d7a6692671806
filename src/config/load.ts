import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bad, boolean, type Env, integer, oneOf, optionalUrl, raw, url } from './parse.ts';
import { SETTINGS, type Setting } from './schema.ts';
import { loadSecurityConfig, type SecurityConfig } from './security-config.ts';

/** Validated, frozen configuration. Read from the environment here and nowhere else. */
export interface Config {
  host: string;
  port: number;
  dataDir: string;
  adminToken: string | null;
  role: 'all' | 'api' | 'worker';
  storeUrl: string;
  queueUrl: string;
  databaseUrl: string;
  workers: number;
  workerJobs: number;
  inferenceThreads: number;
  executionProviders: string[];
  modelsDir: string;
  model: { name: string; version: string | null };
  maxUploadBytes: number;
  maxDecodedBytes: number;
  visibilitySeconds: number;
  maxReceives: number;
  retryBaseSeconds: number;
  jobTimeoutSeconds: number;
  shutdownGraceSeconds: number;
  inbox: boolean;
  inboxSettleMs: number;
  logLevel: string;
  security: SecurityConfig;
  encryption: boolean;
  masterKey: string | null;
  deidentify: 'off' | 'basic';
  deidentifyWithoutRegions: 'band' | 'refuse';
  deidentifyBandPercent: number;
  deidentifyOtherFormats: 'refuse' | 'pass';
  awsRegion: string | null;
  awsEndpoint: string | null;
  kmsKeyId: string | null;
  spot: boolean;
  spotPollMs: number;
  imdsEndpoint: string;
  scaleInProtection: boolean;
  autoscalingEndpoint: string | null;
}

/** The repository root (bundled models live in `<root>/models`). */
export const PROJECT_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

function fileUrl(scheme: string, path: string): string {
  return `${scheme}://${resolve(path)}`;
}

function modelRef(env: Env, s: Setting): { name: string; version: string | null } {
  const v = raw(env, s) as string;
  const m = /^([a-z0-9][a-z0-9._-]*)(?:@([0-9A-Za-z.+-]+))?$/.exec(v);
  if (!m) throw bad(s, v, '`name` or `name@version` (lower-case letters, digits, . _ -)');
  return { name: m[1]!, version: m[2] ?? null };
}

/** Reads and validates the configuration; a bad setting throws ECHO_ERR_CONFIG_INVALID naming the variable. */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const dataDir = resolve(raw(env, SETTINGS.dataDir) as string);
  const providers = (raw(env, SETTINGS.executionProviders) as string)
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (providers.length === 0) throw bad(SETTINGS.executionProviders, '', 'a comma-separated list such as cpu or cuda,cpu');
  const config: Config = {
    host: raw(env, SETTINGS.host) as string,
    port: integer(env, SETTINGS.port),
    dataDir,
    adminToken: raw(env, SETTINGS.adminToken),
    role: oneOf(env, SETTINGS.role),
    storeUrl: url(env, SETTINGS.store, fileUrl('file', `${dataDir}/objects`), ['file', 's3']),
    queueUrl: url(env, SETTINGS.queue, fileUrl('sqlite', `${dataDir}/queue.sqlite`), ['sqlite', 'sqs']),
    databaseUrl: url(env, SETTINGS.database, fileUrl('sqlite', `${dataDir}/catalog.sqlite`), ['sqlite', 'postgres', 'postgresql']),
    workers: integer(env, SETTINGS.workers),
    workerJobs: integer(env, SETTINGS.workerJobs),
    inferenceThreads: integer(env, SETTINGS.inferenceThreads),
    executionProviders: providers,
    modelsDir: resolve(raw(env, SETTINGS.modelsDir) ?? `${PROJECT_ROOT}/models`),
    model: modelRef(env, SETTINGS.model),
    maxUploadBytes: integer(env, SETTINGS.maxUploadBytes),
    maxDecodedBytes: integer(env, SETTINGS.maxDecodedBytes),
    visibilitySeconds: integer(env, SETTINGS.visibilitySeconds),
    maxReceives: integer(env, SETTINGS.maxReceives),
    retryBaseSeconds: integer(env, SETTINGS.retryBaseSeconds),
    jobTimeoutSeconds: integer(env, SETTINGS.jobTimeoutSeconds),
    shutdownGraceSeconds: integer(env, SETTINGS.shutdownGraceSeconds),
    inbox: boolean(env, SETTINGS.inbox),
    inboxSettleMs: integer(env, SETTINGS.inboxSettleMs),
    logLevel: oneOf(env, SETTINGS.logLevel),
    security: loadSecurityConfig(env),
    encryption: oneOf(env, SETTINGS.encryption) === 'on',
    masterKey: raw(env, SETTINGS.masterKey),
    deidentify: oneOf(env, SETTINGS.deidentify),
    deidentifyWithoutRegions: oneOf(env, SETTINGS.deidentifyWithoutRegions),
    deidentifyBandPercent: integer(env, SETTINGS.deidentifyBandPercent),
    deidentifyOtherFormats: oneOf(env, SETTINGS.deidentifyOtherFormats),
    awsRegion: raw(env, SETTINGS.awsRegion),
    awsEndpoint: optionalUrl(env, SETTINGS.awsEndpoint),
    kmsKeyId: raw(env, SETTINGS.kmsKeyId),
    spot: boolean(env, SETTINGS.spot),
    spotPollMs: integer(env, SETTINGS.spotPollMs),
    imdsEndpoint: optionalUrl(env, SETTINGS.imdsEndpoint) as string,
    scaleInProtection: boolean(env, SETTINGS.scaleInProtection),
    autoscalingEndpoint: optionalUrl(env, SETTINGS.autoscalingEndpoint),
  };
  if (config.adminToken !== null && config.adminToken.length < 32) {
    throw bad(SETTINGS.adminToken, config.adminToken, 'at least 32 characters');
  }
  return Object.freeze(config);
}

/** The path part of a `file://` or `sqlite://` URL. */
export function urlPath(u: string): string {
  return decodeURIComponent(new URL(u).pathname);
}
