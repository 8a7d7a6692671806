import { EchoError } from '../../errors/catalogue.ts';
import { corrupt, type MatFile, unsupported } from '../mat-common/errors.ts';

type H5Module = typeof import('h5wasm/node');
/** The h5wasm API object (File, Group, Dataset classes) of one WebAssembly instance. */
export type H5Api = H5Module['default'];

/**
 * The HDF5 library (h5wasm: HDF5 compiled to WebAssembly), loaded once per process on first use, with
 * three guards installed on its virtual file system:
 *
 * - **Sandbox.** This h5wasm build reads the real file system directly (Emscripten NODERAWFS). A crafted
 *   HDF5 file can name other files: external links, virtual-dataset sources, external raw-data files,
 *   filter plugins. Every `open` is therefore refused (EACCES) except read-only opens of the files this
 *   reader has registered with `allow`, so HDF5 never touches anything else (no /etc/passwd as pixels, no
 *   FIFO that blocks forever).
 * - **Quiet, checked errors.** HDF5 reports a failed call by printing its error stack to stderr and
 *   returning a negative value, which h5wasm does not always check (a failed chunk read returns whatever
 *   was in the buffer). Writes to the library's stdout/stderr are captured instead of printed; `run`
 *   clears the capture before a call and turns anything captured into an error after it. (h5wasm's
 *   "throwing" error handler is not used: it throws through HDF5's C code and leaks open object ids,
 *   which keep the file descriptor open.)
 * - **Traps.** A WebAssembly trap (out-of-bounds access, abort) leaves the library's state unknown: that
 *   instance is dropped and the next file gets a fresh one (at most MAX_TRAPS times per process; the old
 *   instance's memory is not reclaimed, which is why there is a bound).
 */
export interface H5Runtime {
  readonly api: H5Api;
  /**
   * The HDF5 path an object reference (its 8 bytes) points to; null when it has none. Slow: HDF5 finds
   * the name by searching the file's groups.
   */
  referencedName(fileId: bigint, ref: Uint8Array): string | null;
  /** The object reference (its 8 bytes, as numbers) of the object at `path`. */
  objectReference(fileId: bigint, path: string): ArrayLike<number>;
  /** Lets HDF5 open `path` read-only until the returned function is called. */
  allow(path: string): () => void;
  /**
   * Runs synchronous h5wasm calls; any HDF5 error, h5wasm exception or trap becomes an EchoError naming
   * the file and `what` was being read (CINE_CORRUPT, or CINE_UNSUPPORTED for a missing filter).
   */
  run<T>(ctx: MatFile, what: string, fn: () => T): T;
}

const MAX_TRAPS = 8;
/** The HDF5 library's built-in filters (HDF5 filter ids); anything else would need a plugin. */
export const SUPPORTED_FILTERS: ReadonlyMap<number, string> = new Map([
  [1, 'deflate (gzip)'],
  [2, 'shuffle'],
  [3, 'fletcher32'],
  [5, 'n-bit'],
  [6, 'scale-offset'],
]);
export const SUPPORTED_FILTERS_TEXT = `no filter, ${[...SUPPORTED_FILTERS.values()].join(', ')}`;
/** Emscripten's errno for "permission denied". */
const EACCES = 2;
const O_ACCMODE = 3;
const MAX_CAPTURE = 16 * 1024;

let current: Promise<H5Runtime> | null = null;
/** The runtime `current` resolved to, so that a trapped instance can tell whether it is still current. */
let active: H5Runtime | null = null;
let instances = 0;

/** The shared runtime (loaded on first call: about 0.1 s). */
export function h5Runtime(): Promise<H5Runtime> {
  if (current === null) {
    if (instances > MAX_TRAPS) {
      return Promise.reject(
        new EchoError(
          'INTERNAL',
          `the HDF5 library failed ${MAX_TRAPS} times in this process (WebAssembly traps); restart the process to read MAT v7.3 files again`,
        ),
      );
    }
    instances += 1;
    const loading = load(instances);
    current = loading;
    // A failed load is not cached: the next file tries again.
    loading.catch(() => {
      if (current === loading) current = null;
    });
  }
  return current;
}

interface EmscriptenFs {
  open(path: unknown, flags: unknown, mode?: unknown): unknown;
  write(stream: { fd?: number }, buffer: Uint8Array, offset: number, length: number, ...rest: unknown[]): number;
  ErrnoError: new (errno: number) => Error;
}

async function load(instance: number): Promise<H5Runtime> {
  // Each instance is a separate evaluation of h5wasm's module (a query string makes a new module record).
  const url = import.meta.resolve('h5wasm/node') + (instance === 1 ? '' : `?instance=${instance}`);
  // Emscripten binds its print functions to console.log/console.error while the module loads, and prints
  // warnings through them (e.g. a link name that is not UTF-8). Bind them to functions that drop what the
  // library prints during a `run` (the only time it runs) and pass anything else through, so that other
  // code logging while the module loads is not lost.
  let inside = false;
  const { log, error } = console;
  const quietLog = (...args: unknown[]): void => (inside ? undefined : log.apply(console, args));
  const quietError = (...args: unknown[]): void => (inside ? undefined : error.apply(console, args));
  console.log = quietLog;
  console.error = quietError;
  let mod: H5Module;
  let emscripten: Awaited<H5Api['ready']>;
  try {
    mod = (await import(url)) as H5Module;
    emscripten = await mod.default.ready;
  } finally {
    // Put the real functions back unless someone else replaced them meanwhile.
    if (console.log === quietLog) console.log = log;
    if (console.error === quietError) console.error = error;
  }
  const fs = emscripten.FS as unknown as EmscriptenFs;

  const allowed = new Map<string, number>();
  const open = fs.open;
  fs.open = function sandboxedOpen(this: unknown, path: unknown, flags: unknown, mode?: unknown) {
    const readOnly = typeof flags === 'number' ? (flags & O_ACCMODE) === 0 : flags === 'r';
    if (typeof path === 'string' && readOnly && allowed.has(path)) return open.call(this, path, flags, mode);
    throw new fs.ErrnoError(EACCES);
  };
  let captured = '';
  const write = fs.write;
  fs.write = function capturedWrite(this: unknown, stream, buffer, offset, length, ...rest) {
    if (stream.fd === 1 || stream.fd === 2) {
      if (captured.length < MAX_CAPTURE) captured += Buffer.from(buffer.subarray(offset, offset + length)).toString('latin1');
      return length;
    }
    return write.call(this, stream, buffer, offset, length, ...rest);
  };

  const runtime: H5Runtime = {
    api: mod.default,
    referencedName: (fileId, ref) => emscripten.get_referenced_name(fileId, ref, true) as string | null,
    objectReference: (fileId, path) => emscripten.create_object_reference(fileId, path),
    allow(path) {
      allowed.set(path, (allowed.get(path) ?? 0) + 1);
      return () => {
        const n = (allowed.get(path) ?? 1) - 1;
        if (n > 0) allowed.set(path, n);
        else allowed.delete(path);
      };
    },
    run(ctx, what, fn) {
      captured = '';
      let value: ReturnType<typeof fn>;
      try {
        inside = true;
        value = fn();
      } catch (err) {
        if (err instanceof EchoError) throw err;
        // WebAssembly.RuntimeError: a trap, or Emscripten's abort().
        if (err instanceof Error && err.name === 'RuntimeError') {
          if (active === runtime) {
            current = null; // the next file gets a fresh instance
            active = null;
          }
          throw corrupt(ctx, `${what}: the HDF5 library failed on this file (${oneLine(err.message)})`);
        }
        throw failure(ctx, what, captured || (err instanceof Error ? err.message : String(err)));
      } finally {
        inside = false;
      }
      if (captured !== '') throw failure(ctx, what, captured);
      return value;
    },
  };
  active = runtime;
  return runtime;
}

/**
 * The most specific message of the first HDF5 error stack captured (the failing call's; later stacks
 * are side effects such as the plugin search), on one line, without file paths.
 */
export function summarise(diag: string): string {
  const first = diag.split('HDF5-DIAG:').find((block) => block.trim() !== '') ?? '';
  let message = '';
  let minor = '';
  for (const line of first.split('\n')) {
    const frame = /#\d+: .* in [\w.]+\(\): (.*)$/.exec(line);
    if (frame) {
      message = frame[1]!;
      minor = '';
      continue;
    }
    const m = /^\s*minor: (.*)$/.exec(line);
    if (m) minor = m[1]!;
  }
  if (message === '') return oneLine(diag).slice(0, 300) || 'unknown HDF5 error';
  const text = minor && !message.toLowerCase().includes(minor.toLowerCase()) ? `${message} (${minor})` : message;
  return oneLine(text.replace(/\/(?:[\w.+-]+\/)+[\w.+-]*/g, '…')).slice(0, 300);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function failure(ctx: MatFile, what: string, diag: string): EchoError {
  const summary = summarise(diag);
  if (/filter\b.*\b(not (registered|available|found)|unavailable)|can't find plugin/i.test(diag)) {
    return unsupported(
      ctx,
      `${what}: the data uses an HDF5 filter this reader does not have (${summary}); supported: ${SUPPORTED_FILTERS_TEXT}; re-save it from MATLAB`,
    );
  }
  if (/external raw data file/i.test(diag)) {
    return unsupported(ctx, `${what}: the data is kept in a file outside this one (HDF5 external storage), which is never read`);
  }
  return corrupt(ctx, `${what}: HDF5 says: ${summary}`);
}
