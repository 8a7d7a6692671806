import type { OidcConfig } from '../config/security-config.ts';
import { EchoError } from '../errors/catalogue.ts';
import { type DiscoveryDocument, fetchDiscovery, isSecureEndpoint } from './oidc-discovery.ts';

/** What the web app needs to sign in through the issuer (`GET /auth/config`); nothing secret. */
export interface WebSignInConfig {
  issuer: string;
  client_id: string;
  scopes: string;
  /** The token the app sends as its bearer JWT. */
  token: 'id_token' | 'access_token';
  authorization_endpoint: string;
  token_endpoint: string;
}

export interface WebSignIn {
  config(): Promise<WebSignInConfig>;
  /** CSP connect-src sources: the issuer's origin and, once discovered, the token endpoint's (Cognito's differs). */
  connectSources(): Array<string | (() => string)>;
}

function endpoint(doc: DiscoveryDocument, name: 'authorization_endpoint' | 'token_endpoint'): string {
  const v = doc[name];
  if (!isSecureEndpoint(v)) throw new Error(`the discovery document of ${doc.issuer} has no https ${name} (${JSON.stringify(v)})`);
  return v;
}

/**
 * The web sign-in (Authorization Code with PKCE, public client) of the configured issuer. Its endpoints come
 * from the discovery document, looked up at once (so the CSP of the first page already allows the token
 * endpoint) and again after a failure, at most every 10 s.
 */
export function createWebSignIn(oidc: OidcConfig): WebSignIn {
  let known: WebSignInConfig | null = null;
  let pending: Promise<WebSignInConfig> | null = null;
  let failedAt = 0;
  let lastError = '';
  const discover = (): Promise<WebSignInConfig> => {
    pending ??= fetchDiscovery(oidc.issuer)
      .then((doc) => {
        known = {
          issuer: oidc.issuer,
          client_id: oidc.web.clientId,
          scopes: oidc.web.scopes,
          token: oidc.web.token,
          authorization_endpoint: endpoint(doc, 'authorization_endpoint'),
          token_endpoint: endpoint(doc, 'token_endpoint'),
        };
        return known;
      })
      .catch((err: Error) => {
        pending = null;
        failedAt = Date.now();
        lastError = err.message;
        throw err;
      });
    return pending;
  };
  discover().catch(() => {});
  const issuerOrigin = new URL(oidc.issuer).origin;
  return {
    async config() {
      if (known) return known;
      if (!pending && Date.now() - failedAt < 10_000) throw unavailable(lastError);
      try {
        return await discover();
      } catch (err) {
        throw unavailable((err as Error).message);
      }
    },
    connectSources: () => [issuerOrigin, () => (known ? new URL(known.token_endpoint).origin : issuerOrigin)],
  };
}

function unavailable(reason: string): EchoError {
  return new EchoError('IDP_UNAVAILABLE', `single sign-on is not available: ${reason}; API tokens still work`);
}
