import { EchoError } from '../../errors/catalogue.ts';

/** Token lifetime asked of IMDSv2 (s); a new one is fetched a minute before it runs out. */
const TOKEN_TTL_SECONDS = 21_600;
const REQUEST_TIMEOUT_MS = 2_000;

export interface Imds {
  /** GET a metadata path (`/latest/meta-data/...`); null when the service answers 404 (nothing there). */
  get(path: string): Promise<string | null>;
}

/**
 * A client for the EC2 instance metadata service, version 2 only: a session token from
 * `PUT /latest/api/token` (X-aws-ec2-metadata-token-ttl-seconds), sent on every GET as
 * X-aws-ec2-metadata-token; a 401 (token expired or revoked) fetches a new token once and retries.
 */
export function createImds(endpoint: string): Imds {
  const base = endpoint.replace(/\/+$/, '');
  let token: { value: string; expiresAt: number } | null = null;

  async function fetchToken(): Promise<string> {
    const res = await request(`${base}/latest/api/token`, { method: 'PUT', headers: { 'x-aws-ec2-metadata-token-ttl-seconds': String(TOKEN_TTL_SECONDS) } });
    if (res.status !== 200) throw new EchoError('INTERNAL', `instance metadata: PUT /latest/api/token answered HTTP ${res.status}`);
    const value = (await res.text()).trim();
    token = { value, expiresAt: Date.now() + (TOKEN_TTL_SECONDS - 60) * 1000 };
    return value;
  }

  async function get(path: string): Promise<string | null> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const value = token && token.expiresAt > Date.now() ? token.value : await fetchToken();
      const res = await request(`${base}${path}`, { headers: { 'x-aws-ec2-metadata-token': value } });
      if (res.status === 401) {
        token = null;
        await res.body?.cancel();
        continue;
      }
      if (res.status === 404) {
        await res.body?.cancel();
        return null;
      }
      if (res.status !== 200) throw new EchoError('INTERNAL', `instance metadata: GET ${path} answered HTTP ${res.status}`);
      return res.text();
    }
    throw new EchoError('INTERNAL', `instance metadata: GET ${path} refused a fresh token (HTTP 401)`);
  }

  return { get };
}

async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (err) {
    throw new EchoError('INTERNAL', `instance metadata: ${init.method ?? 'GET'} ${url}: ${(err as Error).message}`, { cause: err });
  }
}
