/**
 * The runtime-specific manifest sections: `endpoint` (kserve-v2) and `command` (command). Defaults are
 * applied here so the adapters read one complete, validated value.
 */
import type { Checker, Json } from './manifest-checker.ts';

export interface KserveEndpoint {
  /** Server base URL, http(s), without a trailing slash (a path prefix such as `/serving` is kept). */
  url: string;
  /** The model name on the server. */
  model: string;
  /** The model version on the server; absent: the server's choice. */
  version?: string;
  /** Per-request time limit in ms (readiness, metadata, every inference call); default 30000. */
  timeoutMs: number;
  /** Extra request headers, sent as written (for example an API key). */
  headers: Record<string, string>;
}

export interface CommandSpec {
  /** Program and arguments; `{dir}`, `{model}`, `{input}`, `{uid}`, `{gid}` are replaced (see docs/models.md). */
  argv: string[];
  /** Wall-clock limit for one clip in ms; default 60000. */
  timeoutMs: number;
  /** After SIGTERM to the process group on timeout, SIGKILL follows after this many ms; default 2000. */
  killGraceMs: number;
  /** Environment variables set for the program. */
  env: Record<string, string>;
  /** Names of the worker's environment variables passed through to the program. */
  passEnv: string[];
  /** `ulimit -v` (address space) in MiB, applied through /bin/sh; absent: no limit. */
  memoryMb?: number;
  /** `ulimit -t` (CPU seconds), applied through /bin/sh; absent: no limit. */
  cpuSeconds?: number;
  /** Bytes of the end of stdout and of stderr kept for error messages; default 8192. */
  outputTailBytes: number;
}

const MODEL_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;
const HEADER_VALUE = /^[^\r\n\0]{0,8192}$/;
/** Hop-by-hop and body headers belong to the HTTP client, not the manifest. */
const RESERVED_HEADERS = new Set(['host', 'content-length', 'content-type', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade']);
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const NO_NUL = /^[^\0]*$/;

export function validateEndpoint(c: Checker, value: Json): KserveEndpoint {
  const o = c.object(value, 'endpoint', { required: ['url', 'model'], optional: ['version', 'timeoutMs', 'headers'] });
  const raw = c.string(o.url, 'endpoint.url');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    c.fail('endpoint.url', `must be an absolute http or https URL such as "http://127.0.0.1:8000", got ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') c.fail('endpoint.url', `must use http or https, got ${JSON.stringify(raw)}`);
  if (url.username || url.password) c.fail('endpoint.url', 'must not hold credentials; send them with endpoint.headers');
  if (url.search || url.hash) c.fail('endpoint.url', `must be a base URL without query or fragment, got ${JSON.stringify(raw)}`);
  const endpoint: KserveEndpoint = {
    url: `${url.origin}${url.pathname.replace(/\/+$/, '')}`,
    model: c.string(o.model, 'endpoint.model', MODEL_ID, 'a model name on the server (letters, digits, _ . -)'),
    timeoutMs: o.timeoutMs === undefined ? 30_000 : c.number(o.timeoutMs, 'endpoint.timeoutMs', { min: 100, max: 600_000, integer: true }),
    headers: {},
  };
  if (o.version !== undefined) endpoint.version = c.string(o.version, 'endpoint.version', MODEL_ID, 'a version name on the server such as "1"');
  if (o.headers !== undefined) {
    endpoint.headers = c.stringMap(o.headers, 'endpoint.headers', HEADER_NAME, 'an HTTP header name', HEADER_VALUE, 'a header value (one line)');
    for (const name of Object.keys(endpoint.headers)) {
      if (RESERVED_HEADERS.has(name.toLowerCase())) c.fail(`endpoint.headers.${name}`, `is set by the runtime and cannot be overridden (${[...RESERVED_HEADERS].join(', ')})`);
    }
  }
  return endpoint;
}

export function validateCommand(c: Checker, value: Json): CommandSpec {
  const o = c.object(value, 'command', {
    required: ['argv'],
    optional: ['timeoutMs', 'killGraceMs', 'env', 'passEnv', 'memoryMb', 'cpuSeconds', 'outputTailBytes'],
  });
  if (!Array.isArray(o.argv) || o.argv.length < 1 || o.argv.length > 256) {
    c.fail('command.argv', 'must be an array of 1 to 256 strings: the program then its arguments, such as ["/usr/bin/python3", "model.py"]');
  }
  const argv = o.argv.map((a, i) => c.string(a, `command.argv[${i}]`, /^[^\0]{1,4096}$/, 'a non-empty string without NUL (at most 4096 characters)'));
  const spec: CommandSpec = {
    argv,
    timeoutMs: o.timeoutMs === undefined ? 60_000 : c.number(o.timeoutMs, 'command.timeoutMs', { min: 100, max: 86_400_000, integer: true }),
    killGraceMs: o.killGraceMs === undefined ? 2000 : c.number(o.killGraceMs, 'command.killGraceMs', { min: 0, max: 60_000, integer: true }),
    env: {},
    passEnv: [],
    outputTailBytes: o.outputTailBytes === undefined ? 8192 : c.number(o.outputTailBytes, 'command.outputTailBytes', { min: 256, max: 1_048_576, integer: true }),
  };
  if (o.env !== undefined) {
    spec.env = c.stringMap(o.env, 'command.env', ENV_NAME, 'an environment variable name (letters, digits, _)', NO_NUL, 'a string without NUL');
    for (const name of Object.keys(spec.env)) {
      if (name.startsWith('ECHO_CLOUD_')) c.fail(`command.env.${name}`, 'uses the ECHO_CLOUD_ prefix, which is reserved for the variables the runtime sets');
    }
  }
  if (o.passEnv !== undefined) {
    if (!Array.isArray(o.passEnv)) c.fail('command.passEnv', 'must be an array of environment variable names such as ["CUDA_VISIBLE_DEVICES"]');
    spec.passEnv = o.passEnv.map((n, i) => c.string(n, `command.passEnv[${i}]`, ENV_NAME, 'an environment variable name (letters, digits, _)'));
  }
  if (o.memoryMb !== undefined) spec.memoryMb = c.number(o.memoryMb, 'command.memoryMb', { min: 16, max: 16_777_216, integer: true });
  if (o.cpuSeconds !== undefined) spec.cpuSeconds = c.number(o.cpuSeconds, 'command.cpuSeconds', { min: 1, max: 604_800, integer: true });
  return spec;
}
