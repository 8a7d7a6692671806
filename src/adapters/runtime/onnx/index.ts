export { createOnnxRuntime, type OnnxRuntimeOptions } from './onnx-runtime.ts';
