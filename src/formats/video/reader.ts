import { endianness } from 'node:os';
import { resolve } from 'node:path';
import { EchoError, toEchoError } from '../../errors/catalogue.ts';
import type { Cine, CineReader, CineSource, ReadOptions } from '../../ports/cine-reader.ts';
import { type FramePipe, startFramePipe } from './frame-pipe.ts';
import { inputArgs, probeVideo, type VideoInfo } from './probe.ts';
import { sniffContainer } from './sniff.ts';

export const VIDEO = 'video';

export interface VideoReaderOptions {
  /** The ffmpeg program (a name looked up on PATH, or a path). Default `ffmpeg`. */
  ffmpegPath?: string;
  /** The ffprobe program. Default `ffprobe`. */
  ffprobePath?: string;
  /** ffprobe is stopped after this long (it reads the whole file to count packets). Default 30 s. */
  probeTimeoutMs?: number;
  /** ffmpeg is stopped when a wanted frame gets no byte for this long. Default 30 s. */
  stallTimeoutMs?: number;
}

const SNIFF_BYTES = 512;

/**
 * CineReader for video files (AVI, MP4/M4V/3GP, QuickTime MOV, Matroska, WebM) through the ffprobe and
 * ffmpeg programs (Debian package ffmpeg). ffprobe reads the header at open; frames are decoded on demand
 * by one ffmpeg process per cine, read forward through a pipe. What is supported: docs/formats.md.
 */
export function createVideoReader(readerOptions: VideoReaderOptions = {}): CineReader {
  const settings = {
    ffmpegPath: readerOptions.ffmpegPath ?? 'ffmpeg',
    ffprobePath: readerOptions.ffprobePath ?? 'ffprobe',
    probeTimeoutMs: readerOptions.probeTimeoutMs ?? 30_000,
    stallTimeoutMs: readerOptions.stallTimeoutMs ?? 30_000,
  };
  return {
    format: VIDEO,
    sniff: (head, fileName) => sniffContainer(head, fileName) !== null,
    async open(source, options) {
      try {
        return await openVideo(source, options, settings);
      } catch (err) {
        throw toEchoError(err, 'INTERNAL', `reading video file "${source.name}"`);
      }
    },
  };
}

export const videoReader: CineReader = createVideoReader();

async function openVideo(source: CineSource, options: ReadOptions, settings: Required<VideoReaderOptions>): Promise<Cine> {
  const file = source.name;
  const cap = options.limits.maxDecodedBytes;
  if (!(cap > 0)) throw new EchoError('CONFIG_INVALID', `limits.maxDecodedBytes must be a positive number, got ${cap}`);
  if (!source.path) {
    // ffprobe and ffmpeg read files, not byte callbacks: whoever opens the cine must give a local path.
    throw new EchoError('INTERNAL', `video file "${file}" has no local path: the video reader runs ffprobe/ffmpeg on a local file (CineSource.path)`, {
      details: { file },
    });
  }
  const path = resolve(source.path);
  const head = await source.read(0, SNIFF_BYTES);
  const container = sniffContainer(head, file);
  if (container === null) {
    const first = [...head.subarray(0, 12)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new EchoError(
      'CINE_CORRUPT',
      head.length === 0
        ? `video file "${file}" is empty (0 bytes)`
        : `video file "${file}" does not start like an AVI, MP4/MOV or Matroska/WebM file (first bytes: ${first})`,
      { details: { file } },
    );
  }
  const info = await probeVideo(path, file, container, { ffprobePath: settings.ffprobePath, timeoutMs: settings.probeTimeoutMs });
  const frameBytes = info.height * info.width * info.channels * (info.bitsPerSample / 8);
  const total = info.frames * frameBytes;
  if (total > cap) {
    throw new EchoError(
      'CINE_TOO_LARGE',
      `video file "${file}": ${info.frames} frames of ${info.width}×${info.height}×${info.channels} (${info.bitsPerSample}-bit) need ${total} bytes, over the cap of ${cap} bytes (limits.maxDecodedBytes)`,
      { details: { file, bytes: total, cap } },
    );
  }
  return videoCine(info, path, file, frameBytes, settings);
}

function decoderArgs(info: VideoInfo, path: string): string[] {
  return [
    '-v', 'error', '-nostdin',
    // Frames as stored: width and height are the coded ones ffprobe reported, not a rotated view.
    '-noautorotate',
    ...inputArgs(info.container, path),
    '-map', `0:${info.streamIndex}`,
    // One output frame per decoded frame: no duplicates or drops to fit a constant rate. (-fps_mode needs
    // ffmpeg 5.1; the older -vsync was removed in ffmpeg 9.)
    '-fps_mode', 'passthrough',
    // Pins the size ffprobe reported, so a mid-stream size change cannot shift the frame boundaries.
    '-vf', `scale=${info.width}:${info.height}`,
    '-f', 'rawvideo', '-pix_fmt', info.output, 'pipe:1',
  ];
}

function videoCine(info: VideoInfo, path: string, file: string, frameBytes: number, settings: Required<VideoReaderOptions>): Cine {
  let closed = false;
  let pipe: FramePipe | null = null;
  /** Index of the frame the pipe gives next. */
  let position = 0;
  /** The last frame served: asking for it again does not restart the decoder. */
  let last: { index: number; bytes: Uint8Array } | null = null;
  /** frame() calls run one after another: they share one decoder. */
  let queue: Promise<unknown> = Promise.resolve();

  const stopPipe = async () => {
    const p = pipe;
    pipe = null;
    position = 0;
    await p?.close();
  };

  const decode = async (index: number): Promise<Uint8Array> => {
    if (last?.index === index) return last.bytes.slice();
    // Only forward reads: an earlier frame restarts ffmpeg from the first frame (see docs/formats.md).
    if (pipe === null || index < position) {
      await stopPipe();
      pipe = startFramePipe({ ffmpegPath: settings.ffmpegPath, args: decoderArgs(info, path), frameBytes, stallMs: settings.stallTimeoutMs, path, file });
    }
    const current = pipe;
    try {
      while (position <= index) {
        const bytes = await current.next(position === index);
        if (bytes === null) {
          throw new EchoError(
            'CINE_CORRUPT',
            `video file "${file}" is damaged or truncated: ffmpeg decoded ${position} frames, but ffprobe counted ${info.frames} (${info.frameCountSource})${current.said() ? `: ${current.said()}` : ''}`,
            { details: { file, decoded: position, frames: info.frames } },
          );
        }
        position++;
        if (position - 1 === index) {
          last = { index, bytes };
          return bytes.slice();
        }
      }
      throw new EchoError('INTERNAL', `video file "${file}": frame ${index} was passed while reading forward`);
    } catch (err) {
      if (pipe === current) await stopPipe(); // the next request starts a fresh decoder
      throw err;
    }
  };

  const cine: Cine = {
    format: VIDEO,
    frames: info.frames,
    height: info.height,
    width: info.width,
    channels: info.channels,
    bitsPerSample: info.bitsPerSample,
    fps: info.fps,
    metadata: {
      container: info.container,
      demuxer: info.demuxer,
      codec: info.codec,
      pixFmt: info.pixFmt,
      decodedAs: info.output,
      streamIndex: info.streamIndex,
      frameCountSource: info.frameCountSource,
      declaredFrames: info.declaredFrames,
      durationS: info.durationS,
    },
    frame(index) {
      const run = queue.then(async () => {
        if (closed) throw new EchoError('BAD_REQUEST', `the cine from video file "${file}" is closed`);
        if (!Number.isInteger(index) || index < 0 || index >= info.frames) {
          throw new EchoError('BAD_REQUEST', `frame ${index} is out of range for video file "${file}" (frames 0..${info.frames - 1})`);
        }
        try {
          const bytes = await decode(index);
          return info.bitsPerSample === 16 ? toUint16(bytes) : bytes;
        } catch (err) {
          throw toEchoError(err, 'INTERNAL', `reading frame ${index} of video file "${file}"`);
        }
      });
      queue = run.catch(() => undefined);
      return run;
    },
    async close() {
      closed = true;
      last = null;
      await stopPipe();
    },
  };
  return cine;
}

/** ffmpeg wrote gray16le: little-endian samples, swapped on a big-endian host. */
function toUint16(bytes: Uint8Array): Uint16Array {
  const samples = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
  if (endianness() === 'BE') {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < samples.length; i++) samples[i] = view.getUint16(i * 2, true);
  }
  return samples;
}
