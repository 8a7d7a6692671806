import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../api/build-app.ts';
import { createMetrics } from '../api/metrics.ts';
import { type Config, PROJECT_ROOT } from '../config/load.ts';
import { toEchoError } from '../errors/catalogue.ts';
import { startInboxWatcher } from '../ingest/inbox-watcher.ts';
import { ensureAdminToken } from '../security/bootstrap-admin.ts';
import { DEFAULT_PROJECT } from '../security/tokens.ts';
import { createLogger } from '../util/logger.ts';
import { startInstanceLifecycle } from '../worker/spot/instance-lifecycle.ts';
import { startSupervisor, type Supervisor } from '../worker/supervisor.ts';
import { createCatalog, createQueue, createStore } from '../wiring/adapters.ts';
import { uploadDeps } from '../wiring/ingest.ts';
import { activeModel } from '../wiring/model.ts';
import { auditLog, authenticator, tlsFiles } from '../wiring/security.ts';

const WORKER_ENTRY = fileURLToPath(new URL('../worker/worker-main.ts', import.meta.url));

export interface RunningServer {
  url: string | null;
  adminTokenFile: string | null;
  supervisor: Supervisor | null;
  stop(): Promise<void>;
}

async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/**
 * `echo-cloud serve` / `npm start`: the API (with the inbox watcher) and the supervised worker processes,
 * as ECHO_CLOUD_ROLE says, on the configured adapters. Returns once listening and the workers are ready.
 */
export async function serve(config: Config, options: { waitForWorkers?: boolean } = {}): Promise<RunningServer> {
  const log = createLogger(config.logLevel, { role: config.role });
  // The data dir holds patient data and the admin token: owner-only.
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const catalog = await createCatalog(config, (message) => log.warn(message));
  await catalog.migrate();
  const store = await createStore(config);
  const queue = await createQueue(config, (message) => log.warn(message));
  const model = await activeModel(config);
  const adminTokenFile = await ensureAdminToken(catalog, config.dataDir, config.adminToken);
  const metrics = createMetrics(queue, catalog);

  let supervisor: Supervisor | null = null;
  let lifecycle: Awaited<ReturnType<typeof startInstanceLifecycle>> = null;
  if (config.role !== 'api' && config.workers > 0) {
    const life = await startInstanceLifecycle(config, log);
    lifecycle = life;
    supervisor = startSupervisor({
      count: config.workers,
      entry: WORKER_ENTRY,
      env: process.env,
      jobTimeoutSeconds: config.jobTimeoutSeconds,
      maxReceives: config.maxReceives,
      shutdownGraceSeconds: config.shutdownGraceSeconds,
      queue,
      catalog,
      log,
      onJobEnd: (m) => metrics.jobFinished(m.status, m.timings),
      workRoot: join(config.dataDir, 'work'),
      onBusyChange: life ? (busy) => life.onBusyChange(busy) : undefined,
    });
    life?.attach(supervisor);
    if (options.waitForWorkers !== false) await supervisor.ready();
  }

  let url: string | null = null;
  let app: Awaited<ReturnType<typeof buildApp>> | null = null;
  let inbox: Awaited<ReturnType<typeof startInboxWatcher>> | null = null;
  if (config.role !== 'worker') {
    const ingest = uploadDeps(config, { catalog, store, queue }, model);
    const audit = await auditLog(config, catalog);
    app = await buildApp({
      catalog,
      store,
      queue,
      ingest,
      authenticate: authenticator(config, catalog),
      metrics,
      logger: log,
      maxUploadBytes: config.maxUploadBytes,
      version: await packageVersion(),
      audit,
      security: config.security,
      https: await tlsFiles(config),
    });
    url = await app.listen({ host: config.host, port: config.port });
    if (config.inbox) {
      inbox = await startInboxWatcher(ingest, {
        dir: join(config.dataDir, 'inbox'),
        projectId: DEFAULT_PROJECT.id,
        settleMs: config.inboxSettleMs,
        log,
        onIngested: (_file, outcome) => {
          metrics.upload('inbox', outcome.kind === 'study' ? 'study' : outcome.deduplicated ? 'deduplicated' : 'queued');
          const object = outcome.kind === 'study' ? `${outcome.study.id} (${outcome.clips.map((c) => c.clip.id).join(' ')})` : outcome.clip.id;
          audit
            .record({ actor: 'inbox', projectId: DEFAULT_PROJECT.id, action: 'clip.upload', object, ip: null, outcome: 202, detail: 'source=inbox' })
            .catch((err) => log.error({ err }, 'the audit trail could not record an inbox upload'));
        },
      });
    }
  }
  log.info({ url, workers: supervisor ? config.workers : 0, model: `${model.manifest.name}@${model.manifest.version}`, dataDir: config.dataDir }, 'EchoCloud started');

  let stopping: Promise<void> | null = null;
  return {
    url,
    adminTokenFile,
    supervisor,
    stop() {
      stopping ??= (async () => {
        try {
          await inbox?.stop();
          await app?.close();
          await supervisor?.stop();
          await lifecycle?.stop();
        } catch (err) {
          log.error({ err: toEchoError(err).toJSON() }, 'error while stopping');
        }
        await queue.close();
        await store.close();
        await catalog.close();
        log.info('EchoCloud stopped');
      })();
      return stopping;
    },
  };
}
