/**
 * The Cornerstone emscripten codecs (libjpeg-turbo, CharLS, OpenJPEG), loaded lazily in their WebAssembly
 * decode-only builds. They are CommonJS; in Node the emscripten glue finds its `.wasm` beside itself
 * (`__dirname`), so no `locateFile` is needed. A module is instantiated once and reused; after any codec
 * error it is dropped, because an emscripten `abort()` leaves the instance unusable.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface WasmFrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

/** The shape shared by the three decoders' embind classes. */
export interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): WasmFrameInfo;
  delete(): void;
  getInterleaveMode?(): number;
}

type DecoderClass = new () => WasmDecoder;
type Factory = (options: { print: (text: string) => void; printErr: (text: string) => void }) => Promise<Record<string, unknown>>;

interface CodecSpec {
  readonly module: string;
  readonly className: string;
}

export const LIBJPEG_TURBO: CodecSpec = { module: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs', className: 'JPEGDecoder' };
export const CHARLS: CodecSpec = { module: '@cornerstonejs/codec-charls/decodewasmjs', className: 'JpegLSDecoder' };
export const OPENJPEG: CodecSpec = { module: '@cornerstonejs/codec-openjpeg/decodewasmjs', className: 'J2KDecoder' };

const loaded = new Map<CodecSpec, Promise<DecoderClass>>();

function load(spec: CodecSpec): Promise<DecoderClass> {
  let pending = loaded.get(spec);
  if (!pending) {
    pending = (async () => {
      const factory = require(spec.module) as Factory;
      // OpenJPEG logs every header it reads: keep the codecs off stdout/stderr.
      const mod = await factory({ print: () => {}, printErr: () => {} });
      const cls = mod[spec.className];
      if (typeof cls !== 'function') throw new Error(`${spec.module} has no ${spec.className}`);
      return cls as DecoderClass;
    })();
    loaded.set(spec, pending);
    pending.catch(() => loaded.delete(spec));
  }
  return pending;
}

/**
 * Decodes one codestream with a fresh decoder object; returns a copy of the output (the codec's buffer
 * lives in the wasm heap and is reused) and the frame info the codec reports.
 */
export async function decodeWithWasm(
  spec: CodecSpec,
  encoded: Uint8Array,
): Promise<{ bytes: Uint8Array; info: WasmFrameInfo; interleaveMode: number | undefined }> {
  const Decoder = await load(spec);
  let decoder: WasmDecoder | undefined;
  try {
    decoder = new Decoder();
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const interleaveMode = decoder.getInterleaveMode?.();
    const bytes = decoder.getDecodedBuffer().slice();
    return { bytes, info: { ...info }, interleaveMode };
  } catch (err) {
    loaded.delete(spec);
    throw err;
  } finally {
    try {
      decoder?.delete();
    } catch {
      // an aborted instance cannot free; it has been dropped above
    }
  }
}

interface LosslessDecoder {
  decode(buffer: ArrayBufferLike, offset: number, length: number, numBytes: number): Uint8Array | Uint16Array;
}

let losslessClass: (new () => LosslessDecoder) | undefined;

/** jpeg-lossless-decoder-js (pure JavaScript, JPEG process 14). */
export function decodeJpegLossless(encoded: Uint8Array, bytesPerSample: 1 | 2): Uint8Array | Uint16Array {
  losslessClass ??= (require('jpeg-lossless-decoder-js') as { Decoder: new () => LosslessDecoder }).Decoder;
  // The decoder reads from an ArrayBuffer: hand it a private copy so offsets are plain.
  const copy = encoded.slice();
  return new losslessClass().decode(copy.buffer, 0, copy.length, bytesPerSample);
}
