/**
 * What fauxqs leaves out: S3's check of presigned URLs. A loopback HTTP gate in front of the emulator that
 * verifies every request carrying a query-string signature (X-Amz-Signature) the way S3 does — AWS
 * Signature Version 4 recomputed from the request with the emulator's secret key, and the X-Amz-Expires
 * window — and answers 403 with S3's error XML when either fails. Everything else (header-signed SDK calls,
 * SQS) passes through unchanged. Point clients at `endpoint` instead of the emulator's. It can also play the
 * bucket's CORS rule (for a browser on another origin) and report stored presigned PUTs (S3's event).
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, request as httpRequest, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SigV4Gate {
  endpoint: string;
  /** Presigned requests refused so far, with S3's error code. */
  refused: { method: string; path: string; code: string }[];
  /** Moves the gate's clock (ms from now; 0 puts it back), to present a URL after its expiry. */
  shiftClock(ms: number): void;
  close(): Promise<void>;
}

/** RFC 3986 encoding, as SigV4 canonicalises query strings. */
function encode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const hmac = (key: Buffer | string, data: string): Buffer => createHmac('sha256', key).update(data, 'utf8').digest();

/** Why S3 would refuse this presigned request, or null when the signature and expiry hold. */
export function presignedProblem(req: IncomingMessage, secretKey: string, now = Date.now()): { code: string; message: string } | null {
  const [rawPath = '/', rawQuery = ''] = (req.url ?? '/').split('?', 2) as [string, string?];
  const pairs = rawQuery
    .split('&')
    .filter(Boolean)
    .map((p) => {
      const i = p.indexOf('=');
      return [decodeURIComponent(i < 0 ? p : p.slice(0, i)), decodeURIComponent(i < 0 ? '' : p.slice(i + 1))] as [string, string];
    });
  const q = new Map(pairs);
  const signature = q.get('X-Amz-Signature') ?? '';
  const credential = (q.get('X-Amz-Credential') ?? '').split('/');
  const amzDate = q.get('X-Amz-Date') ?? '';
  const expires = Number(q.get('X-Amz-Expires'));
  const signedHeaders = (q.get('X-Amz-SignedHeaders') ?? '').split(';').filter(Boolean);
  if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256' || credential.length !== 5 || !/^\d{8}T\d{6}Z$/.test(amzDate) || !Number.isInteger(expires)) {
    return { code: 'AuthorizationQueryParametersError', message: 'malformed presigned query parameters' };
  }
  const signedAt = Date.UTC(+amzDate.slice(0, 4), +amzDate.slice(4, 6) - 1, +amzDate.slice(6, 8), +amzDate.slice(9, 11), +amzDate.slice(11, 13), +amzDate.slice(13, 15));
  if (now > signedAt + expires * 1000) return { code: 'AccessDenied', message: 'Request has expired' };

  const [, date, region, service] = credential as [string, string, string, string, string];
  const canonicalQuery = pairs
    .filter(([k]) => k !== 'X-Amz-Signature')
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .sort()
    .join('&');
  const header = (name: string): string => {
    const v = req.headers[name];
    return (Array.isArray(v) ? v.join(',') : (v ?? '')).trim().replace(/\s+/g, ' ');
  };
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${header(h)}\n`).join('');
  const canonicalRequest = [req.method, rawPath, canonicalQuery, canonicalHeaders, signedHeaders.join(';'), 'UNSIGNED-PAYLOAD'].join('\n');
  const scope = `${date}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest, 'utf8').digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${secretKey}`, date), region), service), 'aws4_request');
  const expected = createHmac('sha256', key).update(toSign, 'utf8').digest('hex');
  if (expected !== signature) return { code: 'SignatureDoesNotMatch', message: 'The request signature we calculated does not match the signature you provided.' };
  return null;
}

export interface GateOptions {
  /**
   * The bucket's CORS rule: browsers at this origin may GET/PUT/HEAD with any header (preflight answered,
   * Access-Control-Allow-Origin sent). Unset: no CORS header at all, so browsers block cross-origin calls.
   */
  corsOrigin?: () => string | null;
  /** Called after a presigned PUT was stored (status 2xx), as S3 would then send its event notification. */
  onPresignedPut?: (path: string, size: number) => void;
}

export async function startSigV4Gate(upstream: string, secretKey: string, options: GateOptions = {}): Promise<SigV4Gate> {
  const target = new URL(upstream);
  const refused: SigV4Gate['refused'] = [];
  let shift = 0;
  const server: Server = createServer((req, res) => {
    const origin = req.headers.origin;
    const allowed = origin !== undefined && origin === options.corsOrigin?.();
    if (allowed) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-expose-headers', 'ETag');
      res.setHeader('vary', 'Origin');
    }
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      req.resume();
      if (!allowed) {
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessForbidden</Code><Message>CORSResponse: This CORS request is not allowed.</Message></Error>');
        return;
      }
      res.writeHead(200, {
        'access-control-allow-methods': 'GET, PUT, HEAD',
        'access-control-allow-headers': String(req.headers['access-control-request-headers'] ?? ''),
        'access-control-max-age': '600',
      });
      res.end();
      return;
    }
    const presigned = (req.url ?? '').includes('X-Amz-Signature=');
    const pass = (signed: boolean) => passTo(req, res, signed);
    if (presigned) {
      const problem = presignedProblem(req, secretKey, Date.now() + shift);
      if (problem) {
        refused.push({ method: req.method ?? '', path: (req.url ?? '').split('?')[0] ?? '', code: problem.code });
        req.resume();
        res.writeHead(403, { 'content-type': 'application/xml' });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${problem.code}</Code><Message>${problem.message}</Message></Error>`);
        return;
      }
    }
    if (presigned && req.method === 'PUT' && req.headers['if-none-match'] === '*') {
      // S3's conditional write, which fauxqs does not do: an existing object wins, the PUT gets 412.
      const path = (req.url ?? '').split('?')[0] ?? '/';
      const head = httpRequest({ hostname: target.hostname, port: target.port, method: 'HEAD', path, headers: { host: target.host } }, (found) => {
        found.resume();
        if (found.statusCode === 200) {
          refused.push({ method: 'PUT', path, code: 'PreconditionFailed' });
          req.resume();
          res.writeHead(412, { 'content-type': 'application/xml' });
          res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-None-Match</Condition></Error>');
        } else {
          pass(presigned);
        }
      });
      head.on('error', () => pass(presigned));
      head.end();
      return;
    }
    pass(presigned);
  });

  /** Forwards a request to the emulator and its answer back. */
  function passTo(req: IncomingMessage, res: ServerResponse, presigned: boolean): void {
    const headers = { ...req.headers, host: target.host };
    const forward = httpRequest({ hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
      const status = up.statusCode ?? 0;
      if (presigned && req.method === 'PUT' && status >= 200 && status < 300) up.once('end', () => options.onPresignedPut?.(decodeURIComponent((req.url ?? '').split('?')[0] ?? ''), Number(req.headers['content-length'] ?? 0)));
    });
    forward.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(forward);
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    refused,
    shiftClock(ms) {
      shift = ms;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
