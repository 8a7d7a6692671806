/**
 * Renders a cine once into a "frame pack" for the web viewer: every frame as a JPEG, concatenated into one
 * object, with a small JSON index (byte offsets, true fps, sizes, the ultrasound sector when known).
 * One object instead of N keeps the store tidy and lets the browser fetch the whole cine in one request;
 * JPEGs (not a video codec) keep stepping and scrubbing frame-exact. ffmpeg does the encoding.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EchoError } from '../errors/catalogue.ts';
import { spawnError } from '../formats/video/programs.ts';
import { grey16Full } from '../models/preprocess.ts';
import type { Cine, UltrasoundRegion } from '../ports/cine-reader.ts';

/** Frames wider than this are scaled down (the viewer never needs more; it keeps the pack small). */
export const MAX_RENDER_WIDTH = 1024;
/** Used when the source does not state its frame rate (the index says so with `fps_known: false`). */
export const DEFAULT_FPS = 30;

export interface FramesIndex {
  version: 1;
  content_type: 'image/jpeg';
  frames: number;
  fps: number;
  fps_known: boolean;
  /** Size of the rendered JPEGs. */
  width: number;
  height: number;
  /** Size of the source frames: `regions` are in these pixel coordinates. */
  source_width: number;
  source_height: number;
  format: string;
  regions: UltrasoundRegion[];
  /** Byte offsets of each JPEG in the pack; `offsets[i]..offsets[i+1]` is frame i (frames + 1 entries). */
  offsets: number[];
}

/** 8-bit samples of one frame (16-bit scaled by the same full scale as the model's preprocessing). */
function toBytes(samples: Uint8Array | Uint16Array, fullScale: number): Uint8Array {
  if (samples instanceof Uint8Array) return samples;
  const out = new Uint8Array(samples.length);
  const k = 255 / fullScale;
  for (let i = 0; i < samples.length; i++) out[i] = Math.min(255, Math.round(samples[i]! * k));
  return out;
}

function peakOf(samples: Uint8Array | Uint16Array): number {
  let peak = 0;
  for (let i = 0; i < samples.length; i++) if (samples[i]! > peak) peak = samples[i]!;
  return peak;
}

/** Width and height from a JPEG's start-of-frame marker (SOF0..SOF3), or null when there is none. */
export function jpegSize(jpeg: Uint8Array): { width: number; height: number } | null {
  let i = 2;
  while (i + 9 < jpeg.length) {
    if (jpeg[i] !== 0xff) return null;
    const marker = jpeg[i + 1]!;
    const length = (jpeg[i + 2]! << 8) | jpeg[i + 3]!;
    if (marker >= 0xc0 && marker <= 0xc3) return { height: (jpeg[i + 5]! << 8) | jpeg[i + 6]!, width: (jpeg[i + 7]! << 8) | jpeg[i + 8]! };
    i += 2 + length;
  }
  return null;
}

/** Renders all frames of `cine` with ffmpeg into `workDir` (created and removed here). */
export async function renderFramePack(cine: Cine, workDir: string, options: { ffmpegPath?: string; name: string }): Promise<{ pack: Buffer; index: FramesIndex }> {
  if (!(cine.frames >= 1) || !(cine.width >= 1) || !(cine.height >= 1)) {
    throw new EchoError('CINE_CORRUPT', `"${options.name}" has ${cine.frames} frames of ${cine.width}x${cine.height}; nothing to render`);
  }
  const ffmpeg = options.ffmpegPath ?? 'ffmpeg';
  await mkdir(workDir, { recursive: true });
  try {
    const fps = cine.fps && cine.fps > 0 ? cine.fps : DEFAULT_FPS;
    const child = spawn(
      ffmpeg,
      [
        ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-y'],
        ...['-f', 'rawvideo', '-pix_fmt', cine.channels === 3 ? 'rgb24' : 'gray', '-s', `${cine.width}x${cine.height}`, '-r', String(fps), '-i', 'pipe:0'],
        ...['-vf', `scale='min(${MAX_RENDER_WIDTH},iw)':-1:flags=area,format=yuvj420p`, '-q:v', '4', '-f', 'image2', join(workDir, '%06d.jpg')],
      ],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 8192) stderr += d.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve, reject) => {
      child.once('error', (err) => reject(spawnError(err, ffmpeg, options.name)));
      child.once('close', (code) => resolve(code));
    });
    // A write error (EPIPE when ffmpeg dies) is reported through the exit code below.
    child.stdin.on('error', () => {});
    try {
      let fullScale = 255;
      for (let i = 0; i < cine.frames; i++) {
        const samples = await cine.frame(i);
        if (i === 0 && samples instanceof Uint16Array) fullScale = grey16Full(peakOf(samples));
        if (!child.stdin.write(toBytes(samples, fullScale))) {
          await Promise.race([once(child.stdin, 'drain'), exited.catch(() => null)]);
        }
        if (child.exitCode !== null) break;
      }
    } finally {
      child.stdin.end();
    }
    const code = await exited;
    if (code !== 0) throw new EchoError('INTERNAL', `rendering the frames of "${options.name}" with ffmpeg failed (exit ${code}): ${stderr.trim().split('\n').slice(-2).join('; ')}`);
    const files = (await readdir(workDir)).filter((f) => f.endsWith('.jpg')).sort();
    if (files.length !== cine.frames) throw new EchoError('INTERNAL', `ffmpeg wrote ${files.length} frames for "${options.name}"; ${cine.frames} expected`);
    const parts: Buffer[] = [];
    const offsets = [0];
    for (const f of files) {
      const jpeg = await readFile(join(workDir, f));
      parts.push(jpeg);
      offsets.push(offsets[offsets.length - 1]! + jpeg.length);
    }
    const { width, height } = jpegSize(parts[0]!) ?? { width: cine.width, height: cine.height };
    const index: FramesIndex = {
      version: 1,
      content_type: 'image/jpeg',
      frames: files.length,
      fps,
      fps_known: Boolean(cine.fps && cine.fps > 0),
      width,
      height,
      source_width: cine.width,
      source_height: cine.height,
      format: cine.format,
      regions: cine.regions ?? [],
      offsets,
    };
    return { pack: Buffer.concat(parts), index };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}
