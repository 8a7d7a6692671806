export { createOnnxRuntime, type OnnxRuntimeOptions } from './onnx-runtime.ts';
export { createOnnxThreadRuntime } from './onnx-thread.ts';
