/**
 * Damaged, empty and unsuitable files, a missing ffmpeg/ffprobe, the size cap, and hung programs: each is
 * one coded EchoError naming the file, in bounded time, with no child process left behind.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { type EchoError, isEchoError } from '../../../../src/errors/catalogue.ts';
import type { CineSource } from '../../../../src/ports/cine-reader.ts';
import { createVideoReader, type VideoReaderOptions } from '../../../../src/formats/video/reader.ts';
import { EXPECTED, ffmpegChildren, fixture, LIMITS, withCine, withTempDir } from './helpers.ts';

after(() => assert.deepEqual(ffmpegChildren(), [], 'an ffmpeg/ffprobe child was left running'));

const reader = createVideoReader();

/** Opens `bytes` written to a temp file named `name` and returns the error it rejects with. */
async function rejectionOf(name: string, bytes: Uint8Array, options: VideoReaderOptions = {}): Promise<EchoError> {
  return withTempDir(async (dir) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return openError(createVideoReader(options), path);
  });
}

async function openError(r: ReturnType<typeof createVideoReader>, path: string, limits = LIMITS): Promise<EchoError> {
  try {
    await withCine(r, path, async (cine) => {
      for (let i = 0; i < cine.frames; i++) await cine.frame(i);
    }, limits);
  } catch (err) {
    assert.ok(isEchoError(err), `not an EchoError: ${String(err)}`);
    return err;
  }
  assert.fail(`${path} opened and decoded without an error`);
}

function assertOneLine(err: EchoError, file: string): void {
  assert.ok(err.message.includes(`"${file}"`), err.message);
  assert.ok(!err.message.includes('\n'), `more than one line: ${err.message}`);
  assert.ok(!err.message.includes('/tmp/'), `the local path leaked into: ${err.message}`);
}

const fixtureBytes = (name: string) => new Uint8Array(readFileSync(fixture(name)));

test('an empty file is CINE_CORRUPT, "empty"', async () => {
  const err = await rejectionOf('empty.avi', new Uint8Array(0));
  assert.equal(err.code, 'CINE_CORRUPT');
  assert.match(err.message, /"empty\.avi" is empty/);
});

test('a truncated MP4 is CINE_CORRUPT with what ffprobe said, on one line without the local path', async () => {
  const err = await rejectionOf('cut.mp4', fixtureBytes('h264_with_audio.mp4').subarray(0, 3000));
  assert.equal(err.code, 'CINE_CORRUPT');
  assertOneLine(err, 'cut.mp4');
  assert.match(err.message, /damaged or truncated: ffprobe could not read it: moov atom not found/);
});

test('an AVI cut in its last frames opens, then the missing frame is CINE_CORRUPT with what ffmpeg said', async () => {
  const bytes = fixtureBytes('mjpeg.avi');
  const err = await rejectionOf('cut.avi', bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  assert.equal(err.code, 'CINE_CORRUPT');
  assertOneLine(err, 'cut.avi');
  assert.match(err.message, /ffmpeg decoded \d+ frames, but ffprobe counted \d+/);
});

test('random bytes behind an AVI, MP4 or Matroska header are CINE_CORRUPT', async () => {
  // Seeded noise (a linear congruential generator), the same on every run.
  const noise = new Uint8Array(4096);
  let seed = 7;
  for (let i = 0; i < noise.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    noise[i] = seed >>> 24;
  }
  const heads: Record<string, number[]> = {
    'noise.avi': [...'RIFF\x00\x10\x00\x00AVI '].map((c) => c.charCodeAt(0)),
    'noise.mp4': [0, 0, 0, 16, ...[...'ftypisom\x00\x00\x02\x00'].map((c) => c.charCodeAt(0))],
    'noise.mkv': [0x1a, 0x45, 0xdf, 0xa3],
  };
  for (const [name, head] of Object.entries(heads)) {
    const err = await rejectionOf(name, new Uint8Array([...head, ...noise]));
    assert.equal(err.code, 'CINE_CORRUPT', `${name}: ${err.message}`);
    assertOneLine(err, name);
  }
});

test('a file with no video stream is CINE_NO_VARIABLE, saying so', async () => {
  for (const e of EXPECTED.errors) {
    const err = await openError(reader, fixture(e.file));
    assert.equal(err.code, e.code);
    assert.match(err.message, /has no video stream/);
    assertOneLine(err, e.file);
  }
});

test('a codec this ffmpeg does not know is CINE_UNSUPPORTED naming its tag', async () => {
  // The MJPEG fixture with its FourCC (in the stream header and the bitmap header) renamed.
  const bytes = fixtureBytes('mjpeg.avi');
  const text = Buffer.from(bytes).toString('latin1');
  assert.equal(text.split('MJPG').length - 1, 2);
  const err = await rejectionOf('odd-codec.avi', new Uint8Array(Buffer.from(text.replaceAll('MJPG', 'ZZZZ'), 'latin1')));
  assert.equal(err.code, 'CINE_UNSUPPORTED');
  assert.match(err.message, /"odd-codec\.avi" \(avi\): video stream 0 uses a codec this ffmpeg does not know \(tag "ZZZZ"\)/);
});

test('a file that is no video at all, handed to the reader, is CINE_CORRUPT naming its first bytes', async () => {
  const err = await rejectionOf('not-a-video.avi', new TextEncoder().encode('MATLAB 5.0 MAT-file, not a video'));
  assert.equal(err.code, 'CINE_CORRUPT');
  assert.match(err.message, /does not start like an AVI, MP4\/MOV or Matroska\/WebM file \(first bytes: 4d 41 54/);
});

test('a missing or non-executable ffprobe/ffmpeg is DEPENDENCY_MISSING naming the program and the Debian package', async () => {
  const probeless = await openError(createVideoReader({ ffprobePath: '/nonexistent/ffprobe' }), fixture('mjpeg.avi'));
  assert.equal(probeless.code, 'DEPENDENCY_MISSING');
  assert.equal(probeless.exitCode, 1);
  assert.match(probeless.message, /needs the program "\/nonexistent\/ffprobe", which was not found: install the Debian package ffmpeg/);
  assertOneLine(probeless, 'mjpeg.avi');

  // Opening needs only ffprobe; the first frame needs ffmpeg.
  const ffmpegless = await openError(createVideoReader({ ffmpegPath: '/nonexistent/ffmpeg' }), fixture('mjpeg.avi'));
  assert.equal(ffmpegless.code, 'DEPENDENCY_MISSING');
  assert.match(ffmpegless.message, /"\/nonexistent\/ffmpeg", which was not found: install the Debian package ffmpeg/);

  await withTempDir(async (dir) => {
    const notExecutable = join(dir, 'ffprobe');
    writeFileSync(notExecutable, '#!/bin/sh\n');
    chmodSync(notExecutable, 0o644);
    const err = await openError(createVideoReader({ ffprobePath: notExecutable }), fixture('mjpeg.avi'));
    assert.equal(err.code, 'DEPENDENCY_MISSING');
    assert.match(err.message, /is not executable/);
  });
});

test('an ffmpeg older than 5.1 (no -fps_mode) is DEPENDENCY_MISSING saying which version is needed', async () => {
  await withTempDir(async (dir) => {
    // Stands in for ffmpeg 4.x, which cannot be installed beside 5.1: it answers as 4.4 does and exits.
    const old = join(dir, 'ffmpeg');
    writeFileSync(old, "#!/bin/sh\necho \"Unrecognized option 'fps_mode'.\" >&2\necho 'Error splitting the argument list: Option not found' >&2\nexit 8\n");
    chmodSync(old, 0o755);
    const err = await openError(createVideoReader({ ffmpegPath: old }), fixture('grey_ffv1.mkv'));
    assert.equal(err.code, 'DEPENDENCY_MISSING');
    assert.match(err.message, /"grey_ffv1\.mkv" needs ffmpeg 5\.1 or later/);
  });
});

test('the size cap is checked from ffprobe, before decoding: over by one byte is CINE_TOO_LARGE', async () => {
  const c = EXPECTED.cases.find((x) => x.file === 'mjpeg.avi')!;
  const exact = c.frames * c.height * c.width * c.channels;
  const err = await openError(reader, fixture(c.file), { limits: { maxDecodedBytes: exact - 1 } });
  assert.equal(err.code, 'CINE_TOO_LARGE');
  assert.match(err.message, new RegExp(`"mjpeg\\.avi": 16 frames of 64×48×3 \\(8-bit\\) need ${exact} bytes, over the cap of ${exact - 1}`));
  assert.deepEqual(ffmpegChildren(), []);
  await withCine(reader, fixture(c.file), async (cine) => assert.equal(cine.frames, 16), { limits: { maxDecodedBytes: exact } });
  // 16-bit samples count twice.
  const g = EXPECTED.cases.find((x) => x.file === 'grey16_ffv1.mkv')!;
  const bytes16 = g.frames * g.height * g.width * 2;
  assert.equal((await openError(reader, fixture(g.file), { limits: { maxDecodedBytes: bytes16 - 1 } })).code, 'CINE_TOO_LARGE');
});

test('a source without a local path is refused clearly', async () => {
  const source: CineSource = { name: 'memory.avi', size: 12, read: async () => new Uint8Array(12) };
  await assert.rejects(reader.open(source, LIMITS), (err) => isEchoError(err, 'INTERNAL') && /"memory\.avi" has no local path/.test(err.message));
});

/** A named pipe: opening it blocks until the other end is opened, so a program reading it hangs. */
function fifo(dir: string, name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

test('an ffprobe that hangs is stopped after the probe timeout: CINE_CORRUPT, no process left', async () => {
  await withTempDir(async (dir) => {
    const path = fifo(dir, 'hang.avi');
    const head = fixtureBytes('mjpeg.avi').subarray(0, 512);
    const source: CineSource = { name: 'hang.avi', size: 22278, path, read: async () => head };
    const started = performance.now();
    await assert.rejects(
      createVideoReader({ probeTimeoutMs: 300 }).open(source, LIMITS),
      (err) => isEchoError(err, 'CINE_CORRUPT') && /"hang\.avi": .*ffprobe did not finish within 300 ms/.test(err.message),
    );
    assert.ok(performance.now() - started < 5000);
    assert.deepEqual(ffmpegChildren(), []);
  });
});

test('an ffmpeg that gives no frame is stopped after the stall timeout: CINE_CORRUPT, no process left', async () => {
  await withTempDir(async (dir) => {
    // ffprobe reads the file through the pipe once; ffmpeg then opens a pipe nobody writes to, and waits.
    const path = fifo(dir, 'stall.avi');
    const bytes = fixtureBytes('mjpeg.avi');
    const writer = writeFile(path, bytes).catch(() => undefined);
    const source: CineSource = { name: 'stall.avi', size: bytes.length, path, read: async (o, l) => bytes.slice(o, o + l) };
    const cine = await createVideoReader({ stallTimeoutMs: 400 }).open(source, LIMITS);
    await writer;
    try {
      assert.equal(cine.frames, 16);
      const started = performance.now();
      await assert.rejects(
        cine.frame(0),
        (err) => isEchoError(err, 'CINE_CORRUPT') && /"stall\.avi": ffmpeg gave no frame data for 400 ms/.test(err.message),
      );
      assert.ok(performance.now() - started < 5000);
      assert.deepEqual(ffmpegChildren(), [], 'the hung ffmpeg was killed');
    } finally {
      await cine.close();
    }
  });
});
