/**
 * Loads the WebAssembly SIMD transpose (transpose.wat, compiled into the committed transpose.wasm by
 * scripts/build-wasm.ts) and runs it on frames held in JavaScript memory.
 */
import { readFileSync } from 'node:fs';

/** Transposes the column-major h×w plane `src` into the row-major `out`; false when it could not run. */
export type PlaneTranspose = (src: Uint8Array, out: Uint8Array, h: number, w: number) => boolean;

/** What is used here of the WebAssembly JS API, which the project's TypeScript libs (ES2023, Node) leave out. */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

interface KernelExports {
  memory: { buffer: ArrayBuffer; grow(pages: number): number };
  transpose_u8(src: number, dst: number, h: number, w: number): void;
}

const PAGE = 65536;

/**
 * Larger planes take the JS path. The module's memory holds a plane twice (source and destination) and
 * can never shrink again, so this bounds what a process keeps for it to about 32 MiB; echo frames are
 * far smaller (600×800 is 0.5 MB).
 */
export const MAX_WASM_PLANE = 16 * 1024 * 1024;

/**
 * Compiles and instantiates the kernel (synchronously: it is 2 kB). Null where WebAssembly or its SIMD
 * instructions are not available, for the caller to use the JS transpose instead.
 */
export function loadWasmTranspose(bytes: Uint8Array): PlaneTranspose | null {
  const api = (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly; // absent with --jitless, --no-expose-wasm
  let kernel: KernelExports;
  try {
    if (api === undefined) return null;
    kernel = new api.Instance(new api.Module(bytes)).exports as KernelExports;
  } catch {
    return null; // a CompileError: no SIMD in this engine or on this CPU (V8 needs SSE4.1 on x64)
  }
  const { memory, transpose_u8 } = kernel;
  return (src, out, h, w) => {
    const n = h * w;
    if (n > MAX_WASM_PLANE) return false;
    // The source at 0, the destination after it on a 64-byte (cache line) boundary.
    const dst = Math.ceil(n / 64) * 64;
    const short = dst + n - memory.buffer.byteLength;
    if (short > 0) {
      try {
        memory.grow(Math.ceil(short / PAGE));
      } catch {
        return false; // no memory for it now: the JS path needs none
      }
    }
    // The copies in and out take 1.0 + 0.6 ms of about 4.3 ms for 48 frames of 600×800; most of the first
    // is bringing the source in from memory, which the kernel would otherwise do itself. Reading the file
    // straight into the module's memory would save the rest of it, but tie the readers' buffers to this
    // module.
    const heap = new Uint8Array(memory.buffer); // a fresh view: growing replaces the buffer
    heap.set(src.subarray(0, n), 0);
    transpose_u8(0, dst, h, w);
    out.set(heap.subarray(dst, dst + n));
    return true;
  };
}

/** The kernel built from the committed binary, or null (see loadWasmTranspose). */
export const wasmTranspose = loadWasmTranspose(readFileSync(new URL('./transpose.wasm', import.meta.url)));
