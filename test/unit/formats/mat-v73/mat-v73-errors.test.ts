/**
 * Damaged, hostile and unsupported MAT v7.3 files: each must reject with the right EchoError code and a
 * one-line message that names the file; frames are read one hyperslab at a time; files and descriptors
 * are released on close, also after a failure.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { type ErrorCode, isEchoError } from '../../../../src/errors/catalogue.ts';
import { openFileSource } from '../../../../src/formats/file-source.ts';
import { createMatV73Reader, matV73Reader } from '../../../../src/formats/mat-v73/reader.ts';
import { h5Runtime, summarise } from '../../../../src/formats/mat-v73/h5-runtime.ts';
import type { Cine } from '../../../../src/ports/cine-reader.ts';
import { memorySource } from '../mat-builder.ts';

const DIR = fileURLToPath(new URL('../../../fixtures/mat-v73/', import.meta.url));
const V5_DIR = fileURLToPath(new URL('../../../fixtures/mat/', import.meta.url));
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, name)));
const LIMITS = { maxDecodedBytes: 16 * 1024 * 1024 };

async function expectCode(promise: Promise<unknown>, code: ErrorCode, file: string, pattern?: RegExp): Promise<string> {
  let message = '';
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isEchoError(err), `expected an EchoError, got ${err instanceof Error ? err.stack : String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(err.message.includes(`"${file}"`), `message names the file: ${err.message}`);
    assert.doesNotMatch(err.message, /\n/);
    if (pattern) assert.match(err.message, pattern);
    message = err.message;
    return true;
  });
  return message;
}

async function openFixture(name: string, maxDecodedBytes = LIMITS.maxDecodedBytes, variable?: string): Promise<Cine> {
  const source = await openFileSource(join(DIR, name));
  try {
    return await matV73Reader.open(source, { limits: { maxDecodedBytes }, ...(variable ? { variable } : {}) });
  } finally {
    await source.close();
  }
}

test('truncated anywhere: CINE_CORRUPT naming the file', async () => {
  for (const name of ['patient_uint8.mat', 'nested.mat']) {
    const full = fixture(name);
    for (const at of [0, 100, 128, 300, 515, 520, 700, 1200, 2500, full.length >> 1, full.length - 1]) {
      const message = await expectCode(matV73Reader.open(memorySource(name, full.subarray(0, at)), { limits: LIMITS }), 'CINE_CORRUPT', name);
      assert.ok(message.length < 400, message);
    }
  }
});

test('random bytes after the MAT header: CINE_CORRUPT, with or without an HDF5 signature', async () => {
  const full = fixture('resized_double.mat');
  let seed = 7;
  const noise = new Uint8Array(6000).map(() => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed >> 16;
  });
  const noSignature = new Uint8Array(512 + noise.length);
  noSignature.set(full.subarray(0, 512));
  noSignature.set(noise, 512);
  await expectCode(matV73Reader.open(memorySource('noise.mat', noSignature), { limits: LIMITS }), 'CINE_CORRUPT', 'noise.mat', /no HDF5 signature at byte 512/);
  const withSignature = new Uint8Array(noSignature);
  withSignature.set(full.subarray(512, 520), 512);
  await expectCode(matV73Reader.open(memorySource('noise.mat', withSignature), { limits: LIMITS }), 'CINE_CORRUPT', 'noise.mat', /HDF5 says: /);
});

test('damaged compressed chunks are reported when the frame is read, never returned as pixels', async () => {
  const bytes = fixture('patient_uint8.mat');
  // The chunk data of the deflated DicomImage sits after the metadata: scramble the second half.
  for (let i = bytes.length >> 1; i < bytes.length; i += 3) bytes[i] = bytes[i]! ^ 0x5a;
  let failures = 0;
  try {
    const cine = await matV73Reader.open(memorySource('scrambled.mat', bytes), { limits: LIMITS });
    for (let i = 0; i < cine.frames; i++) {
      await cine.frame(i).catch((err: unknown) => {
        assert.ok(isEchoError(err, 'CINE_CORRUPT'), String(err));
        assert.match(err.message, /"scrambled\.mat"/);
        failures += 1;
      });
    }
    await cine.close();
  } catch (err) {
    assert.ok(isEchoError(err, 'CINE_CORRUPT'), String(err));
    failures += 1;
  }
  assert.ok(failures > 0, 'scrambled chunks must not read back as a cine');
});

test('no cine: CINE_NO_VARIABLE listing the variables as whos would, and what is accepted', async () => {
  const message = await expectCode(openFixture('no_cine.mat'), 'CINE_NO_VARIABLE', 'no_cine.mat');
  for (const seen of ['Cplx (4×4×2 complex double)', 'Empty (0×3 double)', 'Note (1×14 char)', 'Sp (4×2 sparse)', 'Str (1×6 string)']) {
    assert.ok(message.includes(seen), `${seen} in ${message}`);
  }
  assert.match(message, /accepted: Patient\.DicomImage/);
  await expectCode(openFixture('nested.mat', LIMITS.maxDecodedBytes, 'Study.Clip.Cine'), 'CINE_NO_VARIABLE', 'nested.mat', /no field "Clip" \(fields: Clips, Name\)/);
  await expectCode(openFixture('nested.mat', LIMITS.maxDecodedBytes, 'Series.Image'), 'CINE_NO_VARIABLE', 'nested.mat', /1×2 struct array: index it/);
  await expectCode(openFixture('nested.mat', LIMITS.maxDecodedBytes, 'Extras{4}'), 'CINE_NO_VARIABLE', 'nested.mat', /out of range 1\.\.3/);
  await expectCode(openFixture('nested.mat', LIMITS.maxDecodedBytes, 'Study..Cine'), 'CINE_NO_VARIABLE', 'nested.mat', /not valid/);
  await expectCode(openFixture('nested.mat', LIMITS.maxDecodedBytes, 'Extras{1}'), 'CINE_UNSUPPORTED', 'nested.mat', /1×1 char/);
});

test('absurd declared dimensions: CINE_TOO_LARGE from the header, before any value is read', async () => {
  const sizes: number[] = [];
  const reader = createMatV73Reader({ onAllocate: (bytes) => sizes.push(bytes) });
  const source = await openFileSource(join(DIR, 'absurd.mat'));
  try {
    await expectCode(reader.open(source, { limits: LIMITS }), 'CINE_TOO_LARGE', 'absurd.mat', /100000×100000×1000.*10000000000000 bytes/);
  } finally {
    await source.close();
  }
  assert.deepEqual(sizes, []);
});

test('the cap applies to the whole cine, to one stored frame and to the decoded samples', async () => {
  // patient_uint8: 24×32×6 uint8 = 4608 bytes.
  await expectCode(openFixture('patient_uint8.mat', 4607), 'CINE_TOO_LARGE', 'patient_uint8.mat', /24×32×6.*4608 bytes/);
  (await openFixture('patient_uint8.mat', 4608)).close();
  // resized_double: 20×16×5 doubles, 320 samples (2560 bytes stored) a frame: the stored frame is checked.
  await expectCode(openFixture('resized_double.mat', 2559), 'CINE_TOO_LARGE', 'resized_double.mat', /one frame .* as stored/);
  // nested.mat Study.Clips.Cine: 12×10×4 uint16 = 480 samples, 960 bytes as 16-bit.
  await expectCode(openFixture('nested.mat', 959, 'Study.Clips.Cine'), 'CINE_TOO_LARGE', 'nested.mat', /16-bit samples/);
});

test('lazy frames: opening reads no pixels of a uint8 cine, and each frame is one hyperslab of one frame', async () => {
  const sizes: { bytes: number; what: string }[] = [];
  const reader = createMatV73Reader({ onAllocate: (bytes, what) => sizes.push({ bytes, what }) });
  const source = await openFileSource(join(DIR, 'patient_uint8.mat'));
  try {
    const cine = await reader.open(source, { limits: LIMITS });
    assert.deepEqual(sizes, []);
    await cine.frame(3);
    assert.deepEqual(sizes, [
      { bytes: 24 * 32, what: 'frame 3 as stored' },
      { bytes: 24 * 32, what: 'frame 3' },
    ]);
    await cine.close();
  } finally {
    await source.close();
  }
});

test('frame indexes are checked, and a closed cine refuses reads', async () => {
  const cine = await openFixture('patient_rgb.mat');
  for (const bad of [-1, 4, 1.5, Number.NaN]) await assert.rejects(cine.frame(bad), (err: unknown) => isEchoError(err, 'BAD_REQUEST'));
  await cine.close();
  await cine.close(); // twice is fine
  await assert.rejects(cine.frame(0), (err: unknown) => isEchoError(err, 'BAD_REQUEST') && /closed/.test(err.message));
});

test('data outside the file is never read: external raw data, virtual datasets, external links', async () => {
  // `resized` keeps its raw data in /dev/zero: without the sandbox it would open as an all-zero cine.
  await expectCode(openFixture('outside.mat'), 'CINE_UNSUPPORTED', 'outside.mat', /outside this one/);
  await expectCode(openFixture('outside.mat', LIMITS.maxDecodedBytes, 'Virtual'), 'CINE_UNSUPPORTED', 'outside.mat', /virtual dataset/);
  await expectCode(openFixture('outside.mat', LIMITS.maxDecodedBytes, 'Linked'), 'CINE_UNSUPPORTED', 'outside.mat', /link/);
});

test('an HDF5 filter the library lacks is refused by name at open', async () => {
  await expectCode(openFixture('lzf.mat'), 'CINE_UNSUPPORTED', 'lzf.mat', /filter "lzf" \(id 32000\).*deflate/);
});

test('a MAT v6/v7 file handed to this reader is refused, pointing at mat-v5', async () => {
  const bytes = new Uint8Array(readFileSync(join(V5_DIR, 'patient_uint8_z.mat')));
  await expectCode(matV73Reader.open(memorySource('old.mat', bytes), { limits: LIMITS }), 'CINE_UNSUPPORTED', 'old.mat', /mat-v5/);
  await assert.rejects(matV73Reader.open(memorySource('x.mat', bytes), { limits: { maxDecodedBytes: 0 } }), (err: unknown) => isEchoError(err, 'CONFIG_INVALID'));
});

test('two cines open at once read independently', async () => {
  const a = await openFixture('patient_uint8.mat');
  const b = await openFixture('patient_rgb.mat');
  const a0 = await a.frame(0);
  const b0 = await b.frame(0);
  assert.deepEqual(await a.frame(0), a0);
  await a.close();
  assert.deepEqual(await b.frame(0), b0);
  await b.close();
});

test('no file descriptor is left open, after good and damaged files alike', async () => {
  const fds = (): number => readdirSync('/proc/self/fd').length;
  (await openFixture('nested.mat')).close(); // load the runtime first
  const before = fds();
  const truncated = fixture('nested.mat').subarray(0, 9000);
  for (let i = 0; i < 8; i++) {
    const cine = await openFixture('nested.mat', LIMITS.maxDecodedBytes, 'Series(2).Image');
    await cine.frame(0);
    await cine.close();
    await matV73Reader.open(memorySource('cut.mat', truncated), { limits: LIMITS }).catch(() => {});
    await openFixture('outside.mat').catch(() => {});
  }
  assert.equal(fds(), before);
});

test('HDF5 error stacks become one line: the failing call\'s deepest message, without paths', () => {
  const diag = [
    'HDF5-DIAG: Error detected in HDF5 (2.0.0):',
    '  #000: /build/src/H5D.c line 1051 in H5Dread(): can\'t synchronously read data',
    '    major: Dataset',
    '    minor: Read failed',
    '  #001: /build/src/H5Z.c line 1435 in H5Z_pipeline(): required filter \'lzf\' is not registered',
    '    major: Data filters',
    '    minor: Read failed',
    'HDF5-DIAG: Error detected in HDF5 (2.0.0):',
    '  #000: /build/src/H5PLpath.c line 858 in H5PL__find_plugin_in_path(): can\'t open directory (/usr/local/hdf5/lib/plugin). Please verify its existence',
  ].join('\n');
  assert.equal(summarise(diag), "required filter 'lzf' is not registered (Read failed)");
  const truncated = "  #006: /x/H5Fsuper.c line 577 in H5F__super_read(): truncated file: eof = 1488, name = '/tmp/echo-mat73-1/cine.h5'\n    minor: File has been truncated\n";
  assert.equal(summarise(truncated), "truncated file: eof = 1488, name = '…' (File has been truncated)");
});

test('a WebAssembly trap fails that file, and the next file gets a fresh HDF5 instance', async () => {
  const first = await h5Runtime();
  // What a trap looks like from JavaScript: a WebAssembly.RuntimeError thrown out of the library.
  const trap = Object.assign(new Error('unreachable executed'), { name: 'RuntimeError' });
  assert.throws(
    () => first.run({ file: 'trap.mat', cap: 1 }, 'reading frame 0', () => { throw trap; }),
    (err: unknown) => isEchoError(err, 'CINE_CORRUPT') && /"trap\.mat".*HDF5 library failed on this file/.test(err.message),
  );
  const second = await h5Runtime();
  assert.notEqual(second.api, first.api);
  const cine = await openFixture('patient_uint8.mat');
  assert.equal((await cine.frame(5)).length, 24 * 32);
  await cine.close();
});

test('the library prints nothing to the process output, even for damaged files', async () => {
  const reader = pathToFileURL(fileURLToPath(new URL('../../../../src/formats/mat-v73/reader.ts', import.meta.url))).href;
  const file = join(DIR, 'nested.mat');
  const script = `
    import { readFileSync } from 'node:fs';
    import { matV73Reader } from ${JSON.stringify(reader)};
    const bytes = new Uint8Array(readFileSync(${JSON.stringify(file)}));
    for (const at of [1000, 3000, 9000]) {
      const cut = bytes.slice(0, at);
      await matV73Reader.open({ name: 'cut.mat', size: cut.length, read: async (o, n) => cut.slice(o, o + n) }, { limits: { maxDecodedBytes: 1e7 } }).catch((err) => { if (err.code !== 'CINE_CORRUPT') throw err; });
    }
  `;
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script]);
  assert.equal(stdout, '');
  assert.equal(stderr, '');
});
