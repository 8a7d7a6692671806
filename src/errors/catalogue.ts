/**
 * The one catalogue of coded errors. Every failure a user can see carries one of these codes.
 * Adapters translate driver/SDK errors into them; callers branch on `code` or `instanceof EchoError`,
 * never on message text.
 *
 * `status` is the HTTP status the API answers with; `exit` is the CLI exit code
 * (2: the input cannot be read or is not supported; 1: any other failure), as in docs/contracts.
 */
export const ERRORS = {
  // configuration and start-up
  CONFIG_INVALID: { status: 500, exit: 1, summary: 'a setting is missing or invalid' },
  // request / input validation
  BAD_REQUEST: { status: 400, exit: 1, summary: 'the request is malformed' },
  UPLOAD_EMPTY: { status: 400, exit: 2, summary: 'the uploaded file is empty' },
  UPLOAD_TOO_LARGE: { status: 413, exit: 2, summary: 'the upload is over the size limit' },
  UPLOAD_MISSING_FILE: { status: 400, exit: 1, summary: 'the multipart field "file" is missing' },
  UNSUPPORTED_FORMAT: { status: 415, exit: 2, summary: 'the file is not a supported cine format' },
  INVALID_NAME: { status: 400, exit: 2, summary: 'the file name is not acceptable' },
  INVALID_KEY: { status: 400, exit: 1, summary: 'the storage key is not acceptable' },
  // cine reading
  CINE_CORRUPT: { status: 422, exit: 2, summary: 'the cine file is damaged or truncated' },
  CINE_NO_VARIABLE: { status: 422, exit: 2, summary: 'no cine was found in the file' },
  CINE_UNSUPPORTED: { status: 422, exit: 2, summary: 'the cine uses a feature that is not supported' },
  CINE_TOO_LARGE: { status: 422, exit: 2, summary: 'the cine declares more data than the configured cap' },
  FILE_NOT_FOUND: { status: 404, exit: 2, summary: 'the file does not exist' },
  // auth and lookup
  UNAUTHORIZED: { status: 401, exit: 1, summary: 'a valid bearer token is required' },
  FORBIDDEN: { status: 403, exit: 1, summary: "the token's role does not allow this action" },
  NOT_FOUND: { status: 404, exit: 1, summary: 'no such resource' },
  NOT_READY: { status: 409, exit: 1, summary: 'the resource is not ready yet' },
  // models
  MODEL_NOT_FOUND: { status: 404, exit: 1, summary: 'no such deployed model' },
  MODEL_INVALID: { status: 500, exit: 1, summary: 'the model manifest or weights are invalid' },
  INFERENCE_FAILED: { status: 500, exit: 1, summary: 'the model failed to run' },
  MODEL_EXISTS: { status: 409, exit: 1, summary: 'that model version is already deployed' },
  MODEL_IN_USE: { status: 409, exit: 1, summary: 'the model is active or routed to, so it cannot be removed' },
  // infrastructure
  STORE_FAILED: { status: 500, exit: 1, summary: 'the object store failed' },
  QUEUE_FAILED: { status: 500, exit: 1, summary: 'the job queue failed' },
  CATALOG_FAILED: { status: 500, exit: 1, summary: 'the catalog failed' },
  WORKER_DIED: { status: 500, exit: 1, summary: 'the worker process died while running the job' },
  JOB_TIMEOUT: { status: 500, exit: 1, summary: 'the job ran past its time limit' },
  DEAD_LETTERED: { status: 500, exit: 1, summary: 'the job was delivered the maximum number of times without finishing' },
  SERVER_UNREACHABLE: { status: 502, exit: 1, summary: 'the EchoCloud server could not be reached' },
  DEPENDENCY_MISSING: { status: 500, exit: 1, summary: 'a program the server needs (such as ffmpeg) is not installed' },
  INTERNAL: { status: 500, exit: 1, summary: 'an unexpected internal error' },
  // security
  RATE_LIMITED: { status: 429, exit: 1, summary: 'too many requests or failed authentications from this client; retry after Retry-After seconds' },
  AUDIT_BROKEN: { status: 500, exit: 1, summary: 'the audit trail failed verification or could not be written' },
  // encryption at rest and de-identification
  INTEGRITY: { status: 500, exit: 2, summary: 'a stored object fails its integrity check (altered, truncated or reordered)' },
  KEY_UNAVAILABLE: { status: 500, exit: 1, summary: 'the master key that encrypted a stored object is not configured' },
  DEIDENTIFY_REFUSED: { status: 422, exit: 2, summary: 'the file cannot be de-identified as the settings require' },
  IDP_UNAVAILABLE: { status: 502, exit: 1, summary: 'the OIDC identity provider could not be reached or published an unusable discovery document' },
  NOT_SUPPORTED: { status: 409, exit: 1, summary: 'this server’s configuration does not offer that (e.g. presigned URLs on the embedded store); the message names the alternative' },
} as const satisfies Record<string, { status: number; exit: 0 | 1 | 2; summary: string }>;

export type ErrorCode = keyof typeof ERRORS;

export class EchoError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly exitCode: number;
  /** Extra machine-readable facts (file, key, tag, limit...). Never holds secrets. */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; details?: Record<string, unknown> }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'EchoError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.exitCode = ERRORS[code].exit;
    this.details = options?.details;
  }

  /** The wire code, `ECHO_ERR_<CODE>`. */
  get wireCode(): string {
    return `ECHO_ERR_${this.code}`;
  }

  toJSON(): { code: string; message: string } {
    return { code: this.wireCode, message: this.message };
  }
}

export function isEchoError(err: unknown, code?: ErrorCode): err is EchoError {
  return err instanceof EchoError && (code === undefined || err.code === code);
}

/** Wraps anything thrown into an EchoError, keeping EchoErrors as they are. */
export function toEchoError(err: unknown, fallback: ErrorCode = 'INTERNAL', context?: string): EchoError {
  if (err instanceof EchoError) return err;
  const text = err instanceof Error ? err.message : String(err);
  return new EchoError(fallback, context ? `${context}: ${text}` : text, { cause: err });
}

/** Parses `ECHO_ERR_<CODE>` back to a catalogue code (for errors stored in the catalog or sent over IPC). */
export function codeFromWire(wire: string): ErrorCode {
  const code = wire.replace(/^ECHO_ERR_/, '');
  return code in ERRORS ? (code as ErrorCode) : 'INTERNAL';
}
