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
  /**
   * Optional: the whole object in one buffer of its own, for a caller that needs all of it in memory
   * (a worker reading an input it checked to be small enough). Adapters that can read an object in one
   * go (the filesystem store, the encrypting store over it) implement it to spare the stream's per-chunk
   * hops; `readObject` (src/util/read-object.ts) falls back to `get` elsewhere. A missing key rejects
   * with ECHO_ERR_NOT_FOUND; an object over `maxBytes` with ECHO_ERR_STORE_FAILED, before it is read.
   */
  getBytes?(key: string, maxBytes: number): Promise<Uint8Array>;
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
  /**
   * Optional (S3): a time-limited URL from which anyone holding it can GET the object, so large bytes go
   * from the store to the browser without passing through the API server. Absent on adapters that cannot
   * sign URLs (the filesystem store); callers then stream through `get`. Does not check that the object
   * exists. `expiresInSeconds` is 1 to 604800 (7 days, the SigV4 limit); outside it: ECHO_ERR_BAD_REQUEST.
   */
  presignGet?(key: string, options: PresignOptions): Promise<PresignedRequest>;
  /**
   * Optional (S3): a time-limited URL to PUT the object's bytes directly into the store. The caller must
   * send every header in `headers` (the encryption settings are part of the signature). The object appears
   * atomically when the PUT completes; its sha256 is not known to the store until someone reads it.
   * `createOnly`: the PUT succeeds only while no object exists at the key (`If-None-Match: *`, signed, so
   * the holder of the URL cannot drop it; S3 answers 412 otherwise): the key is written once.
   */
  presignPut?(key: string, options: PresignOptions & { contentType?: string; createOnly?: boolean }): Promise<PresignedRequest>;
  close(): Promise<void>;
}

export interface PresignOptions {
  expiresInSeconds: number;
  /** presignGet: the file name the browser saves the download as (Content-Disposition). */
  downloadName?: string;
}

export interface PresignedRequest {
  method: 'GET' | 'PUT';
  url: string;
  /** Headers the request must carry exactly (signed). */
  headers: Record<string, string>;
  expiresAt: number;
}

export interface PutOptions {
  /** Reject with ECHO_ERR_UPLOAD_TOO_LARGE once more than this many bytes arrive. */
  maxBytes?: number;
  contentType?: string;
  /**
   * The caller hashes the bytes itself (the encrypting store hashes the plaintext, not the ciphertext it
   * hands on): the adapter skips its own sha256 and returns `sha256: null`.
   */
  skipSha256?: boolean;
}

export interface PutResult {
  key: string;
  size: number;
  /** Lower-case hex sha256 of the bytes as given (before any encryption at rest); null with `skipSha256`. */
  sha256: string | null;
}

export interface ObjectInfo {
  key: string;
  size: number;
}
