import { openAsBlob } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { codeFromWire, EchoError } from '../../errors/catalogue.ts';
import { printJson } from '../output.ts';

export interface UploadFlags {
  server: string;
  token: string | null;
  wait: boolean;
  study?: string;
  /** Comma-separated tags for routing rules. */
  tags?: string;
  json: boolean;
  timeoutSeconds: number;
}

interface StudyUpload {
  study_id: string;
  clips: { id: string; status: string; name: string }[];
  rejected: { name: string; error: { code: string; message: string } }[];
}

interface ApiError {
  error?: { code?: string; message?: string };
}

async function api(flags: UploadFlags, path: string, init: RequestInit = {}): Promise<Response> {
  const url = new URL(path, flags.server);
  try {
    return await fetch(url, { ...init, headers: { ...(init.headers ?? {}), authorization: `Bearer ${flags.token}` } });
  } catch (err) {
    throw new EchoError('SERVER_UNREACHABLE', `cannot reach ${url.origin}: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}; is \`echo-cloud serve\` running? (--server URL)`);
  }
}

async function failure(res: Response, what: string): Promise<EchoError> {
  const body = (await res.json().catch(() => ({}))) as ApiError;
  return new EchoError(codeFromWire(body.error?.code ?? ''), `${what}: ${body.error?.message ?? `HTTP ${res.status}`}`);
}

/**
 * `echo-cloud upload FILE... [--server URL] [--token T] [--study S] [--wait]`: uploads through the API
 * (streamed from disk). With --wait, polls each clip until done or failed and prints the result documents.
 */
export async function uploadCommand(files: string[], flags: UploadFlags): Promise<number> {
  if (!URL.canParse(flags.server) || !['http:', 'https:'].includes(new URL(flags.server).protocol)) {
    throw new EchoError('BAD_REQUEST', `--server ${JSON.stringify(flags.server)}: expected the server's http:// or https:// URL, such as http://127.0.0.1:8080`);
  }
  if (!flags.token) {
    throw new EchoError('UNAUTHORIZED', 'no token: pass --token, set ECHO_CLOUD_TOKEN, or run where <data>/admin-token exists (ECHO_CLOUD_DATA_DIR)');
  }
  let failed = 0;
  const clips: { file: string; id: string }[] = [];
  for (const file of files) {
    const s = await stat(file).catch(() => null);
    if (!s?.isFile()) throw new EchoError('FILE_NOT_FOUND', `${file}: no such file`);
    const form = new FormData();
    if (flags.study) form.append('study', flags.study);
    if (flags.tags) form.append('tags', flags.tags);
    form.append('file', await openAsBlob(file), basename(file));
    const res = await api(flags, '/v1/clips', { method: 'POST', body: form });
    if (res.status !== 202) throw await failure(res, `uploading ${file}`);
    const body = (await res.json()) as { id: string; status: string } | StudyUpload;
    // A zip answers with a study of clips (and the entries it refused).
    const answered = 'clips' in body ? body.clips.map((c) => ({ file: `${file}:${c.name}`, clip: c })) : [{ file, clip: body }];
    if ('clips' in body) for (const r of body.rejected) process.stderr.write(`skipped ${file}:${r.name}: ${r.error.code}: ${r.error.message}\n`);
    for (const { file: label, clip } of answered) {
      clips.push({ file: label, id: clip.id });
      if (!flags.wait) {
        if (flags.json) printJson({ file: label, ...clip });
        else process.stdout.write(`${label}: ${clip.id} ${clip.status}\n`);
      }
    }
  }
  if (!flags.wait) return 0;
  const deadline = Date.now() + flags.timeoutSeconds * 1000;
  for (const { file, id } of clips) {
    for (;;) {
      const res = await api(flags, `/v1/clips/${id}`);
      if (!res.ok) throw await failure(res, `reading clip ${id}`);
      const clip = (await res.json()) as { status: string; error?: { code: string; message: string } | null };
      if (clip.status === 'done') {
        const doc = await api(flags, `/v1/clips/${id}/result`);
        if (!doc.ok) throw await failure(doc, `reading the result of ${id}`);
        const result = (await doc.json()) as { prediction: { view: string; confidence: number; quality_mean: number } };
        if (flags.json) printJson({ file, id, status: 'done', result });
        else process.stdout.write(`${file}: ${id} done: ${result.prediction.view} (confidence ${result.prediction.confidence.toFixed(3)}, quality ${result.prediction.quality_mean.toFixed(3)})\n`);
        break;
      }
      if (clip.status === 'failed') {
        failed++;
        if (flags.json) printJson({ file, id, status: 'failed', error: clip.error });
        else process.stderr.write(`error ${clip.error?.code ?? 'ECHO_ERR_INTERNAL'}: ${file} (${id}): ${clip.error?.message ?? 'failed'}\n`);
        break;
      }
      if (Date.now() > deadline) throw new EchoError('JOB_TIMEOUT', `${file} (${id}) is still ${clip.status} after ${flags.timeoutSeconds} s (--timeout)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return failed > 0 ? 1 : 0;
}
