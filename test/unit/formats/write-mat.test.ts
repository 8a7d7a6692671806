import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { openCine } from '../../../src/formats/open-cine.ts';
import { writePatientMat } from '../../../src/formats/mat-v5/write-mat.ts';
import { withTempDir } from '../../helpers/temp.ts';

const frames = [0, 1, 2].map((f) => Uint8Array.from({ length: 4 * 5 }, (_, i) => (f * 50 + i * 3) % 256));

test('the MAT writer round-trips through scipy.io.loadmat (an independent reader) and our reader', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'w.mat');
    writeFileSync(path, writePatientMat(frames, 4, 5, { View: 'AP4' }));
    const script = [
      'import sys, scipy.io, numpy as np',
      "m = scipy.io.loadmat(sys.argv[1], squeeze_me=False)",
      "p = m['Patient'][0, 0]",
      "a = p['DicomImage']",
      "print(a.dtype, a.shape, ','.join(str(int(v)) for v in a.transpose(2, 0, 1).ravel()), p['View'][0])",
    ].join('\n');
    const out = execFileSync('/usr/bin/python3', ['-c', script, path], { encoding: 'utf8' }).trim().split(' ');
    assert.equal(out[0], 'uint8');
    assert.equal(`${out[1]} ${out[2]} ${out[3]}`, '(4, 5, 3)');
    assert.equal(out[4], frames.flatMap((f) => [...f]).join(','));
    assert.equal(out[5], 'AP4');

    const cine = await openCine(path, { limits: { maxDecodedBytes: 1e6 } });
    assert.deepEqual([cine.frames, cine.height, cine.width, cine.channels], [3, 4, 5, 1]);
    for (let f = 0; f < 3; f++) assert.deepEqual([...(await cine.frame(f))], [...frames[f]!]);
    await cine.close();
  });
});
