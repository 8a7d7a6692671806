/**
 * Parity with independent tools: every fixture written by pydicom / dcmtk / Pillow (make_fixtures.py)
 * must read back as pydicom reads it (sha256 of the normalised frames), or match its uncompressed
 * source within the tolerance expected.json gives (exactly, for lossless compression).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { allFrames, allSamples, EXPECTED, FIXTURES, fixtureBytes, openBytes, sha256 } from './helpers.ts';

const SYNTHETIC = Object.entries(EXPECTED).filter(([name]) => !name.startsWith('real/'));

test('expected.json lists the fixtures', () => {
  assert.ok(SYNTHETIC.length >= 30, `only ${SYNTHETIC.length} fixtures`);
});

for (const [name, want] of SYNTHETIC) {
  test(`${name}: header facts and pixels match ${want.reference ? want.reference : 'pydicom'}`, async () => {
    const cine = await openBytes(fixtureBytes(name), name);
    assert.equal(cine.format, 'dicom');
    assert.deepEqual([cine.frames, cine.height, cine.width, cine.channels], [want.frames, want.rows, want.columns, want.channels]);
    if (want.bitsPerSample) assert.equal(cine.bitsPerSample, want.bitsPerSample);
    if (want.fps === null || want.fps === undefined) assert.equal(cine.fps, null);
    else assert.ok(Math.abs(cine.fps! - want.fps) < 1e-9, `fps ${cine.fps} vs ${want.fps}`);
    assert.equal(cine.metadata.fpsSource, want.fpsSource ?? null);
    assert.equal(cine.metadata.photometricInterpretation, want.photometric);
    if (want.transferSyntaxUid) assert.equal(cine.metadata.transferSyntaxUid, want.transferSyntaxUid);
    if (want.layout) assert.equal(cine.metadata.layout, want.layout);
    assert.deepEqual(cine.regions, want.regions);
    assert.deepEqual(cine.pixelSpacingMm, want.pixelSpacingMm);
    assert.equal(cine.metadata.vendor, 'EchoCloud Fixtures');
    assert.equal(cine.metadata.modality, 'US');

    if (want.sha256) assert.equal(sha256(await allFrames(cine)), want.sha256);
    if (want.reference) {
      const ref = await openBytes(fixtureBytes(want.reference), want.reference);
      const [a, b] = [await allSamples(cine), await allSamples(ref)];
      assert.equal(a.length, b.length);
      let worst = 0;
      let sum = 0;
      for (let i = 0; i < a.length; i += 1) {
        const d = Math.abs(a[i]! - b[i]!);
        worst = Math.max(worst, d);
        sum += d;
      }
      assert.ok(worst <= (want.tolerance ?? 0), `max error ${worst} > ${want.tolerance}`);
      if (want.meanTolerance !== undefined) assert.ok(sum / a.length <= want.meanTolerance, `mean error ${sum / a.length}`);
    }
    if (want.expectedBin) {
      const bin = new Uint8Array(readFileSync(join(FIXTURES, want.expectedBin)));
      const got = await allFrames(cine);
      assert.equal(got.length, bin.length);
      let worst = 0;
      for (let i = 0; i < got.length; i += 1) worst = Math.max(worst, Math.abs(got[i]! - bin[i]!));
      assert.ok(worst <= want.expectedBinTolerance!, `differs from pydicom+Pillow by ${worst}`);
    }
    await cine.close();
  });
}
