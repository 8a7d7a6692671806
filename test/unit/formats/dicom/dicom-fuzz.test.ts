/**
 * Property-based robustness: fixtures with bytes flipped, cut or inserted must open and decode every
 * frame, or reject with a CINE_* EchoError (never another error, never a hang), and no buffer sized from
 * the file may pass the cap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isEchoError } from '../../../../src/errors/catalogue.ts';
import { createDicomReader } from '../../../../src/formats/dicom/reader.ts';
import { fixtureBytes, memorySource } from './helpers.ts';

const FILES = [
  'mono2_explicit_le.dcm',
  'mono2_implicit_le.dcm',
  'mono2_16bit_big_endian.dcm',
  'deflated_le.dcm',
  'palette_16bit.dcm',
  'raw_implicit_le.dcm',
  'rle_rgb.dcm',
  'jpeg_baseline_fragments_nobot.dcm',
  'jpeg_baseline_rgb.dcm',
  'jpeg_lossless_sv1_mono2.dcm',
  'jpegls_rgb_none.dcm',
  'j2k_mono2.dcm',
].map((name) => ({ name, bytes: fixtureBytes(name) }));

/** Small enough that a mutated size field easily passes it; large enough for the fixtures. */
const CAP = 256 * 1024;
const ALLOWED = new Set(['CINE_CORRUPT', 'CINE_TOO_LARGE', 'CINE_UNSUPPORTED', 'CINE_NO_VARIABLE']);
const MAX_MS = 3000;

type Mutation =
  | { kind: 'flip'; edits: { at: number; value: number }[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array };

// Headers sit near the start: aim half of the positions at the first 1 kB.
const position = fc.oneof(fc.nat({ max: 1023 }), fc.nat({ max: 1 << 16 }));
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), edits: fc.array(fc.record({ at: position, value: fc.nat({ max: 255 }) }), { minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
);

function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  if (m.kind === 'truncate') return bytes.subarray(0, m.at % bytes.length);
  if (m.kind === 'insert') {
    const at = m.at % bytes.length;
    const out = new Uint8Array(bytes.length + m.bytes.length);
    out.set(bytes.subarray(0, at));
    out.set(m.bytes, at);
    out.set(bytes.subarray(at), at + m.bytes.length);
    return out;
  }
  const out = bytes.slice();
  for (const e of m.edits) out[e.at % out.length] = e.value;
  return out;
}

test('mutated fixtures only ever yield CINE_* errors, quickly, within the cap', { timeout: 60_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: FILES.length - 1 }), mutation, async (which, m) => {
      const file = FILES[which]!;
      const bytes = mutate(file.bytes, m);
      let biggest = 0;
      const reader = createDicomReader({ onAllocate: (n) => (biggest = Math.max(biggest, n)) });
      const started = Date.now();
      try {
        const cine = await reader.open(memorySource(bytes, file.name), { limits: { maxDecodedBytes: CAP } });
        for (let i = 0; i < cine.frames; i += 1) {
          try {
            const f = await cine.frame(i);
            assert.equal(f.length, cine.height * cine.width * cine.channels);
          } catch (err) {
            if (!(isEchoError(err) && ALLOWED.has(err.code))) throw err;
          }
        }
      } catch (err) {
        if (!(isEchoError(err) && ALLOWED.has(err.code))) {
          throw new Error(`${file.name} ${JSON.stringify(m, (_k, v) => (v instanceof Uint8Array ? [...v] : v))}: ${String(err)}`);
        }
      }
      assert.ok(biggest <= CAP, `allocated ${biggest} > cap`);
      assert.ok(Date.now() - started < MAX_MS, `${file.name}: took ${Date.now() - started} ms`);
    }),
    { numRuns: 100, seed: Number(process.env.FC_SEED ?? 4242) },
  );
});
