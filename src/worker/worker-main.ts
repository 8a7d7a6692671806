/**
 * Entry point of one worker process (forked by the supervisor, or run alone with ECHO_CLOUD_ROLE=worker).
 * A crash in native inference code ends only this process; the supervisor releases its job and restarts it.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { toEchoError } from '../errors/catalogue.ts';
import { openCine, openCineFromBytes } from '../formats/open-cine.ts';
import { createLogger } from '../util/logger.ts';
import { detectFormat, supportedFormats } from '../formats/registry.ts';
import { DEFAULT_PROJECT } from '../security/tokens.ts';
import { createCatalog, createQueue, createStore } from '../wiring/adapters.ts';
import { activeModel, modelDirectory, modelSessions, openModelSession } from '../wiring/model.ts';
import { type SupervisorToWorker, send } from './ipc.ts';
import { startWorkerLoop } from './worker-loop.ts';

async function main(): Promise<void> {
  const config = loadConfig();
  const log = createLogger(config.logLevel, { role: 'worker', worker: process.env.ECHO_CLOUD_WORKER_INDEX ?? '0' });
  const catalog = await createCatalog(config, (message) => log.warn(message));
  const store = await createStore(config);
  const queue = await createQueue(config, (message) => log.warn(message));
  const session = await openModelSession(config, await activeModel(config));
  // Jobs for other models (routing rules, backfill, a later activation) open their sessions on demand.
  const others = modelSessions(config, modelDirectory(config));
  const workDir = join(config.dataDir, 'work', String(process.pid));
  await mkdir(workDir, { recursive: true });

  const loop = startWorkerLoop(
    queue,
    catalog,
    {
      catalog,
      store,
      model: session.identity,
      openCine,
      openCineBytes: openCineFromBytes,
      predict: session.predict,
      needsFile: session.needsFile,
      maxDecodedBytes: config.maxDecodedBytes,
      workDir,
      sessionFor: others.sessionFor,
    },
    config,
    log,
    {
      catalog,
      store,
      detectFormat,
      supportedFormats,
      model: session.identity,
      maxUploadBytes: config.maxUploadBytes,
      projectId: DEFAULT_PROJECT.id,
      spoolDir: join(workDir, 'objects'),
    },
  );
  log.info({ model: `${session.identity.name}@${session.identity.version}` }, 'worker ready');
  send({ type: 'ready', model: `${session.identity.name}@${session.identity.version}` });

  let stopping = false;
  const interrupt = (reason: string) => {
    // Also during a graceful stop (a rebalance drain): the job goes back at once, the process ends.
    stopping = true;
    log.info({ reason }, 'worker interrupted: no new jobs; releasing the current one at once');
    loop
      .interrupt()
      .then(async () => {
        // The released job may still be running in this process: do not close the model under it. Closing
        // the queue waits (at most a couple of seconds) for an aborted long poll, which hands back whatever
        // it took instead of leaving it hidden until its visibility timeout.
        await Promise.race([queue.close(), new Promise((r) => setTimeout(r, 5000).unref())]).catch(() => {});
        await rm(workDir, { recursive: true, force: true }).catch(() => {});
        process.exit(0);
      })
      .catch(() => process.exit(1));
  };
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'worker stopping: no new jobs; finishing or releasing the current one');
    loop
      .stop()
      .then(async () => {
        await session.close();
        await others.closeAll();
        await rm(workDir, { recursive: true, force: true });
        await queue.close();
        await store.close();
        await catalog.close();
        process.exit(0);
      })
      .catch((err) => {
        log.error({ err: toEchoError(err).toJSON() }, 'worker shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('disconnect', () => shutdown('supervisor gone'));
  process.on('message', (m: SupervisorToWorker) => {
    if (m?.type === 'interrupt') interrupt(m.reason);
  });
}

main().catch((err) => {
  const e = toEchoError(err);
  send({ type: 'fatal', code: e.wireCode, message: e.message });
  process.stderr.write(`error ${e.wireCode}: ${e.message}\n`);
  process.exit(1);
});
