/**
 * Resumable uploads: a large file arrives as chunks appended in order to a spool file, and a client that
 * lost its connection asks how far the server got and continues from there. Once every byte is in, the
 * spool file goes through the one ingest path like any upload, and the session is removed.
 *
 * Sessions live on the API machine's disk (`<dir>/<id>.json` + `<id>.part`): with several API replicas,
 * a load balancer must route one session's requests to one replica. Sessions idle for `maxIdleMs` are
 * removed when the next session is created.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { EchoError } from '../errors/catalogue.ts';
import { randomId } from '../util/ids.ts';
import { checkDeclaredUpload } from './declared-upload.ts';

export interface UploadSession {
  id: string;
  projectId: string;
  name: string;
  size: number;
  study: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface SessionOptions {
  dir: string;
  maxUploadBytes: number;
  /** Largest chunk accepted in one request. */
  maxChunkBytes: number;
  maxIdleMs: number;
  now?: () => number;
}

const ID_PATTERN = /^upload_[a-z0-9]{8,40}$/;

export function createUploadSessions(options: SessionOptions) {
  const now = options.now ?? Date.now;
  const metaPath = (id: string) => join(options.dir, `${id}.json`);
  const partPath = (id: string) => join(options.dir, `${id}.part`);
  // One append at a time per session: a second request racing the first would interleave bytes.
  const busy = new Set<string>();

  async function received(id: string): Promise<number> {
    try {
      return (await stat(partPath(id))).size;
    } catch {
      return 0;
    }
  }

  async function load(id: string, projectId: string): Promise<UploadSession> {
    if (!ID_PATTERN.test(id)) throw new EchoError('NOT_FOUND', `no upload session ${JSON.stringify(id.slice(0, 60))}`);
    let session: UploadSession;
    try {
      session = JSON.parse(await readFile(metaPath(id), 'utf8')) as UploadSession;
    } catch {
      throw new EchoError('NOT_FOUND', `no upload session ${id} (finished, expired after ${Math.round(options.maxIdleMs / 3_600_000)} h idle, or never created)`);
    }
    if (session.projectId !== projectId) throw new EchoError('NOT_FOUND', `no upload session ${id}`);
    return session;
  }

  async function removeIdle(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(options.dir);
    } catch {
      return;
    }
    for (const name of names.filter((n) => n.endsWith('.json'))) {
      const id = name.slice(0, -5);
      try {
        const s = JSON.parse(await readFile(metaPath(id), 'utf8')) as UploadSession;
        if (now() - s.updatedAt > options.maxIdleMs && !busy.has(id)) await remove(id);
      } catch {
        // unreadable or already gone: leave it to the next sweep
      }
    }
  }

  async function remove(id: string): Promise<void> {
    await rm(metaPath(id), { force: true });
    await rm(partPath(id), { force: true });
  }

  return {
    async create(input: { projectId: string; name: string; size: number; study?: string | null }): Promise<UploadSession & { offset: number }> {
      checkDeclaredUpload(input.name, input.size, options.maxUploadBytes);
      await mkdir(options.dir, { recursive: true, mode: 0o700 });
      await removeIdle();
      const at = now();
      const session: UploadSession = { id: randomId('upload'), projectId: input.projectId, name: input.name, size: input.size, study: input.study ?? null, createdAt: at, updatedAt: at };
      await writeFile(partPath(session.id), '');
      await writeFile(metaPath(session.id), JSON.stringify(session));
      return { ...session, offset: 0 };
    },

    async status(id: string, projectId: string): Promise<UploadSession & { offset: number }> {
      const session = await load(id, projectId);
      return { ...session, offset: await received(id) };
    },

    /**
     * Appends one chunk that must start at `offset` (the bytes received so far). A refused chunk (too
     * large, past the declared size) leaves nothing; a chunk cut off by the network keeps its received part.
     */
    async append(id: string, projectId: string, offset: number, body: Readable): Promise<UploadSession & { offset: number }> {
      const session = await load(id, projectId);
      if (busy.has(id)) throw new EchoError('NOT_READY', `upload session ${id} is receiving another chunk; send chunks one after another`);
      busy.add(id);
      try {
        const have = await received(id);
        if (offset !== have) throw new EchoError('NOT_READY', `upload session ${id} has ${have} bytes; the next chunk must start at offset ${have}, not ${offset}`);
        const limit = Math.min(options.maxChunkBytes, session.size - have);
        let count = 0;
        const counted = async function* () {
          for await (const chunk of body) {
            count += (chunk as Buffer).length;
            if (count > limit) {
              throw new EchoError(
                'UPLOAD_TOO_LARGE',
                count + have > session.size
                  ? `the chunk runs past the declared size of "${session.name}" (${session.size} bytes)`
                  : `the chunk is over ${options.maxChunkBytes} bytes; send smaller chunks`,
              );
            }
            yield chunk as Buffer;
          }
        };
        try {
          await pipeline(counted, createWriteStream(partPath(id), { flags: 'a' }));
        } catch (err) {
          // A refused chunk is cut back whole; a broken connection keeps what arrived (the status says how much).
          if (err instanceof EchoError) {
            await truncate(partPath(id), have);
            body.resume();
          }
          throw err;
        }
        const updated = { ...session, updatedAt: now() };
        await writeFile(metaPath(id), JSON.stringify(updated));
        return { ...updated, offset: have + count };
      } finally {
        busy.delete(id);
      }
    },

    /** When every byte is in: hands the bytes to `ingest` (the caller's one ingest path), then removes the session. */
    async complete<T>(id: string, projectId: string, ingest: (session: UploadSession, body: Readable) => Promise<T>): Promise<T> {
      const session = await load(id, projectId);
      if (busy.has(id)) throw new EchoError('NOT_READY', `upload session ${id} is still receiving a chunk`);
      const have = await received(id);
      if (have !== session.size) throw new EchoError('NOT_READY', `upload session ${id} has ${have} of ${session.size} bytes; send the rest from offset ${have}`);
      busy.add(id);
      try {
        const result = await ingest(session, createReadStream(partPath(id)));
        await remove(id);
        return result;
      } catch (err) {
        // The bytes will not change: a refusal of them (4xx) is final. A server-side failure keeps the session for a retry.
        if (err instanceof EchoError && err.status < 500) await remove(id);
        throw err;
      } finally {
        busy.delete(id);
      }
    },

    async cancel(id: string, projectId: string): Promise<void> {
      await load(id, projectId);
      await remove(id);
    },
  };
}

export type UploadSessions = ReturnType<typeof createUploadSessions>;
