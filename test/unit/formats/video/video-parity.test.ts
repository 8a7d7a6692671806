/**
 * Every fixture read through the video reader against test/fixtures/video/expected.json: the lossless
 * clips against the numpy frames that were encoded (exact), the lossy ones against a plain ffmpeg decode
 * (exact with the same ffmpeg build, within +-2 of a thumbnail with any build).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { createVideoReader } from '../../../../src/formats/video/reader.ts';
import { EXPECTED, fixture, frameBytes, sha256, withCine } from './helpers.ts';

const reader = createVideoReader();
const sameBuild = execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0] === EXPECTED.ffmpegVersion;

for (const c of EXPECTED.cases) {
  test(`${c.file}: shape, frame rate, metadata and pixels as expected (${c.lossless ? 'lossless, exact' : 'lossy'})`, async (t) => {
    if (!c.lossless && !sameBuild) t.diagnostic(`compared within +-2 only: the fixtures were made with ${EXPECTED.ffmpegVersion}`);
    await withCine(reader, fixture(c.file), async (cine) => {
      assert.equal(cine.format, 'video');
      assert.deepEqual(
        [cine.frames, cine.height, cine.width, cine.channels, cine.bitsPerSample],
        [c.frames, c.height, c.width, c.channels, c.bitsPerSample],
      );
      assert.equal(cine.fps, c.fps);
      assert.equal(cine.metadata.codec, c.codec);
      assert.equal(cine.metadata.pixFmt, c.pixFmt);
      for (let i = 0; i < c.frames; i++) {
        const frame = await cine.frame(i);
        assert.equal(frame.length, c.height * c.width * c.channels, `frame ${i} length`);
        assert.ok(c.bitsPerSample === 16 ? frame instanceof Uint16Array : frame instanceof Uint8Array);
        if (c.lossless || sameBuild) assert.equal(sha256(frame), c.frameSha256[i], `frame ${i} of ${c.file}`);
        if (c.thumbs) {
          const step = c.thumbStep!;
          const bytes = frameBytes(frame);
          const got: number[] = [];
          for (let y = 0; y < c.height; y += step) {
            for (let x = 0; x < c.width; x += step) got.push(...bytes.subarray((y * c.width + x) * 3, (y * c.width + x) * 3 + 3));
          }
          const worst = Math.max(...got.map((v, k) => Math.abs(v - c.thumbs![i]![k]!)));
          assert.ok(worst <= 2, `frame ${i} of ${c.file} differs by ${worst} grey levels from ffmpeg's decode`);
        }
        if (c.samples && i === 0) assert.deepEqual([...frame.subarray(0, 12)], c.samples.frame0Row0);
        if (c.samples && i === c.frames - 1) assert.deepEqual([...frame.subarray(frame.length - 12)], c.samples.lastFrameLastRow);
      }
    });
  });
}

test('metadata names the container, the decoded pixel format and the stream (the audio track is skipped)', async () => {
  await withCine(reader, fixture('h264_with_audio.mp4'), async (cine) => {
    assert.equal(cine.metadata.container, 'mp4');
    assert.equal(cine.metadata.streamIndex, 1);
    assert.equal(cine.metadata.decodedAs, 'rgb24');
    assert.equal(cine.metadata.declaredFrames, 20);
    assert.equal(cine.metadata.frameCountSource, 'counted packets');
  });
  await withCine(reader, fixture('grey_ffv1.mkv'), async (cine) => {
    assert.equal(cine.metadata.container, 'mkv');
    assert.equal(cine.metadata.decodedAs, 'gray');
    assert.equal(cine.metadata.declaredFrames, null); // Matroska has no frame count: the packets were counted
  });
  await withCine(reader, fixture('vp9.webm'), async (cine) => assert.equal(cine.metadata.container, 'webm'));
  await withCine(reader, fixture('mjpeg.avi'), async (cine) => assert.equal(cine.metadata.container, 'avi'));
});
