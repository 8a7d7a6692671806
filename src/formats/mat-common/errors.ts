import { EchoError } from '../../errors/catalogue.ts';

/** What the shared MAT rules need to word an error: the user-facing file name and the byte cap. */
export interface MatFile {
  readonly file: string;
  /** `limits.maxDecodedBytes`. */
  readonly cap: number;
}

export function corrupt(ctx: Pick<MatFile, 'file'>, what: string): EchoError {
  return new EchoError('CINE_CORRUPT', `MAT file "${ctx.file}" is damaged or truncated: ${what}`, {
    details: { file: ctx.file },
  });
}

export function unsupported(ctx: Pick<MatFile, 'file'>, what: string): EchoError {
  return new EchoError('CINE_UNSUPPORTED', `MAT file "${ctx.file}": ${what}`, { details: { file: ctx.file } });
}

export function tooLarge(ctx: MatFile, what: string, bytes: number): EchoError {
  const size = Number.isFinite(bytes) ? `${bytes} bytes` : 'an unbounded number of bytes';
  return new EchoError(
    'CINE_TOO_LARGE',
    `MAT file "${ctx.file}": ${what} needs ${size}, over the cap of ${ctx.cap} bytes (limits.maxDecodedBytes)`,
    { details: { file: ctx.file, bytes, cap: ctx.cap } },
  );
}
