/**
 * Compiles the project's hand-written WebAssembly text into the binaries committed beside it:
 * `node scripts/build-wasm.ts` (`npm run build:wasm`). The binaries are committed so that running the
 * project needs no compiler; a unit test (test/unit/formats/mat-common/transpose-wasm-build.test.ts)
 * compiles the text again with `compileWat` and checks that it matches byte for byte.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabt from 'wabt';

/** Every .wat source, as a URL; its binary is the same path ending in .wasm. */
export const WAT_SOURCES: readonly URL[] = [new URL('../src/formats/mat-common/transpose/transpose.wat', import.meta.url)];

/** The binary for `text`: SIMD enabled, no names section, so that the output depends on the text only. */
export async function compileWat(name: string, text: string): Promise<Uint8Array> {
  const module = (await wabt()).parseWat(name, text, { simd: true });
  try {
    module.validate();
    return module.toBinary({}).buffer;
  } finally {
    module.destroy();
  }
}

export function wasmPath(source: URL): URL {
  return new URL(source.href.replace(/\.wat$/, '.wasm'));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  for (const source of WAT_SOURCES) {
    const path = fileURLToPath(source);
    let binary: Uint8Array;
    try {
      binary = await compileWat(basename(path), readFileSync(path, 'utf8'));
    } catch (err) {
      // wabt's message lists each error with its line and column; the stack would only point into wabt.
      console.error(`error ECHO_ERR_INTERNAL: ${(err as Error).message}`);
      process.exit(1);
    }
    writeFileSync(wasmPath(source), binary);
    console.error(`${basename(path)} → ${basename(fileURLToPath(wasmPath(source)))}: ${binary.length} bytes`);
  }
}
