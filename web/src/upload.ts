/**
 * Uploads with XMLHttpRequest, for its upload progress events (fetch has none). Small files go in one
 * POST /v1/clips; large ones through a resumable session (POST /v1/uploads, PUT chunks, complete), which
 * survives a dropped connection (retries resume from the server's offset) and a reload (the session id is
 * remembered per file name, size and date, so dropping the same file again continues it).
 *
 * When the server's store can sign URLs (S3), a single cine skips the API altogether: POST
 * /v1/clips/presign names a URL, the file is PUT straight to the store (progress kept), and the clip shows
 * once the server has registered it (announced by the live events). On the embedded store the presign
 * route answers ECHO_ERR_NOT_SUPPORTED once, and the paths above are used from then on.
 */
import { api, authHeaders } from './api.ts';
import type { Clip } from './types.ts';
import { CHUNK_BYTES, RESUMABLE_ABOVE } from './upload-limits.ts';

export interface UploadOutcome {
  clips: Clip[];
  rejected: { name: string; error: { code: string; message: string } }[];
}

const MAX_RETRIES = 8;

type Answer = { status: number; body: Record<string, unknown> | null };

function send(method: string, url: string, body: XMLHttpRequestBodyInit | null, headers: Record<string, string>, onProgress?: (loaded: number) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [k, v] of Object.entries({ ...authHeaders(), ...headers })) xhr.setRequestHeader(k, v);
    xhr.responseType = 'json';
    if (onProgress) xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onerror = () => reject(new Error('the server could not be reached'));
    xhr.onload = () => {
      if (xhr.status === 401) window.dispatchEvent(new CustomEvent('echo:unauthorized'));
      resolve({ status: xhr.status, body: xhr.response as Record<string, unknown> | null });
    };
    xhr.send(body);
  });
}

function failure(a: Answer): Error {
  const e = a.body?.['error'] as { code: string; message: string } | undefined;
  return new Error(e ? `${e.code}: ${e.message}` : `HTTP ${a.status}`);
}

function outcome(body: Record<string, unknown>): UploadOutcome {
  const b = body as unknown as Clip & { clips?: Clip[]; rejected?: UploadOutcome['rejected'] };
  return b.clips ? { clips: b.clips, rejected: b.rejected ?? [] } : { clips: [b], rejected: [] };
}

function uploadWhole(file: File, onProgress: (fraction: number) => void): Promise<UploadOutcome> {
  const form = new FormData();
  form.append('file', file, file.name);
  return send('POST', '/v1/clips', form, {}, (loaded) => onProgress(loaded / file.size)).then((a) => {
    if (a.status !== 202 || !a.body) throw failure(a);
    onProgress(1);
    return outcome(a.body);
  });
}

async function uploadResumable(file: File, onProgress: (fraction: number) => void, onNote: (note: string) => void): Promise<UploadOutcome> {
  const memo = `echo-cloud.upload:${file.name}:${file.size}:${file.lastModified}`;
  let session: { id: string; offset: number } | null = null;
  const known = localStorage.getItem(memo);
  if (known) {
    const a = await send('GET', `/v1/uploads/${encodeURIComponent(known)}`, null, {});
    if (a.status === 200 && a.body) {
      session = { id: known, offset: a.body['offset'] as number };
      onNote(`Resuming at ${Math.round((100 * session.offset) / file.size)}%…`);
    }
  }
  if (!session) {
    const a = await send('POST', '/v1/uploads', JSON.stringify({ name: file.name, size: file.size }), { 'content-type': 'application/json' });
    if (a.status !== 201 || !a.body) throw failure(a);
    session = { id: a.body['id'] as string, offset: 0 };
    localStorage.setItem(memo, session.id);
  }
  let offset = session.offset;
  let retries = 0;
  while (offset < file.size) {
    const chunk = file.slice(offset, offset + CHUNK_BYTES);
    const start = offset;
    try {
      const a = await send('PUT', `/v1/uploads/${session.id}`, chunk, { 'content-type': 'application/octet-stream', 'upload-offset': String(offset) }, (loaded) => onProgress((start + loaded) / file.size));
      if (a.status === 200 && a.body) {
        offset = a.body['offset'] as number;
        retries = 0;
        continue;
      }
      if (a.status !== 409 && a.status < 500) throw failure(a);
    } catch (err) {
      if (!(err instanceof Error) || !/could not be reached/.test(err.message)) throw err;
    }
    // Dropped, busy or a server hiccup: wait, ask where the server got to, and go on from there.
    if (++retries > MAX_RETRIES) throw new Error(`gave up after ${MAX_RETRIES} retries at ${offset} of ${file.size} bytes; drop the file again to resume`);
    onNote(`Connection trouble; retrying (${retries}/${MAX_RETRIES})…`);
    await new Promise((r) => setTimeout(r, Math.min(15_000, 500 * 2 ** retries)));
    const s = await send('GET', `/v1/uploads/${session.id}`, null, {}).catch(() => null);
    if (s?.status === 200 && s.body) offset = s.body['offset'] as number;
  }
  onNote('Finishing…');
  const a = await send('POST', `/v1/uploads/${session.id}/complete`, null, {});
  if (a.status !== 409 && a.status < 500) localStorage.removeItem(memo);
  if (a.status !== 202 || !a.body) throw failure(a);
  onProgress(1);
  return outcome(a.body);
}

interface Presigned {
  clip_id: string;
  url: string;
  headers: Record<string, string>;
}

/** Whether the server signs upload URLs: unknown until the first answer, then remembered for the page. */
let direct: boolean | null = null;

/** A signed PUT for this file, or null when the server's store cannot sign (the embedded store). */
async function presign(file: File): Promise<Presigned | null> {
  if (direct === false) return null;
  const a = await send('POST', '/v1/clips/presign', JSON.stringify({ name: file.name, size: file.size }), { 'content-type': 'application/json' });
  if (a.status === 201 && a.body) {
    direct = true;
    return a.body as unknown as Presigned;
  }
  if (a.status === 409 && (a.body?.['error'] as { code?: string } | undefined)?.code === 'ECHO_ERR_NOT_SUPPORTED') {
    direct = false;
    return null;
  }
  throw failure(a);
}

/** The browser could not talk to the object store (network, or its CORS rule does not name this site). */
class StoreUnreachable extends Error {
  constructor() {
    super('the object store could not be reached');
  }
}

/** The PUT to the object store: no API token (the URL is the permission), only the signed headers. */
function putDirect(up: Presigned, file: File, onProgress: (loaded: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', up.url);
    for (const [k, v] of Object.entries(up.headers)) xhr.setRequestHeader(k, v);
    xhr.upload.onprogress = (e) => onProgress(e.loaded);
    xhr.onerror = () => reject(new StoreUnreachable());
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new Error(`the object store refused the upload: HTTP ${xhr.status} ${/<Code>([^<]*)<\/Code>/.exec(xhr.responseText ?? '')?.[1] ?? ''}`.trim()));
    };
    xhr.send(file);
  });
}

/**
 * Resolves with the clip once the server has registered it: the live events announce it (main.tsx
 * re-dispatches each as `echo:clip`); a lookup now and then covers a stream that is down.
 */
function clipAppears(id: string, timeoutMs = 10 * 60_000): Promise<Clip | null> {
  return new Promise((resolve) => {
    let settled = false;
    const finish = (clip: Clip | null) => {
      if (settled) return;
      settled = true;
      window.removeEventListener('echo:clip', onClip);
      clearInterval(timer);
      clearTimeout(limit);
      resolve(clip);
    };
    const onClip = (e: Event) => {
      const clip = (e as CustomEvent<Clip>).detail;
      if (clip?.id === id) finish(clip);
    };
    // A failed look (not yet visible, network) is simply retried at the next tick.
    const look = () => api.clip(id).then(finish, () => {});
    window.addEventListener('echo:clip', onClip);
    const timer = setInterval(look, 15_000);
    const limit = setTimeout(() => finish(null), timeoutMs);
    void look();
  });
}

async function uploadDirect(up: Presigned, file: File, onProgress: (fraction: number) => void, onNote: (note: string) => void): Promise<UploadOutcome> {
  await putDirect(up, file, (loaded) => onProgress(loaded / file.size));
  onProgress(1);
  onNote('Stored; waiting for the server to register it…');
  const clip = await clipAppears(up.clip_id);
  if (!clip) throw new Error(`the file is stored, but clip ${up.clip_id} has not appeared yet; it will show in the list once the server registers it`);
  return { clips: [clip], rejected: [] };
}

export async function uploadFile(file: File, onProgress: (fraction: number) => void, onNote: (note: string) => void = () => {}): Promise<UploadOutcome> {
  // Zip studies are expanded by the API, so they always go through it.
  const up = file.name.toLowerCase().endsWith('.zip') ? null : await presign(file);
  if (up) {
    try {
      return await uploadDirect(up, file, onProgress, onNote);
    } catch (err) {
      if (!(err instanceof StoreUnreachable)) throw err;
      // Blocked or unreachable (a bucket without a CORS rule for this site, see docs/deployment_guide.md):
      // nothing was stored, so send it through the server, and do so for the rest of this page's uploads.
      direct = false;
      onProgress(0);
      onNote('The object store could not be reached from this page; sending through the server…');
    }
  }
  return file.size > RESUMABLE_ABOVE ? uploadResumable(file, onProgress, onNote) : uploadWhole(file, onProgress);
}
