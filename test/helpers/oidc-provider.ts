import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export type PrivateKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

export interface SignOptions {
  key?: PrivateKey;
  alg?: string;
  kid?: string;
  iss?: string;
  /** null: no `aud` claim. */
  aud?: string | null;
  exp?: number;
}

export interface OidcProvider {
  issuer: string;
  audience: string;
  /** Keys the provider publishes (rsa-1 RS256, ec-1 ES256) and one it does not (stranger). */
  keys: { rsa: PrivateKey; ec: PrivateKey; stranger: PrivateKey; rsaPublicJwk: Record<string, unknown> };
  jwksRequests(): number;
  sign(claims: Record<string, unknown>, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

/** A real OpenID provider on loopback: a discovery document and a JWKS made with jose's generateKeyPair. */
export async function startOidcProvider(audience = 'echo-api'): Promise<OidcProvider> {
  const rsa = await generateKeyPair('RS256');
  const ec = await generateKeyPair('ES256');
  const stranger = await generateKeyPair('RS256');
  const rsaPublicJwk = { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' };
  const keys = [rsaPublicJwk, { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' }];
  let jwksRequests = 0;
  let issuer = '';
  const server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }));
    else if (req.url === '/keys') {
      jwksRequests++;
      res.end(JSON.stringify({ keys }));
    } else {
      res.statusCode = 404;
      res.end('{}');
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    audience,
    keys: { rsa: rsa.privateKey, ec: ec.privateKey, stranger: stranger.privateKey, rsaPublicJwk },
    jwksRequests: () => jwksRequests,
    sign(claims, o = {}) {
      const now = Math.floor(Date.now() / 1000);
      let j = new SignJWT({ ...claims })
        .setProtectedHeader({ alg: o.alg ?? 'RS256', kid: o.kid ?? 'rsa-1' })
        .setIssuer(o.iss ?? issuer)
        .setIssuedAt(now)
        .setExpirationTime(o.exp ?? now + 600);
      if (o.aud !== null) j = j.setAudience(o.aud ?? audience);
      return j.sign(o.key ?? rsa.privateKey);
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}
