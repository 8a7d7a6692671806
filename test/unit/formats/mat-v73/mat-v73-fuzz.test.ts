/**
 * Property-based robustness: real v7.3 fixtures with bytes flipped, cut or inserted must open or reject
 * with a CINE_* EchoError (never another error, never a hang), and no buffer sized from the file may
 * pass the cap. ECHO_CLOUD_FUZZ_RUNS raises the number of runs (default 50, a few seconds).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { isEchoError } from '../../../../src/errors/catalogue.ts';
import { createMatV73Reader } from '../../../../src/formats/mat-v73/reader.ts';
import { memorySource } from '../mat-builder.ts';
import { applyMutation, type Mutation, mutation } from '../../../helpers/mutations.ts';
import { assertCodedRejection } from '../../../helpers/cine-parity.ts';

const FIXTURES = fileURLToPath(new URL('../../../fixtures/mat-v73/', import.meta.url));
const FILES = [
  { name: 'patient_uint8.mat' },
  { name: 'resized_double.mat' },
  { name: 'nested.mat' },
  { name: 'nested.mat', variable: 'Series(2).Image' },
  { name: 'classes.mat' },
].map((f) => ({ ...f, bytes: new Uint8Array(readFileSync(join(FIXTURES, f.name))) }));

/** Large enough for the fixtures (the largest cine is 5 KB), small enough that mutated sizes pass it. */
const CAP = 64 * 1024;
const ALLOWED = new Set(['CINE_CORRUPT', 'CINE_TOO_LARGE', 'CINE_UNSUPPORTED', 'CINE_NO_VARIABLE']);
const MAX_MS = 2000;
const RUNS = Number(process.env.ECHO_CLOUD_FUZZ_RUNS ?? 50);
/** The default run stops early past this (fast-check's interruptAfterTimeLimit), keeping the suite fast. */
const BUDGET_MS = process.env.ECHO_CLOUD_FUZZ_RUNS ? undefined : 8000;

async function check(file: (typeof FILES)[number], m: Mutation): Promise<string> {
  let outcome = 'opened';
  let largest = 0;
  const reader = createMatV73Reader({ onAllocate: (bytes) => (largest = Math.max(largest, bytes)) });
  const started = performance.now();
  try {
    const options = { limits: { maxDecodedBytes: CAP }, ...(file.variable ? { variable: file.variable } : {}) };
    const cine = await reader.open(memorySource(file.name, applyMutation(file.bytes, m)), options);
    try {
      assert.ok(cine.frames >= 1 && cine.height >= 1 && cine.width >= 1);
      assert.ok(cine.frames * cine.height * cine.width * cine.channels * (cine.bitsPerSample / 8) <= CAP);
      for (let i = 0; i < cine.frames; i++) {
        try {
          const frame = await cine.frame(i);
          assert.equal(frame.length, cine.height * cine.width * cine.channels);
        } catch (err) {
          if (err instanceof assert.AssertionError) throw err;
          assert.ok(isEchoError(err, 'CINE_CORRUPT') || isEchoError(err, 'CINE_UNSUPPORTED'), String(err));
          outcome = `frame ${err.code}`;
        }
      }
    } finally {
      await cine.close();
    }
  } catch (err) {
    outcome = assertCodedRejection(err, ALLOWED, file.name);
    assert.doesNotMatch((err as Error).message, /\n/);
  }
  assert.ok(performance.now() - started < MAX_MS, `took ${Math.round(performance.now() - started)} ms`);
  assert.ok(largest <= CAP, `allocated ${largest} bytes, cap ${CAP}`);
  return outcome;
}

test('mutated MAT v7.3 files open or reject with a CINE_* error, quickly, within the cap', async () => {
  const outcomes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...FILES), mutation, async (file, m) => {
      const outcome = await check(file, m);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }),
    // A fixed seed by default (the suite must not flake); a random one when more runs are asked for.
    { numRuns: RUNS, interruptAfterTimeLimit: BUDGET_MS, seed: process.env.ECHO_CLOUD_FUZZ_RUNS ? undefined : 20240607 },
  );
  // Both sides are exercised: some mutants still open (flips in pixel data), others are refused.
  assert.ok((outcomes.get('opened') ?? 0) > 0, JSON.stringify([...outcomes]));
  assert.ok((outcomes.get('CINE_CORRUPT') ?? 0) > 0, JSON.stringify([...outcomes]));
  if (process.env.ECHO_CLOUD_FUZZ_RUNS) console.log(JSON.stringify([...outcomes]));
});

test('every fuzzed fixture opens unmutated under the same cap (the property is not vacuous)', async () => {
  for (const file of FILES) assert.equal(await check(file, { kind: 'flip', edits: [] }), 'opened', file.name);
});
