/**
 * Parity with an independent writer: every fixture in test/fixtures/mat-v73 (written by h5py the way
 * MATLAB's `save -v7.3` lays files out) must read back exactly as expected.json says, which
 * make_fixtures.py computed with numpy. Each cine is read from its path (HDF5 reads the file in place)
 * and, for a few, from a source without a path (the reader copies it to a temporary file first).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isEchoError } from '../../../../src/errors/catalogue.ts';
import { openFileSource } from '../../../../src/formats/file-source.ts';
import { matV5Reader } from '../../../../src/formats/mat-v5/reader.ts';
import { MAT_V73, matV73Reader } from '../../../../src/formats/mat-v73/reader.ts';
import type { CineSource, ReadOptions } from '../../../../src/ports/cine-reader.ts';
import { memorySource } from '../mat-builder.ts';
import { type ExpectedMatCine, pixelBytes } from '../../../helpers/cine-parity.ts';

const DIR = fileURLToPath(new URL('../../../fixtures/mat-v73/', import.meta.url));
const V5_DIR = fileURLToPath(new URL('../../../fixtures/mat/', import.meta.url));
const LIMITS = { maxDecodedBytes: 64 * 1024 * 1024 };

interface Case {
  file: string;
  options: { variable?: string };
  matlab?: { size: number[]; class: string };
  error?: string;
  expect?: ExpectedMatCine & {
    layout: string;
    chunked: boolean;
  };
}

const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as { cases: Case[] };


async function withSource<T>(file: string, inMemory: boolean, fn: (source: CineSource) => Promise<T>): Promise<T> {
  if (inMemory) return fn(memorySource(file, new Uint8Array(readFileSync(join(DIR, file)))));
  const source = await openFileSource(join(DIR, file));
  try {
    return await fn(source);
  } finally {
    await source.close();
  }
}

async function checkCase(c: Case, inMemory: boolean): Promise<void> {
  const options: ReadOptions = { limits: LIMITS, ...c.options };
  await withSource(c.file, inMemory, async (source) => {
    if (c.error) {
      await assert.rejects(matV73Reader.open(source, options), (err: unknown) => {
        assert.ok(isEchoError(err), String(err));
        assert.equal(err.code, c.error, err.message);
        assert.ok(err.message.includes(`"${c.file}"`), err.message);
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
      return;
    }
    const e = c.expect!;
    const cine = await matV73Reader.open(source, options);
    try {
      assert.equal(cine.format, MAT_V73);
      assert.deepEqual(
        [cine.frames, cine.height, cine.width, cine.channels, cine.bitsPerSample, cine.fps],
        [e.frames, e.height, e.width, e.channels, e.bitsPerSample, e.fps],
      );
      assert.equal(cine.metadata.variable, e.variable);
      assert.equal(cine.metadata.matClass, e.matClass);
      assert.equal(cine.metadata.mapping, e.mapping);
      assert.equal(cine.metadata.layout, e.layout);
      assert.equal(cine.metadata.chunked, e.chunked);
      // The size MATLAB reports, although HDF5 stores the dimensions reversed.
      assert.equal(cine.metadata.dims, c.matlab!.size.join('×'));
      assert.equal(cine.metadata.hdf5Shape, [...c.matlab!.size].reverse().join('×'));
      const bytes = await pixelBytes(cine);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), e.sha256);
      for (const s of e.samples) {
        const frame = await cine.frame(s.frame);
        assert.equal(frame[(s.row * e.width + s.col) * e.channels + s.channel], s.value, JSON.stringify(s));
      }
    } finally {
      await cine.close();
    }
  });
}

test('expected.json covers the fixtures', () => {
  const files = new Set(expected.cases.map((c) => c.file));
  for (const name of readdirSync(DIR).filter((n) => n.endsWith('.mat'))) assert.ok(files.has(name), name);
  assert.ok(expected.cases.filter((c) => c.expect).length >= 10);
  for (const rule of ['identity', 'unit-interval', 'byte-range', 'min-max', 'logical']) {
    assert.ok(expected.cases.some((c) => c.expect?.mapping === rule), rule);
  }
  for (const layout of ['HxW', 'HxWxF', 'HxWx3', 'HxWx1xF', 'HxWx3xF']) {
    assert.ok(expected.cases.some((c) => c.expect?.layout === layout), layout);
  }
});

for (const c of expected.cases) {
  const label = `${c.file}${c.options.variable ? ` (variable ${c.options.variable})` : ''}`;
  test(`parity with h5py/numpy: ${label}`, () => checkCase(c, false));
}

test('a source without a local path is copied to a temporary file, read the same, and the copy removed', async () => {
  const before = new Set(readdirSync(tmpdir()).filter((n) => n.startsWith('echo-mat73-')));
  for (const c of expected.cases.filter((x) => ['patient_uint8.mat', 'nested.mat', 'no_cine.mat'].includes(x.file))) {
    await checkCase(c, true);
  }
  const left = readdirSync(tmpdir()).filter((n) => n.startsWith('echo-mat73-') && !before.has(n));
  assert.deepEqual(left, []);
});

test('metadata: the HDF5 path, the stored type, the filters and the MAT header text', async () => {
  await withSource('patient_uint8.mat', false, async (source) => {
    const cine = await matV73Reader.open(source, { limits: LIMITS });
    try {
      assert.equal(cine.metadata.hdf5Path, '/Patient/DicomImage');
      assert.equal(cine.metadata.storedType, 'uint8');
      assert.equal(cine.metadata.filters, 'deflate');
      assert.equal(cine.metadata.fpsSource, 'Patient.FrameRate');
      assert.match(String(cine.metadata.matHeader), /^MATLAB 7\.3 MAT-file/);
    } finally {
      await cine.close();
    }
  });
  await withSource('resized_double.mat', false, async (source) => {
    const cine = await matV73Reader.open(source, { limits: LIMITS });
    try {
      assert.equal(cine.metadata.storedType, 'float64');
      assert.equal(cine.metadata.filters, null);
      assert.equal(cine.metadata.fpsSource, 'FrameTime');
    } finally {
      await cine.close();
    }
  });
});

test('a dataset without MATLAB_class (another HDF5 writer) is read by its HDF5 type', async () => {
  // test/fixtures/mat/v73.mat: h5py wrote `resized` (uint8, MATLAB 8×8×2) with MATLAB's header only.
  const source = await openFileSource(join(V5_DIR, 'v73.mat'));
  try {
    const cine = await matV73Reader.open(source, { limits: LIMITS });
    assert.deepEqual([cine.frames, cine.height, cine.width, cine.channels], [2, 8, 8, 1]);
    assert.equal(cine.metadata.matClass, 'uint8');
    assert.equal((await cine.frame(1)).length, 64);
    await cine.close();
  } finally {
    await source.close();
  }
});

test('sniff claims v7.3 headers only; the mat-v5 reader still claims them too, so mat-v73 must be listed first', () => {
  const head = (dir: string, name: string): Uint8Array => new Uint8Array(readFileSync(join(dir, name))).subarray(0, 512);
  for (const c of expected.cases) assert.ok(matV73Reader.sniff(head(DIR, c.file), 'x.bin'), c.file);
  assert.ok(matV73Reader.sniff(head(V5_DIR, 'v73.mat'), 'v73.mat'));
  for (const name of ['patient_uint8_z.mat', 'big_endian.mat', 'nested.mat']) {
    assert.ok(!matV73Reader.sniff(head(V5_DIR, name), name), name);
  }
  assert.ok(matV5Reader.sniff(head(DIR, 'patient_uint8.mat'), 'a.mat'));
  const short = head(DIR, 'patient_uint8.mat').subarray(0, 127);
  assert.ok(!matV73Reader.sniff(short, 'a.mat'));
  assert.ok(!matV73Reader.sniff(new Uint8Array(512), 'a.mat'));
  const hdf5 = new Uint8Array(512);
  hdf5.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]); // plain HDF5, no MAT header
  assert.ok(!matV73Reader.sniff(hdf5, 'a.h5'));
});
