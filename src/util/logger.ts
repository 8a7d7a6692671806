import pino, { type Logger } from 'pino';

/** Structured JSON logs on stdout (pino). Job logs carry jobId and clipId bindings. */
export function createLogger(level: string, bindings: Record<string, unknown> = {}): Logger {
  return pino({ level, base: { pid: process.pid, ...bindings } });
}
