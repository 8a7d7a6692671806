/**
 * A tiny little-endian MAT Level 5 writer for the error tests only: it builds deliberately wrong files
 * (absurd dimensions, zlib bombs) that no real writer produces. Well-formed fixtures come from scipy
 * (test/fixtures/mat/make_fixtures.py).
 */
import { deflateSync } from 'node:zlib';
import type { CineSource } from '../../../src/ports/cine-reader.ts';
import { openMemorySource } from '../../../src/formats/memory-source.ts';

export const MI_INT8 = 1;
export const MI_UINT8 = 2;
export const MI_INT32 = 5;
export const MI_UINT32 = 6;
export const MI_MATRIX = 14;
export const MI_COMPRESSED = 15;
export const MX_UINT8 = 9;

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

export function header(): Uint8Array {
  const out = new Uint8Array(128).fill(0x20);
  out.set(new TextEncoder().encode('MATLAB 5.0 MAT-file, test builder'), 0);
  out.fill(0, 116, 124);
  out.set([0x00, 0x01, 0x49, 0x4d], 124); // version 0x0100, 'IM' (little endian)
  return out;
}

export function element(type: number, payload: Uint8Array, pad = true): Uint8Array {
  const tag = new Uint8Array(8);
  const view = new DataView(tag.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, payload.length, true);
  const padding = pad ? (8 - (payload.length % 8)) % 8 : 0;
  return concat(tag, payload, new Uint8Array(padding));
}

function int32s(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  const view = new DataView(out.buffer);
  for (const [i, v] of values.entries()) view.setInt32(i * 4, v, true);
  return out;
}

export function numericMatrix(name: string, classId: number, dims: number[], type: number, data: Uint8Array): Uint8Array {
  const flags = new Uint8Array(8);
  new DataView(flags.buffer).setUint32(0, classId, true);
  return element(
    MI_MATRIX,
    concat(
      element(MI_UINT32, flags),
      element(MI_INT32, int32s(dims)),
      element(MI_INT8, new TextEncoder().encode(name)),
      element(type, data),
    ),
  );
}

export function compressed(inner: Uint8Array): Uint8Array {
  return element(MI_COMPRESSED, deflateSync(inner), false);
}

/** A CineSource over bytes in memory. */
export function memorySource(name: string, data: Uint8Array): CineSource {
  // Only `read`, as a source may offer (the readers' refill path is tested with file sources).
  const { size, read } = openMemorySource(new Uint8Array(data), name);
  return { name, size, read };
}
