/**
 * The /v1 routes as the server's own /openapi.json lists them, and a request helper that never waits
 * forever, shared by the route sweep and the HTTP fuzz test: a route added later is covered by both
 * without editing them.
 */
import type { Role } from '../../src/ports/catalog.ts';

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  minLength?: number;
  required?: string[];
  properties?: Record<string, JsonSchema>;
}

export interface Route {
  method: string;
  path: string;
  role: Role;
  /** Path parameter name → its schema type. */
  params: Record<string, string>;
  /** A minimal valid JSON body for routes that take one (so validation does not answer before the route). */
  body: unknown;
  /** Required header parameters, filled with a valid value (0 for integers). */
  headers: Record<string, string>;
  /** The route takes raw bytes (application/octet-stream). */
  raw: boolean;
  /** The route takes multipart/form-data. */
  multipart: boolean;
  /** Names of the declared query parameters. */
  query: string[];
}

/** The smallest value a schema accepts: required properties only, first enum value, minimum, minLength. */
export function sample(schema: JsonSchema | undefined): unknown {
  if (!schema) return {};
  if (schema.enum) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries((schema.required ?? []).map((k) => [k, sample(schema.properties?.[k])]));
    case 'array':
      return [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return false;
    case 'string':
      return 'x'.repeat(Math.max(1, schema.minLength ?? 1));
    default:
      return {};
  }
}

type Operation = {
  'x-echo-role'?: Role;
  parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
};

/** Reads the server's /openapi.json and lists its /v1 routes. */
export async function discoverRoutes(baseUrl: string): Promise<Route[]> {
  const doc = (await (await fetch(new URL('/openapi.json', baseUrl))).json()) as { paths: Record<string, Record<string, Operation>> };
  return Object.entries(doc.paths)
    .filter(([path]) => path.startsWith('/v1/'))
    .flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        role: op['x-echo-role']!,
        params: Object.fromEntries((op.parameters ?? []).filter((p) => p.in === 'path').map((p) => [p.name, String(p.schema?.type ?? 'string')])),
        body: op.requestBody?.content?.['application/json'] ? sample(op.requestBody.content['application/json'].schema) : undefined,
        headers: Object.fromEntries(
          (op.parameters ?? []).filter((p) => p.in === 'header' && p.required).map((p) => [p.name, p.schema?.type === 'integer' || p.schema?.type === 'number' ? '0' : 'x']),
        ),
        raw: op.requestBody?.content?.['application/octet-stream'] !== undefined,
        multipart: op.requestBody?.content?.['multipart/form-data'] !== undefined,
        query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name),
      })),
    );
}

export interface Answer {
  status: number;
  text: string;
  contentType: string;
  /** Milliseconds until the status line arrived. */
  ms: number;
}

/**
 * One request. The body is read for at most `readMs` (a streaming route such as server-sent events never
 * ends; `streamReadMs` for text/event-stream answers); the request itself is aborted after `timeoutMs`, which
 * rejects (a hang is a failure).
 */
export async function send(
  url: URL | string,
  init: { method: string; headers?: Record<string, string>; body?: string | Uint8Array },
  options: { readMs?: number; timeoutMs?: number; streamReadMs?: number } = {},
): Promise<Answer> {
  const started = Date.now();
  const abort = new AbortController();
  const hang = setTimeout(() => abort.abort(new Error(`no answer to ${init.method} ${String(url).slice(0, 200)} in ${options.timeoutMs ?? 10_000} ms`)), options.timeoutMs ?? 10_000);
  let res: Response;
  try {
    res = await fetch(url, { method: init.method, headers: init.headers ?? {}, signal: abort.signal, ...(init.body !== undefined ? { body: init.body } : {}) });
  } catch (err) {
    // Name the network cause (a reset, the other side closing), which fetch's "fetch failed" hides.
    const cause = (err as Error & { cause?: Error & { code?: string } }).cause;
    throw new Error(`${init.method} ${String(url).slice(0, 200)}: ${(err as Error).message}${cause ? ` (${cause.code ?? ''} ${cause.message})` : ''}`, { cause: err });
  } finally {
    clearTimeout(hang);
  }
  const ms = Date.now() - started;
  const contentType = res.headers.get('content-type') ?? '';
  const readMs = options.readMs ?? 2000;
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), contentType.startsWith('text/event-stream') ? (options.streamReadMs ?? readMs) : readMs);
  let text = '';
  try {
    const reader = res.body?.getReader();
    stop.signal.addEventListener('abort', () => void reader?.cancel().catch(() => {}));
    const decoder = new TextDecoder();
    for (;;) {
      if (!reader) break;
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
  } catch (err) {
    if (!stop.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
  return { status: res.status, text, contentType, ms };
}

/** The `error.code` of a JSON error answer, or undefined. */
export function codeOf(text: string): string | undefined {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}
