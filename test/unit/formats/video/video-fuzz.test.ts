/**
 * Property-based robustness: real video fixtures with bytes flipped, cut or inserted must open and
 * decode, or reject with a CINE_* EchoError naming the file; never another error, never a hang, never a
 * child process left behind. Each run spawns ffprobe and ffmpeg, so the default is 50 runs
 * (ECHO_CLOUD_FUZZ_RUNS raises it).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import fc from 'fast-check';
import { isEchoError } from '../../../../src/errors/catalogue.ts';
import { createVideoReader } from '../../../../src/formats/video/reader.ts';
import { ffmpegChildren, fixture, withCine, withTempDir } from './helpers.ts';
import { applyMutation, type Mutation, mutation } from '../../../helpers/mutations.ts';

const FILES = ['mjpeg.avi', 'h264_with_audio.mp4', 'grey_ffv1.mkv', 'vp9.webm'].map((name) => ({
  name,
  bytes: new Uint8Array(readFileSync(fixture(name))),
}));

/** Large enough for every fixture (184 kB decoded at most); a mutated size can still pass it. */
const LIMITS = { limits: { maxDecodedBytes: 1024 * 1024 } };
const ALLOWED = new Set(['CINE_CORRUPT', 'CINE_TOO_LARGE', 'CINE_UNSUPPORTED', 'CINE_NO_VARIABLE']);
/** Each program is stopped after 3 s; a run (probe + decode) must end well within twice that. */
const reader = createVideoReader({ probeTimeoutMs: 3000, stallTimeoutMs: 3000 });
const MAX_MS = 8000;

async function check(dir: string, file: { name: string; bytes: Uint8Array }, m: Mutation): Promise<string> {
  const path = join(dir, file.name);
  writeFileSync(path, applyMutation(file.bytes, m));
  const started = performance.now();
  let outcome = 'opened';
  try {
    await withCine(
      reader,
      path,
      async (cine) => {
        assert.ok(cine.frames >= 1 && cine.height >= 1 && cine.width >= 1);
        assert.ok(cine.frames * cine.height * cine.width * cine.channels * (cine.bitsPerSample / 8) <= LIMITS.limits.maxDecodedBytes);
        // The first, a middle and the last frame: forward reads, skips and the end of the stream.
        for (const i of new Set([0, cine.frames >> 1, cine.frames - 1])) {
          assert.equal((await cine.frame(i)).length, cine.height * cine.width * cine.channels);
        }
      },
      LIMITS,
    );
  } catch (err) {
    if (err instanceof assert.AssertionError) throw err;
    assert.ok(isEchoError(err), `not an EchoError: ${err instanceof Error ? err.stack : String(err)}`);
    assert.ok(ALLOWED.has(err.code), `${err.code}: ${err.message}`);
    assert.ok(err.message.includes(`"${file.name}"`), err.message);
    assert.ok(!err.message.includes('\n'), err.message);
    outcome = err.code;
  }
  assert.ok(performance.now() - started < MAX_MS, `took ${Math.round(performance.now() - started)} ms`);
  assert.deepEqual(ffmpegChildren(), [], 'a child process was left running');
  return outcome;
}

const RUNS = Number(process.env.ECHO_CLOUD_FUZZ_RUNS ?? 50);

after(() => assert.deepEqual(ffmpegChildren(), []));

test('mutated video files open and decode or reject with a CINE_* error, quickly, leaving no process', async () => {
  await withTempDir(async (dir) => {
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...FILES), mutation, async (file, m) => {
        const outcome = await check(dir, file, m);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      { numRuns: RUNS, seed: process.env.ECHO_CLOUD_FUZZ_SEED ? Number(process.env.ECHO_CLOUD_FUZZ_SEED) : undefined },
    );
    // Both sides are exercised: flips in the coded pictures still decode, cut headers are refused.
    assert.ok((outcomes.get('opened') ?? 0) > 0, JSON.stringify([...outcomes]));
    assert.ok((outcomes.get('CINE_CORRUPT') ?? 0) > 0, JSON.stringify([...outcomes]));
    if (process.env.ECHO_CLOUD_FUZZ_RUNS) console.log(JSON.stringify([...outcomes]));
  });
});

test('every fixture opens and decodes unmutated under the same limits (the property is not vacuous)', async () => {
  await withTempDir(async (dir) => {
    for (const file of FILES) assert.equal(await check(dir, file, { kind: 'flip', edits: [] }), 'opened', file.name);
  });
});
