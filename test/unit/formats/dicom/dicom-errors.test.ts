/**
 * Damaged, unsupported and oversized input: every failure is a coded EchoError whose message names the
 * file and the tag; laziness and the cap are checked with counting sources and the allocation hook.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isEchoError } from '../../../../src/errors/catalogue.ts';
import { createDicomReader, dicomReader } from '../../../../src/formats/dicom/reader.ts';
import { looksLikeDicom } from '../../../../src/formats/dicom/sniff.ts';
import { buildDicom, concat, encapsulated } from './dicom-builder.ts';
import { fixtureBytes, memorySource, openBytes } from './helpers.ts';

async function rejects(bytes: Uint8Array, code: string, pattern?: RegExp, cap = 1 << 30): Promise<void> {
  await assert.rejects(openBytes(bytes, 'bad.dcm', cap), (err: unknown) => {
    assert.ok(isEchoError(err), `not an EchoError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.match(err.message, /bad\.dcm/);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

test('sniff: Part 10, bare data sets, and not MAT / random bytes', () => {
  assert.ok(looksLikeDicom(fixtureBytes('mono2_explicit_le.dcm').subarray(0, 512)));
  assert.ok(looksLikeDicom(fixtureBytes('raw_explicit_le.dcm').subarray(0, 512)));
  assert.ok(looksLikeDicom(fixtureBytes('raw_implicit_le.dcm').subarray(0, 512)));
  assert.ok(looksLikeDicom(fixtureBytes('meta_no_preamble.dcm').subarray(0, 512)));
  const mat = new TextEncoder().encode('MATLAB 5.0 MAT-file, Platform: GLNXA64'.padEnd(512, ' '));
  assert.equal(looksLikeDicom(mat), false);
  assert.equal(looksLikeDicom(new Uint8Array(512).fill(0x41)), false);
  assert.equal(dicomReader.sniff(new Uint8Array(0), 'x.dcm'), false);
});

test('the builder makes a readable file (so the error cases below test what they say)', async () => {
  const cine = await openBytes(buildDicom(), 'ok.dcm');
  assert.deepEqual([cine.frames, cine.height, cine.width], [2, 8, 8]);
  assert.deepEqual([...(await cine.frame(1)).subarray(0, 3)], [64, 65, 66]);
});

test('empty file → CINE_CORRUPT', () => rejects(new Uint8Array(0), 'CINE_CORRUPT', /empty/));

test('truncated at several offsets → CINE_CORRUPT or CINE_NO_VARIABLE, naming what is missing', async () => {
  const whole = fixtureBytes('mono2_explicit_le.dcm');
  for (const at of [10, 131, 133, 200, 400, 700, 1000, 5000, whole.length - 1]) {
    await assert.rejects(openBytes(whole.subarray(0, at), 'cut.dcm'), (err: unknown) => {
      assert.ok(isEchoError(err) && ['CINE_CORRUPT', 'CINE_NO_VARIABLE'].includes(err.code), `cut at ${at}: ${String(err)}`);
      return true;
    });
  }
  await rejects(whole.subarray(0, whole.length - 100), 'CINE_CORRUPT', /\(7FE0,0010\) PixelData .*truncated/);
});

test('encapsulated file truncated inside a fragment → CINE_CORRUPT naming PixelData', async () => {
  const whole = fixtureBytes('jpeg_baseline_mono2.dcm');
  await rejects(whole.subarray(0, whole.length - 500), 'CINE_CORRUPT', /\(7FE0,0010\) PixelData/);
});

test('random bytes after a DICM preamble → CINE_CORRUPT', async () => {
  let seed = 7;
  const bytes = new Uint8Array(4000).map(() => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed & 0xff;
  });
  bytes.set(new TextEncoder().encode('DICM'), 128);
  await rejects(bytes, 'CINE_CORRUPT');
});

test('absurd Rows × Columns × NumberOfFrames → CINE_TOO_LARGE before allocating', async () => {
  const sizes: number[] = [];
  const reader = createDicomReader({ onAllocate: (n) => sizes.push(n) });
  const bytes = buildDicom({ rows: 65535, columns: 65535, frames: '2000000', pixelData: new Uint8Array(16) });
  await assert.rejects(reader.open(memorySource(bytes, 'bad.dcm'), { limits: { maxDecodedBytes: 1 << 26 } }), (err: unknown) => {
    assert.ok(isEchoError(err, 'CINE_TOO_LARGE'), String(err));
    assert.match(err.message, /limits\.maxDecodedBytes/);
    return true;
  });
  assert.ok(sizes.every((n) => n <= 1 << 26));
  await rejects(buildDicom({ rows: 512, columns: 512, frames: '100' }), 'CINE_TOO_LARGE', /100 frames of 512×512×1/, 1 << 20);
});

test('NumberOfFrames that is not a positive integer, zero Rows → CINE_CORRUPT naming the tag', async () => {
  await rejects(buildDicom({ frames: 'x1' }), 'CINE_CORRUPT', /\(0028,0008\) NumberOfFrames/);
  await rejects(buildDicom({ frames: '0' }), 'CINE_CORRUPT', /\(0028,0008\) NumberOfFrames/);
  await rejects(buildDicom({ rows: 0 }), 'CINE_CORRUPT', /Rows/);
});

test('pixel data shorter than the header declares → CINE_CORRUPT', () =>
  rejects(buildDicom({ pixelData: new Uint8Array(70) }), 'CINE_CORRUPT', /\(7FE0,0010\) PixelData holds 70 bytes/));

test('missing PixelData → CINE_NO_VARIABLE "(7FE0,0010) PixelData missing"', () =>
  rejects(buildDicom({ pixelData: null }), 'CINE_NO_VARIABLE', /\(7FE0,0010\) PixelData missing/));

test('unsupported transfer syntaxes are rejected by name, with the supported list', async () => {
  await rejects(buildDicom({ transferSyntax: '1.2.840.10008.1.2.4.100' }), 'CINE_UNSUPPORTED', /1\.2\.840\.10008\.1\.2\.4\.100.*MPEG2.*supported: .*RLE Lossless/);
  await rejects(buildDicom({ transferSyntax: '1.2.3.4.99' }), 'CINE_UNSUPPORTED', /"1\.2\.3\.4\.99" \(unknown transfer syntax\)/);
});

test('unsupported pixel module values → CINE_UNSUPPORTED listing what is accepted', async () => {
  await rejects(buildDicom({ bitsAllocated: 32 }), 'CINE_UNSUPPORTED', /BitsAllocated 32 .*supported: 8, 16/);
  await rejects(buildDicom({ photometric: 'HSV' }), 'CINE_UNSUPPORTED', /"HSV" .*MONOCHROME2/);
});

test('encapsulated: more fragments than frames without codestream starts → CINE_CORRUPT', async () => {
  const frag = new Uint8Array([1, 2, 3, 4]);
  const bytes = buildDicom({ transferSyntax: '1.2.840.10008.1.2.4.50', frames: '2', tail: encapsulated([frag, frag, frag]) });
  await rejects(bytes, 'CINE_CORRUPT', /3 fragments for 2 frames/);
  const few = buildDicom({ transferSyntax: '1.2.840.10008.1.2.5', frames: '3', tail: encapsulated([frag, frag]) });
  await rejects(few, 'CINE_CORRUPT', /2 fragments for 3 frames/);
  const badBot = buildDicom({ transferSyntax: '1.2.840.10008.1.2.5', frames: '2', tail: encapsulated([frag, frag], [0, 5]) });
  await rejects(badBot, 'CINE_CORRUPT', /Basic Offset Table entry 1 \(5\)/);
});

test('a damaged compressed frame → CINE_CORRUPT from frame(i), other frames still decode', async () => {
  const bytes = fixtureBytes('rle_mono2.dcm').slice();
  const cine = await openBytes(bytes, 'bad.dcm');
  await cine.frame(0);
  // Break the RLE header of the last frame (its segment count).
  const last = cine.frames - 1;
  const good = await openBytes(fixtureBytes('rle_mono2.dcm'), 'bad.dcm');
  assert.equal((await good.frame(last)).length, 64 * 48);
  const pos = bytes.length - 8 - findLastFragmentLength(bytes); // first byte of the last fragment
  bytes[pos] = 9;
  const broken = await openBytes(bytes, 'bad.dcm');
  await assert.rejects(broken.frame(last), (err: unknown) => isEchoError(err, 'CINE_CORRUPT') && /frame 3 \(RLE Lossless\)/.test(err.message));
  assert.equal((await broken.frame(0)).length, 64 * 48);
});

/** Length of the last fragment (the item before the trailing sequence delimiter). */
function findLastFragmentLength(bytes: Uint8Array): number {
  // Walk back from the delimiter: find the last item tag FE FF 00 E0 whose length reaches the delimiter.
  const end = bytes.length - 8;
  for (let at = end - 8; at >= 0; at -= 1) {
    if (bytes[at] === 0xfe && bytes[at + 1] === 0xff && bytes[at + 2] === 0x00 && bytes[at + 3] === 0xe0) {
      const len = new DataView(bytes.buffer, bytes.byteOffset).getUint32(at + 4, true);
      if (at + 8 + len === end) return len;
    }
  }
  throw new Error('no fragment found');
}

test('a JPEG frame whose codestream size disagrees with the header → CINE_CORRUPT naming both', async () => {
  const bytes = fixtureBytes('jpeg_baseline_mono2.dcm').slice();
  // Patch the SOF0 height of every frame (FF C0 len(2) P(1) Y(2) X(2)).
  for (let i = 0; i + 9 < bytes.length; i += 1) {
    if (bytes[i] === 0xff && bytes[i + 1] === 0xc0 && bytes[i + 5] === 0 && bytes[i + 6] === 48) bytes[i + 6] = 47;
  }
  const cine = await openBytes(bytes, 'bad.dcm');
  await assert.rejects(cine.frame(0), (err: unknown) => isEchoError(err, 'CINE_CORRUPT') && /64×47×1.*64×48×1/.test(err.message));
});

test('lazy: opening a large native file reads the header only; frame(i) reads one frame', async () => {
  const frames = 8;
  const pixels = new Uint8Array(256 * 256 * frames).map((_, i) => (i * 7) & 0xff);
  const bytes = buildDicom({ rows: 256, columns: 256, frames: String(frames), pixelData: pixels });
  const src = memorySource(bytes, 'big.dcm');
  const cine = await dicomReader.open(src, { limits: { maxDecodedBytes: 1 << 30 } });
  assert.ok(src.bytesRead <= 64 * 1024 + 512, `open read ${src.bytesRead} bytes of ${bytes.length}`);
  const before = src.bytesRead;
  const f5 = await cine.frame(5);
  assert.equal(src.bytesRead - before, 256 * 256);
  assert.equal(f5[0], (5 * 256 * 256 * 7) & 0xff);
  await assert.rejects(cine.frame(8), (err: unknown) => isEchoError(err, 'BAD_REQUEST'));
  await cine.close();
  await assert.rejects(cine.frame(0), (err: unknown) => isEchoError(err, 'BAD_REQUEST'));
});

test('a header larger than the first chunk is read in growing chunks', async () => {
  // (0040,0280) Comments on the Performed Procedure Step, UT: 200 kB of text before the pixel data.
  const text = new Uint8Array(200_000).fill(0x20);
  const pixels = new Uint8Array(128).map((_, i) => i);
  const bytes = buildDicom({
    tail: concat([
      new Uint8Array([0x40, 0x00, 0x80, 0x02, 0x55, 0x54, 0, 0, ...u32(text.length)]),
      text,
      new Uint8Array([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x42, 0, 0, ...u32(pixels.length)]),
      pixels,
    ]),
  });
  const cine = await openBytes(bytes, 'long-header.dcm');
  assert.equal(cine.frames, 2);
  assert.equal((await cine.frame(1))[0], 64);
});

function u32(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
}

test('a deflated data set that inflates past the cap → CINE_TOO_LARGE', async () => {
  const bytes = fixtureBytes('deflated_le.dcm');
  await rejects(bytes, 'CINE_TOO_LARGE', /maxDecodedBytes/, 10_000);
  const cine = await openBytes(bytes, 'ok.dcm', 1 << 20);
  assert.equal(cine.frames, 4);
});
