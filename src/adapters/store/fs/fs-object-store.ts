import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { EchoError, isEchoError } from '../../../errors/catalogue.ts';
import { validateKey } from '../../../ports/object-keys.ts';
import type { ObjectInfo, ObjectStore, PutOptions, PutResult } from '../../../ports/object-store.ts';
import { tooLargeToRead } from '../../../util/read-object.ts';
import { syncDir } from '../../../util/sync-dir.ts';
import { uninitialisedBytes } from '../../../util/bytes.ts';

/**
 * ObjectStore on the local filesystem: `<root>/<key>`. Writes go to `<root>/.tmp/` first, are fsynced and
 * renamed into place, so a reader never sees a partial object and a crash leaves at most a temp file
 * (swept on open). `.tmp/` is the only prefix beside `inputs/` and `outputs/` that this store writes.
 */
const WRITE_BATCH_BYTES = 1024 * 1024;

export async function createFsObjectStore(root: string): Promise<ObjectStore> {
  const tmpDir = join(root, '.tmp');
  await rm(tmpDir, { recursive: true, force: true });
  await mkdir(tmpDir, { recursive: true });
  const pathOf = (key: string): string => join(root, validateKey(key));

  async function put(key: string, body: Readable | AsyncIterable<Uint8Array>, options: PutOptions = {}): Promise<PutResult> {
    const target = pathOf(key);
    const tmp = join(tmpDir, randomBytes(12).toString('hex'));
    const hash = options.skipSha256 ? null : createHash('sha256');
    let size = 0;
    const handle = await open(tmp, 'wx', 0o600);
    let ok = false;
    // Multipart parsers hand over small chunks; one write call per MiB costs far less than one per chunk.
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      await handle.writev(pending);
      pending = [];
      pendingBytes = 0;
    };
    try {
      for await (const raw of body) {
        // Streams made from strings (Readable.from(['...'])) yield strings: count and write their bytes.
        const chunk: Uint8Array = typeof raw === 'string' ? Buffer.from(raw) : raw;
        size += chunk.length;
        if (options.maxBytes !== undefined && size > options.maxBytes) {
          throw new EchoError('UPLOAD_TOO_LARGE', `object ${key} is over the limit of ${options.maxBytes} bytes`, {
            details: { limit: options.maxBytes },
          });
        }
        hash?.update(chunk);
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= WRITE_BATCH_BYTES) await flush();
      }
      await flush();
      await handle.sync();
      ok = true;
    } catch (err) {
      throw isEchoError(err) ? err : new EchoError('STORE_FAILED', `writing ${key}: ${(err as Error).message}`, { cause: err });
    } finally {
      await handle.close();
      if (!ok) await rm(tmp, { force: true });
    }
    try {
      await mkdir(dirname(target), { recursive: true });
      await rename(tmp, target);
      await syncDir(dirname(target));
    } catch (err) {
      await rm(tmp, { force: true });
      throw new EchoError('STORE_FAILED', `writing ${key}: ${(err as Error).message}`, { cause: err });
    }
    return { key, size, sha256: hash ? hash.digest('hex') : null };
  }

  async function get(key: string): Promise<Readable> {
    const path = pathOf(key);
    try {
      const handle = await open(path, 'r');
      return handle.createReadStream();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new EchoError('NOT_FOUND', `no object at ${key}`);
      throw new EchoError('STORE_FAILED', `reading ${key}: ${(err as Error).message}`, { cause: err });
    }
  }

  async function getBytes(key: string, maxBytes: number): Promise<Uint8Array> {
    const path = pathOf(key);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(path, 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new EchoError('NOT_FOUND', `no object at ${key}`);
      throw new EchoError('STORE_FAILED', `reading ${key}: ${(err as Error).message}`, { cause: err });
    }
    try {
      const { size } = await handle.stat();
      if (size > maxBytes) throw tooLargeToRead(key, size, maxBytes);
      // Objects are never rewritten in place (a put renames a new file over the key), so the size holds.
      const out = uninitialisedBytes(size); // every byte is read into before it is returned (a short file throws)
      let filled = 0;
      while (filled < size) {
        const { bytesRead } = await handle.read(out, filled, size - filled, filled);
        if (bytesRead === 0) throw new Error(`the file ended after ${filled} of ${size} bytes`);
        filled += bytesRead;
      }
      return out;
    } catch (err) {
      if (isEchoError(err)) throw err;
      throw new EchoError('STORE_FAILED', `reading ${key}: ${(err as Error).message}`, { cause: err });
    } finally {
      await handle.close();
    }
  }

  async function head(key: string): Promise<ObjectInfo | null> {
    try {
      const s = await stat(pathOf(key));
      return s.isFile() ? { key, size: s.size } : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new EchoError('STORE_FAILED', `stat ${key}: ${(err as Error).message}`, { cause: err });
    }
  }

  async function remove(key: string): Promise<void> {
    await rm(pathOf(key), { force: true });
  }

  async function* list(prefix: string): AsyncIterable<string> {
    const base = prefix.endsWith('/') || prefix === '' ? prefix : dirname(prefix);
    const start = join(root, base);
    const keys: string[] = [];
    await walk(start, keys);
    for (const key of keys.sort()) if (key.startsWith(prefix)) yield key;
  }

  async function walk(dir: string, out: string[]): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const full = join(dir, e.name);
      if (full === tmpDir) continue;
      if (e.isDirectory()) await walk(full, out);
      else if (e.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  }

  async function localPath(key: string): Promise<string | null> {
    return (await head(key)) ? pathOf(key) : null;
  }

  return { put, get, getBytes, head, delete: remove, list, localPath, close: async () => {} };
}
