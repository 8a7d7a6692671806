export { type CommandRuntimeOptions, createCommandRuntime } from './command-runtime.ts';
export { CONTRACT_VERSION } from './clip-files.ts';
export { checkResult, MAX_RESULT_BYTES, SUM_TOLERANCE } from './read-result.ts';
