/**
 * Property-based robustness: real fixtures with bytes flipped, cut or inserted must open or reject
 * with a CINE_* EchoError (never another error, never a hang), and no buffer sized from the file may
 * pass the cap.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { createMatV5Reader } from '../../../src/formats/mat-v5/reader.ts';
import { memorySource } from './mat-builder.ts';
import { applyMutation, type Mutation, mutation } from '../../helpers/mutations.ts';
import { assertCodedRejection } from '../../helpers/cine-parity.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/mat/', import.meta.url));
const FILES = [
  'patient_uint8_z.mat',
  'patient_uint8_raw.mat',
  'containers.mat',
  'big_endian.mat',
  'matlab_style.mat',
  'resized_double01.mat',
  'nested.mat',
  'classes.mat',
].map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(FIXTURES, name))) }));

/** Small enough that a mutated size field easily passes it; large enough for the fixtures (< 40 kB). */
const CAP = 64 * 1024;
const ALLOWED = new Set(['CINE_CORRUPT', 'CINE_TOO_LARGE', 'CINE_UNSUPPORTED', 'CINE_NO_VARIABLE']);
const MAX_MS = 2000;

async function check(file: { name: string; bytes: Uint8Array }, m: Mutation): Promise<string> {
  let outcome = 'opened';
  let largest = 0;
  const reader = createMatV5Reader({ onAllocate: (bytes) => (largest = Math.max(largest, bytes)) });
  const mutated = applyMutation(file.bytes, m);
  const started = performance.now();
  try {
    const cine = await reader.open(memorySource(file.name, mutated), { limits: { maxDecodedBytes: CAP } });
    try {
      assert.ok(cine.frames >= 1 && cine.height >= 1 && cine.width >= 1);
      assert.ok(cine.frames * cine.height * cine.width * cine.channels * (cine.bitsPerSample / 8) <= CAP);
      for (let i = 0; i < cine.frames; i++) {
        const frame = await cine.frame(i);
        assert.equal(frame.length, cine.height * cine.width * cine.channels);
      }
    } finally {
      await cine.close();
    }
  } catch (err) {
    outcome = assertCodedRejection(err, ALLOWED, file.name);
  }
  assert.ok(performance.now() - started < MAX_MS, `took ${Math.round(performance.now() - started)} ms`);
  assert.ok(largest <= CAP, `allocated ${largest} bytes, cap ${CAP}`);
  return outcome;
}

const RUNS = Number(process.env.ECHO_CLOUD_FUZZ_RUNS ?? 400);

test('mutated MAT files open or reject with a CINE_* error, quickly, within the cap', async () => {
  const outcomes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...FILES), mutation, async (file, m) => {
      const outcome = await check(file, m);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }),
    { numRuns: RUNS },
  );
  // Both sides are exercised: some mutants still open (flips in pixel data), most are refused.
  assert.ok((outcomes.get('opened') ?? 0) > 0, JSON.stringify([...outcomes]));
  assert.ok((outcomes.get('CINE_CORRUPT') ?? 0) > 0, JSON.stringify([...outcomes]));
  if (process.env.ECHO_CLOUD_FUZZ_RUNS) console.log(JSON.stringify([...outcomes]));
});

test('every fixture opens unmutated under the same cap (the property is not vacuous)', async () => {
  for (const file of FILES) {
    assert.equal(await check(file, { kind: 'flip', edits: [] }), 'opened', file.name);
  }
});
