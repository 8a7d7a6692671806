/**
 * Parity with scipy: every fixture in test/fixtures/mat (written by scipy.io.savemat, h5py, or the
 * script's own big-endian writer) must read back exactly as expected.json says, which make_fixtures.py
 * computed from scipy.io.loadmat's output with numpy.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isEchoError } from '../../../src/errors/catalogue.ts';
import { openCineWith, summarizeCine } from '../../../src/formats/open-cine.ts';
import { matV5Reader } from '../../../src/formats/mat-v5/reader.ts';

// These tests are about the MAT v5 reader itself (including its refusal of v7.3 files), so they use it directly.
const openCine = (path: string, options: Parameters<typeof openCineWith>[2]) => openCineWith(matV5Reader, path, options);
import { type ExpectedMatCine, pixelBytes } from '../../helpers/cine-parity.ts';

const DIR = fileURLToPath(new URL('../../fixtures/mat/', import.meta.url));
const LIMITS = { maxDecodedBytes: 64 * 1024 * 1024 };

interface Case {
  file: string;
  options: { variable?: string };
  loadmat?: { shape: number[]; dtype: string };
  error?: string;
  expect?: ExpectedMatCine & {
    compressed: boolean;
    endian: string;
    storedType?: string;
  };
}

const expected = JSON.parse(readFileSync(join(DIR, 'expected.json'), 'utf8')) as { cases: Case[] };


test('expected.json covers the fixtures', () => {
  assert.ok(expected.cases.length >= 25);
  assert.ok(expected.cases.some((c) => c.expect?.endian === 'big'));
  assert.ok(expected.cases.some((c) => c.error === 'CINE_UNSUPPORTED'));
});

for (const c of expected.cases) {
  const label = `${c.file}${c.options.variable ? ` (variable ${c.options.variable})` : ''}`;
  test(`parity with scipy: ${label}`, async () => {
    const options = { limits: LIMITS, ...c.options };
    if (c.error) {
      await assert.rejects(openCine(join(DIR, c.file), options), (err: unknown) => {
        assert.ok(isEchoError(err), String(err));
        assert.equal(err.code, c.error);
        assert.match(err.message, new RegExp(c.file.replace('.', '\\.')));
        assert.doesNotMatch(err.message, /\n/);
        return true;
      });
      return;
    }
    const e = c.expect!;
    const cine = await openCine(join(DIR, c.file), options);
    try {
      assert.deepEqual(summarizeCine(cine), {
        format: 'mat-v5',
        frames: e.frames,
        height: e.height,
        width: e.width,
        channels: e.channels,
        fps: e.fps,
      });
      assert.equal(cine.bitsPerSample, e.bitsPerSample);
      assert.equal(cine.metadata.variable, e.variable);
      assert.equal(cine.metadata.matClass, c.expect!.mapping === 'logical' ? 'logical' : e.matClass);
      assert.equal(cine.metadata.mapping, e.mapping);
      assert.equal(cine.metadata.endian, e.endian);
      assert.equal(cine.metadata.compressed, e.compressed);
      if (e.storedType) assert.equal(cine.metadata.storedType, e.storedType);
      // Our dimensions are scipy's shape.
      assert.equal(cine.metadata.dims, c.loadmat!.shape.join('×'));
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
