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

/** The frame-access checks both MAT readers make: a closed cine, and an index out of range. */
export function checkFrameAccess(fileName: string, closed: boolean, index: number, frames: number): void {
  if (closed) throw new EchoError('BAD_REQUEST', `the cine from MAT file "${fileName}" is closed`);
  if (!Number.isInteger(index) || index < 0 || index >= frames) {
    throw new EchoError('BAD_REQUEST', `frame ${index} is out of range for MAT file "${fileName}" (frames 0..${frames - 1})`);
  }
}
