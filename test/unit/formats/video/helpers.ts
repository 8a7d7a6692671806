/** Shared by the video reader tests: fixtures, their expected values, files on disk, child processes. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FileSource, openFileSource } from '../../../../src/formats/file-source.ts';
import type { Cine } from '../../../../src/ports/cine-reader.ts';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/video/', import.meta.url));

export interface ExpectedCase {
  file: string;
  lossless: boolean;
  codec: string;
  pixFmt: string;
  frames: number;
  height: number;
  width: number;
  channels: 1 | 3;
  bitsPerSample: 8 | 16;
  fps: number;
  frameSha256: string[];
  samples?: { frame0Row0: number[]; lastFrameLastRow: number[] };
  thumbStep?: number;
  thumbs?: number[][];
}

export interface Expected {
  ffmpegVersion: string;
  cases: ExpectedCase[];
  errors: { file: string; code: string }[];
}

export const EXPECTED: Expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));

export const LIMITS = { limits: { maxDecodedBytes: 64 * 1024 * 1024 } };

export function fixture(name: string): string {
  return join(FIXTURES, name);
}

/** The frame's samples as bytes (16-bit samples little-endian, as numpy's `<u2`). */
export function frameBytes(frame: Uint8Array | Uint16Array): Uint8Array {
  return new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
}

export function sha256(frame: Uint8Array | Uint16Array): string {
  return createHash('sha256').update(frameBytes(frame)).digest('hex');
}

/** Opens a file with the given reader and always closes both the cine and the file. */
export async function withCine<T>(
  reader: { open: (s: FileSource, o: typeof LIMITS) => Promise<Cine> },
  path: string,
  fn: (cine: Cine) => Promise<T>,
  options = LIMITS,
): Promise<T> {
  const source = await openFileSource(path);
  try {
    const cine = await reader.open(source, options);
    try {
      return await fn(cine);
    } finally {
      await cine.close();
    }
  } finally {
    await source.close();
  }
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'echo-video-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** This process's live children, from /proc (name and pid); zombies count, as they were not reaped. */
export function children(): { pid: number; name: string }[] {
  const out: { pid: number; name: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split at the last ')'.
    const close = stat.lastIndexOf(')');
    const ppid = Number(stat.slice(close + 2).split(' ')[1]);
    if (ppid === process.pid) out.push({ pid: Number(entry), name: stat.slice(stat.indexOf('(') + 1, close) });
  }
  return out;
}

export function ffmpegChildren(): { pid: number; name: string }[] {
  return children().filter((c) => c.name === 'ffmpeg' || c.name === 'ffprobe');
}
