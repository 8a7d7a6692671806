/** The public API, with the signed-in token. The token lives in sessionStorage (gone with the tab). */
import type { Clip, FramesIndex, ResultDocument } from './types.ts';

const TOKEN_KEY = 'echo-cloud.token';

export function getToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setToken(token: string | null): void {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function authHeaders(token = getToken()): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

async function request(path: string, init: RequestInit = {}, token = getToken()): Promise<Response> {
  const res = await fetch(path, { ...init, headers: { ...authHeaders(token), ...(init.headers as Record<string, string>) } });
  if (!res.ok) {
    let code = `HTTP_${res.status}`;
    let message = res.statusText;
    try {
      const body = (await res.json()) as { error?: { code: string; message: string } };
      if (body.error) ({ code, message } = body.error);
    } catch {
      // not JSON: keep the status line
    }
    if (res.status === 401) window.dispatchEvent(new CustomEvent('echo:unauthorized'));
    throw new ApiError(res.status, code, message);
  }
  return res;
}

async function getJson<T>(path: string, token?: string): Promise<T> {
  return (await request(path, {}, token)).json() as Promise<T>;
}

export const api = {
  /** Checks a token (any authenticated read will do). */
  check: (token: string) => getJson<{ clips: Clip[] }>('/v1/clips?limit=1', token),
  listClips: () => getJson<{ clips: Clip[] }>('/v1/clips?limit=500').then((r) => r.clips),
  clip: (id: string) => getJson<Clip>(`/v1/clips/${encodeURIComponent(id)}`),
  result: (id: string) => getJson<ResultDocument>(`/v1/clips/${encodeURIComponent(id)}/result`),
  framesIndex: (id: string) => getJson<FramesIndex>(`/v1/clips/${encodeURIComponent(id)}/frames.json`),
  framesPack: async (id: string) => (await request(`/v1/clips/${encodeURIComponent(id)}/frames`)).arrayBuffer(),
  retry: async (id: string) => (await request(`/v1/clips/${encodeURIComponent(id)}/retry`, { method: 'POST' })).json() as Promise<Clip>,
  /** Fetches a result file with the token and hands it to the browser as a download. */
  async download(id: string, kind: 'json' | 'csv', fileName: string): Promise<void> {
    const res = await request(`/v1/clips/${encodeURIComponent(id)}/${kind === 'json' ? 'result' : 'result.csv'}`);
    saveBlob(await res.blob(), fileName);
  },
  /**
   * The original input file: from the object store by a short-lived presigned link when the server has one
   * (the bytes do not pass through the API, nor through this page's memory), else streamed by the API.
   */
  async downloadInput(id: string, fileName: string): Promise<void> {
    const path = `/v1/clips/${encodeURIComponent(id)}/input`;
    const linked = await fetch(`${path}?link=true`, { headers: authHeaders() });
    if (linked.ok) {
      const { url } = (await linked.json()) as { url: string };
      // A navigation, not a fetch: the store answers with Content-Disposition: attachment.
      clickLink(url);
      return;
    }
    saveBlob(await (await request(path)).blob(), fileName);
  },
};

function clickLink(href: string, fileName?: string): void {
  const a = document.createElement('a');
  a.href = href;
  if (fileName) a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
}

function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  clickLink(url, fileName);
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
