export { createKserveRuntime, type KserveRuntimeOptions } from './kserve-runtime.ts';
export { modelUrl } from './protocol.ts';
