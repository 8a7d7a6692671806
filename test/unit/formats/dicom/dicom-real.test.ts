/**
 * Real scanner files (pydicom test data, MIT; see test/fixtures/dicom/real/README.md): size, frames and
 * photometric from the README table; pixels against pydicom (exact sha256 where pydicom decodes the
 * same way, per-frame channel means for the JPEG baseline cine, where pydicom+Pillow return YCbCr that
 * is converted once in make_fixtures.py).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { allFrames, EXPECTED, fixtureBytes, openBytes, sha256 } from './helpers.ts';

const REAL = Object.entries(EXPECTED).filter(([name]) => name.startsWith('real/'));

test('the four real files are listed', () => assert.equal(REAL.length, 4));

for (const [name, want] of REAL) {
  test(`${name}: ${want.frames} frame(s) ${want.rows}x${want.columns} ${want.photometric}`, async () => {
    const cine = await openBytes(fixtureBytes(name), name);
    assert.deepEqual([cine.frames, cine.height, cine.width, cine.channels, cine.bitsPerSample], [want.frames, want.rows, want.columns, 3, 8]);
    assert.equal(cine.metadata.photometricInterpretation, want.photometric);
    assert.equal(cine.metadata.modality, 'US');
    if (want.sha256) assert.equal(sha256(await allFrames(cine)), want.sha256);
    for (let f = 0; f < cine.frames; f += 1) {
      const px = await cine.frame(f);
      const means = [0, 1, 2].map((c) => {
        let s = 0;
        for (let i = c; i < px.length; i += 3) s += px[i]!;
        return s / (px.length / 3);
      });
      const ref = want.frameChannelMeans![f]!;
      // JPEG decoders may differ by ±1 per pixel; a double YBR conversion would move means by far more.
      means.forEach((m, c) => {
        assert.ok(Math.abs(m - ref[c]!) < 0.5, `frame ${f} channel ${c}: mean ${m} vs pydicom ${ref[c]}`);
      });
    }
    await cine.close();
  });
}

test('real/examples_ybr_color.dcm: SonoSite cine, 30 fps from FrameTime, one ultrasound region', async () => {
  const cine = await openBytes(fixtureBytes('real/examples_ybr_color.dcm'), 'examples_ybr_color.dcm');
  assert.ok(Math.abs(cine.fps! - 1000 / 33.33) < 0.01, `fps ${cine.fps}`);
  assert.equal(cine.metadata.fpsSource, 'FrameTime');
  assert.equal(cine.metadata.vendor, 'SonoSite, Inc.');
  assert.equal(cine.metadata.transferSyntaxUid, '1.2.840.10008.1.2.4.50');
  assert.equal(cine.metadata.transferSyntax, 'JPEG Baseline (Process 1)');
  assert.equal(cine.regions?.length, 1);
  assert.equal(cine.regions?.[0]?.spatialFormat, 1);
  // Not converted twice: a grey ultrasound picture has nearly equal channels once converted once.
  const px = await cine.frame(10);
  let spread = 0;
  for (let i = 0; i < px.length; i += 3) spread += Math.max(px[i]!, px[i + 1]!, px[i + 2]!) - Math.min(px[i]!, px[i + 1]!, px[i + 2]!);
  assert.ok(spread / (px.length / 3) < 4, `mean channel spread ${spread / (px.length / 3)}`);
});

test('real/examples_palette.dcm: Philips palette with two regions', async () => {
  const cine = await openBytes(fixtureBytes('real/examples_palette.dcm'), 'examples_palette.dcm');
  assert.equal(cine.metadata.vendor, 'Philips Medical Systems');
  assert.equal(cine.regions?.length, 2);
  assert.deepEqual([cine.regions![0]!.x0, cine.regions![0]!.y0, cine.regions![0]!.x1, cine.regions![0]!.y1], [120, 60, 800, 518]);
});
