import { join } from 'node:path';
import type { Config } from '../config/load.ts';
import { createIngestDeidentifier } from '../deidentify/ingest-deidentifier.ts';
import { uidRootSecret } from '../deidentify/uid-secret.ts';
import { detectFormat, supportedFormats } from '../formats/registry.ts';
import type { UploadDeps } from '../ingest/ingest-upload.ts';
import type { DeployedModel } from '../models/load.ts';
import type { Catalog } from '../ports/catalog.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { identityOf, modelDirectory } from './model.ts';

/** What every ingest path (HTTP, inbox, tests) needs, from config and the wired adapters. */
export function uploadDeps(config: Config, ports: { catalog: Catalog; store: ObjectStore; queue: JobQueue }, model: DeployedModel): UploadDeps {
  return {
    ...ports,
    detectFormat,
    supportedFormats,
    model: identityOf(model),
    route: routeFor(config),
    maxUploadBytes: config.maxUploadBytes,
    spoolDir: join(config.dataDir, 'work', 'uploads'),
    maxUnzippedBytes: config.maxDecodedBytes,
    ...(config.deidentify === 'basic' ? { deidentify: deidentifier(config, ports.store) } : {}),
  };
}

/** Routing rules and the active model, read from the models directory at each upload. */
function routeFor(config: Config): NonNullable<UploadDeps['route']> {
  const directory = modelDirectory(config);
  return async (input) => {
    const plan = await directory.route(input);
    return { primary: identityOf(plan.primary), shadows: plan.shadows.map(identityOf) };
  };
}

function deidentifier(config: Config, store: ObjectStore) {
  const settings = {
    withoutRegions: config.deidentifyWithoutRegions,
    bandPercent: config.deidentifyBandPercent,
    otherFormats: config.deidentifyOtherFormats,
    maxDecodedBytes: config.maxDecodedBytes,
    // One file gets as long as one job may run in a worker.
    timeoutMs: config.jobTimeoutSeconds * 1000,
  };
  return createIngestDeidentifier(settings, join(config.dataDir, 'work', 'deidentify'), uidRootSecret(store));
}
