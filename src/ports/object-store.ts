import type { Readable } from 'node:stream';

/**
 * ObjectStore: where uploaded cines (`inputs/...`) and results (`outputs/...`) live.
 *
 * Contract
 * - Keys are `/`-separated relative paths. Adapters reject (ECHO_ERR_INVALID_KEY) keys that are empty,
 *   absolute, contain `..` or `.` segments, empty segments, backslashes or control characters, or are over
 *   1024 bytes. `validateKey` in src/ports/object-keys.ts is the one rule; adapters call it.
 * - `put` streams: the body is never held whole in memory. The sha256 and size are computed while the bytes
 *   flow. The write is atomic: readers see either the previous object or the complete new one, never a
 *   partial one; a failed or aborted put (including ECHO_ERR_UPLOAD_TOO_LARGE when `maxBytes` is exceeded)
 *   leaves nothing behind under the key.
 * - `get` returns a stream of the whole object; a missing key rejects with ECHO_ERR_NOT_FOUND.
 * - `delete` of a missing key is not an error.
 * - Driver failures are translated to ECHO_ERR_STORE_FAILED with the key in the message.
 * - The adapter owns its connections/handles; `close` releases them.
 */
export interface ObjectStore {
  put(key: string, body: Readable | AsyncIterable<Uint8Array>, options?: PutOptions): Promise<PutResult>;
  get(key: string): Promise<Readable>;
  head(key: string): Promise<ObjectInfo | null>;
  delete(key: string): Promise<void>;
  /**
   * A path to a plain local file holding exactly the object's bytes, when this adapter keeps one (the
   * filesystem store); null otherwise (S3, an encrypting store). Lets a worker open an input in place
   * instead of copying it. The file must be treated as read-only.
   */
  localPath?(key: string): Promise<string | null>;
  /** Lists keys under a prefix, in lexical order. */
  list(prefix: string): AsyncIterable<string>;
  close(): Promise<void>;
}

export interface PutOptions {
  /** Reject with ECHO_ERR_UPLOAD_TOO_LARGE once more than this many bytes arrive. */
  maxBytes?: number;
  contentType?: string;
}

export interface PutResult {
  key: string;
  size: number;
  /** Lower-case hex sha256 of the bytes as given (before any encryption at rest). */
  sha256: string;
}

export interface ObjectInfo {
  key: string;
  size: number;
}
