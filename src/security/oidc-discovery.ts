/** The issuer's discovery document `<issuer>/.well-known/openid-configuration` (OpenID Connect Discovery 1.0). */
export interface DiscoveryDocument {
  issuer: string;
  jwks_uri?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  [key: string]: unknown;
}

/** https, or http on a loopback address (a local identity provider, tests). */
export function isSecureEndpoint(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    const u = new URL(value);
    return u.protocol === 'https:' || (u.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(u.hostname));
  } catch {
    return false;
  }
}

/** Fetches the discovery document; its `issuer` must equal the configured one (no redirects followed). */
export async function fetchDiscovery(issuer: string): Promise<DiscoveryDocument> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const res = await fetch(url, { signal: AbortSignal.timeout(5000), redirect: 'error' });
  if (!res.ok) throw new Error(`${url} answered ${res.status}`);
  const doc = (await res.json()) as DiscoveryDocument;
  if (doc.issuer !== issuer) throw new Error(`${url} names issuer ${doc.issuer}, not ${issuer}`);
  return doc;
}
