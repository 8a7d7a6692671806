import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { jpegSize, MAX_RENDER_WIDTH, renderFramePack } from '../../../src/derived/frame-pack.ts';
import { openCine } from '../../../src/formats/open-cine.ts';
import type { Cine } from '../../../src/ports/cine-reader.ts';
import { ROOT } from '../../helpers/server.ts';
import { withTempDir } from '../../helpers/temp.ts';

/** A synthetic cine: frame i is a horizontal ramp shifted by i (bright enough to see after JPEG). */
function rampCine(frames: number, width: number, height: number, bits: 8 | 16, fps: number | null): Cine {
  const peak = bits === 16 ? 4095 : 255;
  return {
    format: 'synthetic',
    frames,
    width,
    height,
    channels: 1,
    bitsPerSample: bits,
    fps,
    metadata: {},
    async frame(i) {
      const out = bits === 16 ? new Uint16Array(width * height) : new Uint8Array(width * height);
      for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out[y * width + x] = Math.round((((x + i) % width) / (width - 1)) * peak);
      return out;
    },
    async close() {},
  };
}

test('a pack holds one JPEG per frame at its offsets, with the source fps and size', async () => {
  await withTempDir(async (dir) => {
    const cine = await openCine(join(ROOT, 'test/fixtures/video/mjpeg.avi'), { limits: { maxDecodedBytes: 1e9 } });
    try {
      const { pack, index } = await renderFramePack(cine, join(dir, 'work'), { name: 'mjpeg.avi' });
      assert.equal(index.frames, cine.frames);
      assert.equal(index.fps, cine.fps);
      assert.equal(index.fps_known, true);
      assert.deepEqual([index.width, index.height, index.source_width, index.source_height], [cine.width, cine.height, cine.width, cine.height]);
      assert.equal(index.offsets.length, cine.frames + 1);
      assert.equal(index.offsets.at(-1), pack.length);
      for (let i = 0; i < index.frames; i++) {
        const jpeg = pack.subarray(index.offsets[i]!, index.offsets[i + 1]!);
        assert.deepEqual(jpegSize(jpeg), { width: cine.width, height: cine.height }, `frame ${i}`);
      }
    } finally {
      await cine.close();
    }
  });
});

test('wide cines are scaled down to MAX_RENDER_WIDTH; an unstated fps is marked as assumed', async () => {
  await withTempDir(async (dir) => {
    const { index, pack } = await renderFramePack(rampCine(3, 1500, 301, 8, null), join(dir, 'work'), { name: 'wide' });
    assert.equal(index.width, MAX_RENDER_WIDTH);
    assert.equal(index.height, Math.round((301 * MAX_RENDER_WIDTH) / 1500));
    assert.deepEqual([index.source_width, index.source_height], [1500, 301]);
    assert.equal(index.fps_known, false);
    assert.deepEqual(jpegSize(pack.subarray(0, index.offsets[1]!)), { width: index.width, height: index.height });
  });
});

test('16-bit frames are scaled to 8 bits by their full scale, not cut to their low byte', async () => {
  await withTempDir(async (dir) => {
    // A 12-bit ramp: scaled, the right edge is white; cut to the low byte it would wrap around many times.
    const { pack, index } = await renderFramePack(rampCine(1, 256, 16, 16, 25), join(dir, 'work'), { name: 'ramp16' });
    const { execFileSync } = await import('node:child_process');
    const grey = execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', 'pipe:0', '-f', 'rawvideo', '-pix_fmt', 'gray', 'pipe:1'], { input: pack.subarray(0, index.offsets[1]!) });
    const row = grey.subarray(8 * 256, 9 * 256);
    assert.ok(row[250]! > 230, `right edge ${row[250]}`);
    assert.ok(row[5]! < 25, `left edge ${row[5]}`);
    for (let x = 8; x < 248; x += 8) assert.ok(row[x + 8]! >= row[x]! - 6, `monotonic at ${x}: ${row[x]} then ${row[x + 8]}`);
  });
});
