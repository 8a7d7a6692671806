import { EchoError } from '../../errors/catalogue.ts';

/** What every parsing step needs: the file name for messages, the byte order, the byte cap. */
export interface MatContext {
  readonly file: string;
  readonly littleEndian: boolean;
  /** `limits.maxDecodedBytes`: no buffer sized by the file may exceed it. */
  readonly cap: number;
  /** Told about every buffer the reader allocates from a size found in the file (tests watch it). */
  readonly onAllocate: ((bytes: number, what: string) => void) | undefined;
  /** MATLAB arrays parsed so far; bounded by MAX_ARRAYS. */
  arrays: number;
}

export function corrupt(ctx: MatContext, what: string): EchoError {
  return new EchoError('CINE_CORRUPT', `MAT file "${ctx.file}" is damaged or truncated: ${what}`, {
    details: { file: ctx.file },
  });
}

export function unsupported(ctx: MatContext, what: string): EchoError {
  return new EchoError('CINE_UNSUPPORTED', `MAT file "${ctx.file}": ${what}`, { details: { file: ctx.file } });
}

export function tooLarge(ctx: MatContext, what: string, bytes: number): EchoError {
  const size = Number.isFinite(bytes) ? `${bytes} bytes` : 'an unbounded number of bytes';
  return new EchoError(
    'CINE_TOO_LARGE',
    `MAT file "${ctx.file}": ${what} needs ${size}, over the cap of ${ctx.cap} bytes (limits.maxDecodedBytes)`,
    { details: { file: ctx.file, bytes, cap: ctx.cap } },
  );
}

/** Checks a size read from the file against the cap before anything of that size is allocated. */
export function reserve(ctx: MatContext, bytes: number, what: string): void {
  if (!(bytes <= ctx.cap)) throw tooLarge(ctx, what, bytes);
  ctx.onAllocate?.(bytes, what);
}
