/**
 * Lazy frame access: one ffmpeg per cine, started on the first frame, read forward, restarted for an
 * earlier frame, never holding the whole video, and always gone after close().
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isEchoError } from '../../../../src/errors/catalogue.ts';
import { openFileSource } from '../../../../src/formats/file-source.ts';
import { createVideoReader } from '../../../../src/formats/video/reader.ts';
import { EXPECTED, ffmpegChildren, fixture, LIMITS, sha256, withCine, withTempDir } from './helpers.ts';

const reader = createVideoReader();
const h264 = EXPECTED.cases.find((c) => c.file === 'h264_with_audio.mp4')!;

after(() => assert.deepEqual(ffmpegChildren(), [], 'an ffmpeg/ffprobe child was left running'));

test('frame 5 then frame 2: the decoder restarts and both frames are right; the same frame twice is served again', async () => {
  await withCine(reader, fixture(h264.file), async (cine) => {
    assert.deepEqual(ffmpegChildren(), [], 'open() decodes nothing (ffprobe has exited, no ffmpeg yet)');
    assert.equal(sha256(await cine.frame(5)), h264.frameSha256[5]);
    const first = ffmpegChildren();
    assert.equal(first.length, 1, 'one ffmpeg decodes the cine');
    assert.equal(sha256(await cine.frame(2)), h264.frameSha256[2]);
    const second = ffmpegChildren();
    assert.equal(second.length, 1, 'the old decoder is gone');
    assert.notEqual(second[0]!.pid, first[0]!.pid, 'an earlier frame starts a new decoder');
    // The frame just served comes back without a restart, as a copy the caller may change.
    const again = await cine.frame(2);
    assert.equal(sha256(again), h264.frameSha256[2]);
    again.fill(0);
    assert.equal(sha256(await cine.frame(2)), h264.frameSha256[2]);
    assert.equal(ffmpegChildren()[0]!.pid, second[0]!.pid);
    // Forward again, skipping frames, on the same decoder.
    assert.equal(sha256(await cine.frame(19)), h264.frameSha256[19]);
    assert.equal(sha256(await cine.frame(3)), h264.frameSha256[3]);
  });
  assert.deepEqual(ffmpegChildren(), []);
});

test('concurrent frame() calls are served one after another, each with its own frame', async () => {
  await withCine(reader, fixture(h264.file), async (cine) => {
    const order = [7, 1, 7, 19, 0, 12];
    const frames = await Promise.all(order.map((i) => cine.frame(i)));
    assert.deepEqual(frames.map(sha256), order.map((i) => h264.frameSha256[i]));
  });
});

test('a long video is streamed: after frame 0 ffmpeg is blocked on the pipe, and close() kills it', async () => {
  await withTempDir(async (dir) => {
    // 40 frames of 320×240 RGB are 9.2 MB decoded: far more than the pipe and one buffered frame.
    const path = join(dir, 'long.avi');
    execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=25', '-frames:v', '40', '-c:v', 'mjpeg', '-q:v', '20', path]);
    const source = await openFileSource(path);
    const cine = await reader.open(source, LIMITS);
    try {
      assert.equal(cine.frames, 40);
      await cine.frame(0);
      await sleep(200); // time enough for an unblocked ffmpeg to decode the rest and exit
      assert.equal(ffmpegChildren().length, 1, 'ffmpeg waits for the reader instead of decoding everything');
      await cine.close();
      assert.deepEqual(ffmpegChildren(), [], 'close() kills the decoder and waits for it');
      await cine.close(); // twice is harmless
    } finally {
      await cine.close();
      await source.close();
    }
  });
});

test('a frame out of range, or asked after close(), is a BAD_REQUEST naming the file and the range', async () => {
  const source = await openFileSource(fixture('grey_ffv1.mkv'));
  const cine = await reader.open(source, LIMITS);
  try {
    for (const bad of [-1, 12, 1.5, Number.NaN]) {
      await assert.rejects(cine.frame(bad), (err) => isEchoError(err, 'BAD_REQUEST') && /grey_ffv1\.mkv.*0\.\.11/.test(err.message));
    }
    assert.equal((await cine.frame(11)).length, 48 * 64);
  } finally {
    await cine.close();
    await source.close();
  }
  await assert.rejects(cine.frame(0), (err) => isEchoError(err, 'BAD_REQUEST') && /closed/.test(err.message));
  assert.deepEqual(ffmpegChildren(), []);
});

test('close() while a frame is being decoded ends that request and leaves no process', async () => {
  await withCine(reader, fixture(h264.file), async (cine) => {
    const pending = cine.frame(19);
    await sleep(5);
    await cine.close();
    // Either the frame was already served or the request was ended by the close: never another error.
    await pending.then(
      (frame) => assert.equal(sha256(frame), h264.frameSha256[19]),
      (err) => assert.ok(isEchoError(err, 'BAD_REQUEST'), String(err)),
    );
    assert.deepEqual(ffmpegChildren(), []);
  });
});
