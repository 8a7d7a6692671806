import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { deidentifyDicomFile } from '../../../src/deidentify/deidentify-dicom.ts';
import { resolveAction } from '../../../src/deidentify/profile.ts';
import { remapUid } from '../../../src/deidentify/uid-remap.ts';
import { openCine } from '../../../src/formats/open-cine.ts';
import { ROOT } from '../../helpers/server.ts';
import { withTempDir } from '../../helpers/temp.ts';

const run = promisify(execFile);
const DIR = join(ROOT, 'test/fixtures/dicom');
const LIMITS = { limits: { maxDecodedBytes: 1 << 30 } };

test('every DICOM fixture (each transfer syntax and photometric) de-identifies to a valid Explicit VR LE file with the same pixels inside the regions', async () => {
  const files = [...(await readdir(DIR)).filter((f) => f.endsWith('.dcm')), ...(await readdir(join(DIR, 'real'))).map((f) => `real/${f}`).filter((f) => f.endsWith('.dcm'))];
  assert.ok(files.length >= 30);
  await withTempDir(async (tmp) => {
    for (const f of files) {
      const out = join(tmp, f.replace('/', '_'));
      const summary = await deidentifyDicomFile(join(DIR, f), out, f, { projectSecret: Buffer.alloc(32, 7), withoutRegions: 'band', bandPercent: 10, maxDecodedBytes: 1 << 30 });
      const { stdout } = await run('dcmdump', ['-q', '+L', out], { maxBuffer: 1 << 26 });
      assert.deepEqual(stdout.match(/# Used TransferSyntax: .*/g), ['# Used TransferSyntax: Little Endian Explicit', '# Used TransferSyntax: Little Endian Explicit'], f);
      assert.match(stdout, /^\(0012,0062\) CS \[YES\]/m, f);
      const input = await openCine(join(DIR, f), LIMITS);
      const output = await openCine(out, LIMITS);
      try {
        for (const k of ['frames', 'width', 'height', 'channels', 'bitsPerSample'] as const) assert.equal(output[k], input[k], `${f}: ${k}`);
        const { width: w, height: h, channels: c } = input;
        const inside = (x: number, y: number): boolean =>
          input.regions?.length
            ? input.regions.some((r) => x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1)
            : y >= Math.ceil(h * 0.1);
        assert.equal(summary.mask.kind, input.regions?.length ? 'regions' : 'band', f);
        for (let i = 0; i < input.frames; i++) {
          const a = await input.frame(i);
          const b = await output.frame(i);
          for (let y = 0; y < h; y++) {
            for (let x = 0; x < w; x++) {
              const keep = inside(x, y);
              for (let s = 0; s < c; s++) {
                const p = (y * w + x) * c + s;
                if (b[p] !== (keep ? a[p] : 0)) assert.fail(`${f} frame ${i} (${x},${y}) sample ${s}: ${b[p]}, expected ${keep ? a[p] : 0}`);
              }
            }
          }
        }
      } finally {
        await input.close();
        await output.close();
      }
    }
  });
});

test('a cine without regions is refused when the setting demands regions', async () => {
  await withTempDir(async (tmp) => {
    await assert.rejects(
      deidentifyDicomFile(join(DIR, 'real/examples_rgb_color.dcm'), join(tmp, 'o.dcm'), 'examples_rgb_color.dcm', { projectSecret: Buffer.alloc(32), withoutRegions: 'refuse', bandPercent: 10, maxDecodedBytes: 1 << 30 }),
      (err: { code?: string; message?: string }) => {
        assert.equal(err.code, 'DEIDENTIFY_REFUSED');
        assert.match(err.message ?? '', /examples_rgb_color\.dcm.*\(0018,6011\)/);
        return true;
      },
    );
    assert.deepEqual(await readdir(tmp), []);
  });
});

test('UID remapping is deterministic per secret, a valid 2.25 UID of at most 64 characters', () => {
  const a = Buffer.alloc(32, 1);
  const b = Buffer.alloc(32, 2);
  const uid = '1.2.840.113619.2.55.3.604688119.969.1268071029.320';
  assert.equal(remapUid(a, uid), remapUid(a, uid));
  assert.equal(remapUid(a, `${uid}\0`), remapUid(a, uid));
  assert.notEqual(remapUid(a, uid), remapUid(b, uid));
  assert.notEqual(remapUid(a, uid), remapUid(a, `${uid}1`));
  assert.match(remapUid(a, uid), /^2\.25\.(0|[1-9]\d*)$/);
  assert.ok(remapUid(a, uid).length <= 64);
});

test('combined profile codes resolve to the conforming, least revealing action', () => {
  assert.equal(resolveAction('X/Z', 'LO'), 'empty');
  assert.equal(resolveAction('X/Z/D', 'PN'), 'empty');
  assert.equal(resolveAction('X/D', 'DA'), 'remove');
  assert.equal(resolveAction('D', 'SQ'), 'remove');
  assert.equal(resolveAction('X/Z/U*', 'SQ'), 'remove');
  assert.equal(resolveAction('U', 'UI'), 'uid');
  assert.equal(resolveAction(undefined, 'LO'), 'keep');
});

test('in its thread: a file over the time limit is stopped (ECHO_ERR_CINE_CORRUPT, no output) and the next one is served', async () => {
  const { deidentifyDicomThreaded } = await import('../../../src/deidentify/threaded-deidentify.ts');
  await withTempDir(async (tmp) => {
    const options = { projectSecret: Buffer.alloc(32, 3), withoutRegions: 'band' as const, bandPercent: 10, maxDecodedBytes: 1 << 30 };
    const cine = join(DIR, 'real/examples_ybr_color.dcm');
    await assert.rejects(deidentifyDicomThreaded(cine, join(tmp, 'slow.dcm'), 'slow.dcm', options, 1), (err: { code?: string; message?: string }) => {
      assert.equal(err.code, 'CINE_CORRUPT');
      assert.match(err.message ?? '', /slow\.dcm.*longer than/);
      return true;
    });
    const summary = await deidentifyDicomThreaded(cine, join(tmp, 'ok.dcm'), 'ok.dcm', options, 60_000);
    assert.equal(summary.frames, 30);
    // a coded error from inside the thread keeps its code
    await assert.rejects(deidentifyDicomThreaded(join(DIR, 'README.md'), join(tmp, 'bad.dcm'), 'README.md', options, 60_000), { code: 'CINE_CORRUPT' });
    assert.deepEqual((await readdir(tmp)).sort(), ['ok.dcm']);
  });
});
