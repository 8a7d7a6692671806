import { EchoError } from '../../../errors/catalogue.ts';

/**
 * Turns a better-sqlite3 (or JSON) failure into ECHO_ERR_QUEUE_FAILED naming the file and the operation.
 * EchoErrors pass through unchanged, so validation errors keep their own codes.
 */
export function queueFailure(err: unknown, path: string, operation: string): EchoError {
  if (err instanceof EchoError) return err;
  const text = err instanceof Error ? err.message : String(err);
  const sqliteCode = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : undefined;
  return new EchoError('QUEUE_FAILED', `sqlite queue "${path}": ${operation} failed: ${text}`, {
    cause: err,
    details: { path, operation, ...(sqliteCode === undefined ? {} : { sqliteCode }) },
  });
}

/** Runs a synchronous driver call, translating what it throws. */
export function guard<T>(path: string, operation: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw queueFailure(err, path, operation);
  }
}
