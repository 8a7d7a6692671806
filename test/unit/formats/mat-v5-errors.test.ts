/**
 * Damaged, hostile and unsupported MAT files: each must reject with the right EchoError code and a
 * one-line message that names the file.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ErrorCode, isEchoError } from '../../../src/errors/catalogue.ts';
import { createMatV5Reader, matV5Reader } from '../../../src/formats/mat-v5/reader.ts';
import { openCineWith } from '../../../src/formats/open-cine.ts';

// These tests are about the MAT v5 reader itself (including its refusal of v7.3 files), so they use it directly.
const openCine = (path: string, options: Parameters<typeof openCineWith>[2]) => openCineWith(matV5Reader, path, options);
import { tempDir } from '../../helpers/temp.ts';
import {
  compressed,
  concat,
  header,
  MI_UINT8,
  MX_UINT8,
  memorySource,
  numericMatrix,
} from './mat-builder.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/mat/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name)));
const LIMITS = { maxDecodedBytes: 16 * 1024 * 1024 };

let dir = '';
let cleanup: () => Promise<void> = async () => {};
before(async () => {
  ({ dir, cleanup } = await tempDir());
});
after(() => cleanup());

async function expectCode(promise: Promise<unknown>, code: ErrorCode, file: string, pattern?: RegExp): Promise<string> {
  let message = '';
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isEchoError(err), `expected an EchoError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.includes(file), `message names the file: ${err.message}`);
    assert.doesNotMatch(err.message, /\n/);
    if (pattern) assert.match(err.message, pattern);
    message = err.message;
    return true;
  });
  return message;
}

async function writeTemp(name: string, bytes: Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  return path;
}

test('missing file: FILE_NOT_FOUND', async () => {
  await expectCode(openCine(join(dir, 'nope.mat'), { limits: LIMITS }), 'FILE_NOT_FOUND', 'nope.mat');
});

test('a directory: UNSUPPORTED_FORMAT', async () => {
  await mkdir(join(dir, 'folder.mat'));
  await expectCode(openCine(join(dir, 'folder.mat'), { limits: LIMITS }), 'UNSUPPORTED_FORMAT', 'folder.mat');
});

test('empty file: CINE_CORRUPT through openCine and through the reader', async () => {
  const path = await writeTemp('empty.mat', new Uint8Array(0));
  await expectCode(openCine(path, { limits: LIMITS }), 'CINE_CORRUPT', 'empty.mat', /empty/);
  await expectCode(matV5Reader.open(memorySource('empty.mat', new Uint8Array(0)), { limits: LIMITS }), 'CINE_CORRUPT', 'empty.mat');
});

test('random bytes: UNSUPPORTED_FORMAT listing the supported formats', async () => {
  const bytes = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
  const path = await writeTemp('noise.mat', bytes);
  await expectCode(openCineWith(null, path, { limits: LIMITS }), 'UNSUPPORTED_FORMAT', 'noise.mat', /mat-v5/);
  // Handed to the MAT reader anyway, it is a damaged header, not a crash.
  await expectCode(matV5Reader.open(memorySource('noise.mat', bytes), { limits: LIMITS }), 'CINE_CORRUPT', 'noise.mat');
});

test('truncated files: CINE_CORRUPT at every kind of cut', async () => {
  for (const name of ['patient_uint8_z.mat', 'patient_uint8_raw.mat', 'containers.mat', 'big_endian.mat']) {
    const full = fixture(name);
    // In the header, in the first tag, in the variable header, in the middle, one byte short.
    for (const at of [10, 127, 131, 180, Math.floor(full.length / 2), full.length - 1]) {
      await expectCode(
        matV5Reader.open(memorySource(name, full.subarray(0, at)), { limits: LIMITS }),
        'CINE_CORRUPT',
        name,
      );
    }
  }
  // Through openCine too: a header cut short is still recognised as MAT (by its text) and called damaged.
  const path = await writeTemp('cut.mat', fixture('patient_uint8_z.mat').subarray(0, 100));
  await expectCode(openCine(path, { limits: LIMITS }), 'CINE_CORRUPT', 'cut.mat');
});

test('absurd dimensions (2^31-1 × 2^31-1 × 3): CINE_TOO_LARGE before allocating', async () => {
  const sizes: number[] = [];
  const reader = createMatV5Reader({ onAllocate: (bytes) => sizes.push(bytes) });
  const huge = 2 ** 31 - 1;
  const file = concat(header(), numericMatrix('resized', MX_UINT8, [huge, huge, 3], MI_UINT8, new Uint8Array(16)));
  await expectCode(reader.open(memorySource('huge.mat', file), { limits: LIMITS }), 'CINE_TOO_LARGE', 'huge.mat', /cap/);
  // The same inside a compressed element.
  const packed = concat(header(), compressed(numericMatrix('resized', MX_UINT8, [huge, huge, 3], MI_UINT8, new Uint8Array(16))));
  await expectCode(reader.open(memorySource('huge-z.mat', packed), { limits: LIMITS }), 'CINE_TOO_LARGE', 'huge-z.mat');
  assert.ok(Math.max(...sizes) <= LIMITS.maxDecodedBytes);
});

test('a real cine over the cap: CINE_TOO_LARGE (uncompressed: from the header alone)', async () => {
  const sizes: number[] = [];
  const reader = createMatV5Reader({ onAllocate: (bytes) => sizes.push(bytes) });
  const limits = { maxDecodedBytes: 4000 }; // the cine is 24×32×6 = 4608 bytes
  await expectCode(reader.open(memorySource('raw.mat', fixture('patient_uint8_raw.mat')), { limits }), 'CINE_TOO_LARGE', 'raw.mat');
  assert.ok(Math.max(0, ...sizes) < 100, 'no pixel data was read');
  await expectCode(reader.open(memorySource('z.mat', fixture('patient_uint8_z.mat')), { limits }), 'CINE_TOO_LARGE', 'z.mat');
});

test('zlib bomb: inflation stops at the cap with CINE_TOO_LARGE', async () => {
  const sizes: number[] = [];
  const reader = createMatV5Reader({ onAllocate: (bytes) => sizes.push(bytes) });
  // 8 MB of zeros declared as a uint8 cine compress to ~8 kB.
  const inner = numericMatrix('resized', MX_UINT8, [1000, 1000, 8], MI_UINT8, new Uint8Array(8_000_000));
  const file = concat(header(), compressed(inner));
  assert.ok(file.length < 20_000);
  const cap = 256 * 1024;
  const started = performance.now();
  await expectCode(reader.open(memorySource('bomb.mat', file), { limits: { maxDecodedBytes: cap } }), 'CINE_TOO_LARGE', 'bomb.mat');
  assert.ok(performance.now() - started < 2000);
  assert.ok(Math.max(...sizes) <= cap, `largest allocation ${Math.max(...sizes)} > cap ${cap}`);
  // With room for it, the same file opens.
  const cine = await reader.open(memorySource('bomb.mat', file), { limits: { maxDecodedBytes: 16_000_000 } });
  assert.equal(cine.frames, 8);
  await cine.close();
});

test('no cine: CINE_NO_VARIABLE naming the variables seen and the accepted names', async () => {
  const message = await expectCode(
    openCine(join(FIXTURES, 'no_cine.mat'), { limits: LIMITS }),
    'CINE_NO_VARIABLE',
    'no_cine.mat',
  );
  assert.match(message, /a \(1×1 double\), b \(1×4 char\), c \(2×2 double\)/);
  assert.match(message, /Patient\.DicomImage/);
  assert.match(message, /resized/);
});

test('options.variable that does not exist: CINE_NO_VARIABLE saying why', async () => {
  const file = join(FIXTURES, 'nested.mat');
  await expectCode(openCine(file, { limits: LIMITS, variable: 'Study.Clip.Cine' }), 'CINE_NO_VARIABLE', 'nested.mat', /no field "Clip" \(fields: Clips\)/);
  await expectCode(openCine(file, { limits: LIMITS, variable: 'Nope' }), 'CINE_NO_VARIABLE', 'nested.mat', /no top-level variable "Nope"/);
  await expectCode(openCine(file, { limits: LIMITS, variable: 'Study..Cine' }), 'CINE_NO_VARIABLE', 'nested.mat', /not valid/);
  await expectCode(openCine(file, { limits: LIMITS, variable: 'Study.Clips' }), 'CINE_UNSUPPORTED', 'nested.mat', /struct/);
});

test('struct arrays and cells can be indexed in options.variable', async () => {
  const file = join(FIXTURES, 'containers.mat');
  const cine = await openCine(file, { limits: LIMITS, variable: 'Series(2).Index' });
  assert.deepEqual([cine.frames, cine.height, cine.width], [1, 2, 3]);
  assert.deepEqual(Array.from(await cine.frame(0)), [0, 1, 2, 3, 4, 5]); // np.arange(6).reshape(2, 3), row-major
  await cine.close();
  const cell = await openCine(file, { limits: LIMITS, variable: 'Extras{2}' });
  assert.deepEqual([cell.height, cell.width], [1, 10]);
  await cell.close();
  await expectCode(openCine(file, { limits: LIMITS, variable: 'Series.Name' }), 'CINE_NO_VARIABLE', 'containers.mat', /index it/);
  await expectCode(openCine(file, { limits: LIMITS, variable: 'Extras{9}' }), 'CINE_NO_VARIABLE', 'containers.mat', /out of range/);
  await expectCode(openCine(file, { limits: LIMITS, variable: 'Sparse' }), 'CINE_UNSUPPORTED', 'containers.mat', /sparse/);
});

test('MAT v7.3 (HDF5): CINE_UNSUPPORTED saying v7.3 is not supported yet', async () => {
  await expectCode(openCine(join(FIXTURES, 'v73.mat'), { limits: LIMITS }), 'CINE_UNSUPPORTED', 'v73.mat', /v7\.3/);
});

test('complex cine: CINE_UNSUPPORTED', async () => {
  await expectCode(openCine(join(FIXTURES, 'complex_cine.mat'), { limits: LIMITS }), 'CINE_UNSUPPORTED', 'complex_cine.mat', /complex/);
});

test('frame index out of range and use after close are coded errors', async () => {
  const cine = await openCine(join(FIXTURES, 'patient_uint8_raw.mat'), { limits: LIMITS, name: 'upload.mat' });
  await expectCode(cine.frame(6), 'BAD_REQUEST', 'upload.mat', /0\.\.5/);
  await expectCode(cine.frame(-1), 'BAD_REQUEST', 'upload.mat');
  await cine.close();
  await expectCode(cine.frame(0), 'BAD_REQUEST', 'upload.mat', /closed/);
  await cine.close(); // twice is fine
});

test('the default search skips shapes it cannot read (H×W×4×F) and takes the largest readable array', async () => {
  const cine = await openCine(join(FIXTURES, 'layouts.mat'), { limits: LIMITS });
  assert.equal(cine.metadata.variable, 'rgb5'); // 8×10×3×2×1 beats grey4 (8×10×1×3); rgba (8×10×4×2) is skipped
  assert.deepEqual([cine.frames, cine.channels], [2, 3]);
  await cine.close();
});
