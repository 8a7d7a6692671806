/**
 * The committed transpose.wasm is what transpose.wat compiles to, byte for byte: the binary the readers
 * load can never drift from the source that is reviewed. After editing the .wat, `npm run build:wasm`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileWat, WAT_SOURCES, wasmPath } from '../../../../scripts/build-wasm.ts';

test('every committed .wasm equals its .wat compiled with wabt', async () => {
  assert.ok(WAT_SOURCES.length > 0);
  for (const source of WAT_SOURCES) {
    const path = fileURLToPath(source);
    const compiled = await compileWat(basename(path), readFileSync(path, 'utf8'));
    const committed = new Uint8Array(readFileSync(wasmPath(source)));
    assert.ok(Buffer.from(compiled).equals(committed), `${basename(path)} and its .wasm differ: run npm run build:wasm`);
  }
});
