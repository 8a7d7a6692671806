import { createOnnxRuntime } from '../adapters/runtime/onnx/index.ts';
import type { Config } from '../config/load.ts';
import { EchoError } from '../errors/catalogue.ts';
import type { DeployedModel } from '../models/load.ts';
import { predictClip } from '../models/predict.ts';
import { resolveModel } from '../models/registry.ts';
import type { Cine } from '../ports/cine-reader.ts';
import type { ModelRuntime } from '../ports/model-runtime.ts';
import type { ClipPrediction } from '../pipeline/process-job.ts';

export interface ModelSession {
  model: DeployedModel;
  identity: { name: string; version: string; weightsSha256: string };
  predict(cine: Cine): Promise<ClipPrediction>;
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
  let runtime: ModelRuntime;
  if (deployed.manifest.runtime === 'onnx') {
    runtime = await createOnnxRuntime(deployed, { executionProviders: config.executionProviders, intraOpThreads: config.inferenceThreads });
  } else {
    throw new EchoError('MODEL_INVALID', `model ${deployed.manifest.name}@${deployed.manifest.version}: runtime ${JSON.stringify(deployed.manifest.runtime)} is not available (accepted: onnx)`);
  }
  return {
    model: deployed,
    identity: identityOf(deployed),
    predict: (cine) => predictClip(cine, deployed, runtime),
    close: () => runtime.close(),
  };
}
