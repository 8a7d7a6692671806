import { join } from 'node:path';
import type { Config } from '../config/load.ts';
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
