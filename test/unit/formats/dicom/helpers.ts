import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cine, CineSource } from '../../../../src/ports/cine-reader.ts';
import { createDicomReader, type DicomReaderOptions } from '../../../../src/formats/dicom/reader.ts';
import { openMemorySource } from '../../../../src/formats/memory-source.ts';

export const FIXTURES = fileURLToPath(new URL('../../../fixtures/dicom/', import.meta.url));

export interface Expected {
  frames: number;
  rows: number;
  columns: number;
  channels: 1 | 3;
  bitsPerSample?: 8 | 16;
  fps?: number | null;
  fpsSource?: string | null;
  photometric: string;
  transferSyntaxUid?: string | null;
  layout?: string;
  regions?: Record<string, number>[];
  pixelSpacingMm?: { row: number; column: number };
  sha256?: string;
  reference?: string;
  tolerance?: number;
  meanTolerance?: number;
  expectedBin?: string;
  expectedBinTolerance?: number;
  frameChannelMeans?: number[][];
}

export const EXPECTED: Record<string, Expected> = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));

export function fixtureBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(FIXTURES, name)));
}

/** A CineSource over bytes in memory (counts reads, so tests can check laziness). */
export function memorySource(bytes: Uint8Array, name = 'memory.dcm'): CineSource & { bytesRead: number } {
  const inner = openMemorySource(bytes, name);
  const src = {
    name,
    size: inner.size,
    bytesRead: 0,
    async read(offset: number, length: number) {
      const out = await inner.read(offset, length);
      src.bytesRead += out.length;
      return out;
    },
  };
  return src;
}

export async function openBytes(bytes: Uint8Array, name: string, cap = 1 << 30, options: DicomReaderOptions = {}): Promise<Cine> {
  return createDicomReader(options).open(memorySource(bytes, name), { limits: { maxDecodedBytes: cap } });
}

/** Every frame, concatenated as little-endian bytes (how expected.json hashes them). */
export async function allFrames(cine: Cine): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < cine.frames; i += 1) {
    const f = await cine.frame(i);
    parts.push(new Uint8Array(f.buffer, f.byteOffset, f.byteLength));
  }
  return Buffer.concat(parts);
}

export async function allSamples(cine: Cine): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < cine.frames; i += 1) out.push(...(await cine.frame(i)));
  return out;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
