/** One upload with XMLHttpRequest, for its upload progress events (fetch has none). */
import { authHeaders } from './api.ts';
import type { Clip } from './types.ts';

export interface UploadOutcome {
  clips: Clip[];
  rejected: { name: string; error: { code: string; message: string } }[];
}

export function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<UploadOutcome> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', '/v1/clips');
    for (const [k, v] of Object.entries(authHeaders())) xhr.setRequestHeader(k, v);
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new Error('the server could not be reached'));
    xhr.onload = () => {
      const body = xhr.response as (Clip & { clips?: Clip[]; rejected?: UploadOutcome['rejected']; error?: { code: string; message: string } }) | null;
      if (xhr.status === 202 && body) {
        onProgress(1);
        resolve(body.clips ? { clips: body.clips, rejected: body.rejected ?? [] } : { clips: [body], rejected: [] });
      } else {
        reject(new Error(body?.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${xhr.status}`));
      }
    };
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}
