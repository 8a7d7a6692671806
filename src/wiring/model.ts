import { join } from 'node:path';
import { createCommandRuntime } from '../adapters/runtime/command/index.ts';
import { createKserveRuntime } from '../adapters/runtime/kserve-v2/index.ts';
import { createOnnxThreadRuntime } from '../adapters/runtime/onnx/index.ts';
import type { Config } from '../config/load.ts';
import type { DeployedModel } from '../models/load.ts';
import { predictClip } from '../models/predict.ts';
import { createPreprocessThread } from '../models/preprocess-thread.ts';
import { createModelDirectory, type ModelDirectory, resolveActiveRef } from '../models/model-directory.ts';
import { parseRef } from '../models/deployment.ts';
import { resolveModel } from '../models/registry.ts';
import type { Cine } from '../ports/cine-reader.ts';
import type { ClipContext, ClipRuntime, ModelRuntime } from '../ports/model-runtime.ts';
import type { ClipPrediction } from '../pipeline/process-job.ts';
import { fifo } from '../util/fifo.ts';

export interface ModelSession {
  model: DeployedModel;
  identity: { name: string; version: string; weightsSha256: string };
  /**
   * Runs the model on one clip. `source` names the original file; models whose manifest input mode is
   * "original" (command runtime) need its path, other models ignore it.
   */
  predict(cine: Cine, source?: ClipContext['source']): Promise<ClipPrediction>;
  /** The model may read the original file itself (command runtime): the worker gives it a file path. */
  needsFile: boolean;
  close(): Promise<void>;
}

/** The deployed model's identity only (the API process needs it for routing and deduplication). */
export async function deployedModel(config: Config): Promise<DeployedModel> {
  return resolveModel(config.modelsDir, config.model);
}

export function identityOf(model: DeployedModel): ModelSession['identity'] {
  return { name: model.manifest.name, version: model.manifest.version, weightsSha256: model.weightsSha256 };
}

/** Loads the deployed model and its runtime once; the session is reused for every job in this process. */
export async function openModelSession(config: Config, model?: DeployedModel): Promise<ModelSession> {
  const deployed = model ?? (await deployedModel(config));
  const base = { model: deployed, identity: identityOf(deployed) };
  const runtime = deployed.manifest.runtime;
  if (runtime === 'command') {
    // Per-clip scratch directories live under the data dir's work area, which the worker cleans on exit.
    const clips: ClipRuntime = await createCommandRuntime(deployed, { scratchDir: join(config.dataDir, 'work', `model-${process.pid}`) });
    // One clip at a time through the model program, however many jobs the worker holds (ECHO_CLOUD_WORKER_JOBS).
    const lane = fifo();
    return {
      ...base,
      needsFile: true,
      predict: (cine, source) => lane(() => clips.predictClip(cine, source ? { source } : {})),
      close: () => clips.close(),
    };
  }
  // onnx runs in a worker thread of this process, so that this thread can read the next clip meanwhile.
  const tensors: ModelRuntime =
    runtime === 'onnx'
      ? await createOnnxThreadRuntime(deployed, { executionProviders: config.executionProviders, intraOpThreads: config.inferenceThreads })
      : await createKserveRuntime(deployed);
  // Frames are resized on a thread of their own too, for the same reason.
  const preprocess = createPreprocessThread();
  return {
    ...base,
    needsFile: false,
    predict: (cine) => predictClip(cine, deployed, tensors, { frames: preprocess.batch }),
    close: async () => {
      try {
        await tensors.close();
      } finally {
        await preprocess.close();
      }
    },
  };
}

/**
 * The active model: the deployment record's `active` (echo-cloud models activate) when set, else
 * ECHO_CLOUD_MODEL. What serve and the workers load at start-up.
 */
export async function activeModel(config: Config): Promise<DeployedModel> {
  const { ref } = await resolveActiveRef(config.modelsDir, config.model);
  return resolveModel(config.modelsDir, parseRef(ref));
}

/** The models directory as long-running processes see it (deployment record re-read when it changes). */
export function modelDirectory(config: Config): ModelDirectory {
  return createModelDirectory(config.modelsDir, config.model);
}

/**
 * Sessions of further models for one worker process, opened on first use and reused; at most `max` open
 * besides the worker's own, the least recently used closed first. A model whose files changed (same
 * name@version, new weights) gets a new session.
 */
export function modelSessions(config: Config, directory: ModelDirectory, max = 3) {
  const open = new Map<string, Promise<ModelSession>>();
  return {
    async sessionFor(ref: { name: string; version: string }): Promise<ModelSession> {
      const key = `${ref.name}@${ref.version}`;
      const model = await directory.resolve(ref);
      let pending = open.get(key);
      if (pending && (await settled(pending))?.identity.weightsSha256 !== model.weightsSha256) {
        open.delete(key);
        await closeSession(pending);
        pending = undefined;
      }
      if (!pending) {
        pending = openModelSession(config, model);
        pending.catch(() => open.delete(key));
      }
      open.delete(key);
      open.set(key, pending);
      while (open.size > max) {
        const [oldest, p] = open.entries().next().value as [string, Promise<ModelSession>];
        open.delete(oldest);
        await closeSession(p);
      }
      return pending;
    },
    async closeAll(): Promise<void> {
      for (const p of open.values()) await closeSession(p);
      open.clear();
    },
  };
}

/** The session a pending open gave, or null if it failed (its failure was its caller's to report). */
function settled(pending: Promise<ModelSession>): Promise<ModelSession | null> {
  return pending.catch(() => null);
}

async function closeSession(pending: Promise<ModelSession>): Promise<void> {
  await (await settled(pending))?.close();
}
