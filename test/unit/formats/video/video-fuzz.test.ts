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

type Mutation =
  | { kind: 'flip'; edits: { at: number; value: number }[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

// Headers sit near the start: aim half of the positions at the first 512 bytes.
const position = fc.oneof(fc.nat({ max: 511 }), fc.nat({ max: 1 << 20 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    edits: fc.array(fc.record({ at: position, value: fc.integer({ min: 0, max: 255 }) }), { minLength: 1, maxLength: 6 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
);

function apply(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'flip') {
    const out = new Uint8Array(bytes);
    for (const e of m.edits) out[e.at % out.length] = e.value;
    return out;
  }
  const at = m.at % bytes.length;
  if (m.kind === 'truncate') return bytes.slice(0, at);
  const out = new Uint8Array(bytes.length + m.bytes.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(m.bytes, at);
  out.set(bytes.subarray(at), at + m.bytes.length);
  return out;
}

async function check(dir: string, file: { name: string; bytes: Uint8Array }, m: Mutation): Promise<string> {
  const path = join(dir, file.name);
  writeFileSync(path, apply(file.bytes, m));
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
