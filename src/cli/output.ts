import { toEchoError } from '../errors/catalogue.ts';

/** The CLI's one error format: `error ECHO_ERR_<CODE>: <message>` on stderr; a stack only with --debug. */
export function printError(err: unknown, debug: boolean): number {
  const e = toEchoError(err);
  process.stderr.write(`error ${e.wireCode}: ${e.message.replace(/\s*\n\s*/g, ' ')}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return e.exitCode;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
