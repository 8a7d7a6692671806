import assert from 'node:assert/strict';
import { isEchoError } from '../../src/errors/catalogue.ts';
import type { Cine } from '../../src/ports/cine-reader.ts';

/** One pixel the fixture scripts record in expected.json, as their reference tool (numpy) read it. */
export interface Sample {
  frame: number;
  row: number;
  col: number;
  channel: number;
  value: number;
}

/** What the MAT fixture scripts (scipy and h5py) expect of a cine; each adds its own format's facts. */
export interface ExpectedMatCine {
  frames: number;
  height: number;
  width: number;
  channels: number;
  bitsPerSample: number;
  matClass: string;
  mapping: string;
  sha256: string;
  samples: Sample[];
  variable: string;
  fps: number | null;
}

/** All frames, F×H×W×C, as bytes (16-bit samples little-endian), as the fixture scripts hash them. */
export async function pixelBytes(cine: Cine): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < cine.frames; i++) {
    const frame = await cine.frame(i);
    assert.equal(frame.length, cine.height * cine.width * cine.channels, `frame ${i} length`);
    if (frame instanceof Uint16Array) {
      const le = Buffer.alloc(frame.length * 2);
      for (const [k, v] of frame.entries()) le.writeUInt16LE(v, k * 2);
      parts.push(le);
    } else {
      parts.push(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
    }
  }
  return Buffer.concat(parts);
}

/**
 * The fuzz property for a rejection: an EchoError with one of the allowed codes whose message names the
 * file. Assertion errors from the case itself pass through. Returns the code.
 */
export function assertCodedRejection(err: unknown, allowed: ReadonlySet<string>, fileName: string): string {
  if (err instanceof assert.AssertionError) throw err;
  assert.ok(isEchoError(err), `not an EchoError: ${err instanceof Error ? err.stack : String(err)}`);
  assert.ok(allowed.has(err.code), `${err.code}: ${err.message}`);
  assert.ok(err.message.includes(fileName), err.message);
  return err.code;
}
