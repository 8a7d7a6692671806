import { EchoError } from '../../errors/catalogue.ts';

/** What every step needs: the file name for messages, the byte cap, an allocation hook for tests. */
export interface DicomContext {
  readonly file: string;
  /** `limits.maxDecodedBytes`: no buffer sized by the file may exceed it. */
  readonly cap: number;
  /** Told about every buffer the reader allocates from a size found in the file (tests watch it). */
  readonly onAllocate: ((bytes: number, what: string) => void) | undefined;
}

export function corrupt(ctx: DicomContext, what: string): EchoError {
  return new EchoError('CINE_CORRUPT', `DICOM file "${ctx.file}" is damaged or truncated: ${what}`, {
    details: { file: ctx.file },
  });
}

export function unsupported(ctx: DicomContext, what: string): EchoError {
  return new EchoError('CINE_UNSUPPORTED', `DICOM file "${ctx.file}": ${what}`, { details: { file: ctx.file } });
}

export function noPixelData(ctx: DicomContext, what: string): EchoError {
  return new EchoError('CINE_NO_VARIABLE', `DICOM file "${ctx.file}": ${what}`, { details: { file: ctx.file } });
}

export function tooLarge(ctx: DicomContext, what: string, bytes: number): EchoError {
  const size = Number.isFinite(bytes) ? `${bytes} bytes` : 'an unbounded number of bytes';
  return new EchoError(
    'CINE_TOO_LARGE',
    `DICOM file "${ctx.file}": ${what} needs ${size}, over the cap of ${ctx.cap} bytes (limits.maxDecodedBytes)`,
    { details: { file: ctx.file, bytes, cap: ctx.cap } },
  );
}

/** Checks a size taken from the file against the cap before anything of that size is allocated. */
export function reserve(ctx: DicomContext, bytes: number, what: string): void {
  if (!(bytes <= ctx.cap)) throw tooLarge(ctx, what, bytes);
  ctx.onAllocate?.(bytes, what);
}

/** Text of anything thrown by a third-party parser or codec (dicom-parser throws strings and objects). */
export function thrownText(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  if (typeof err === 'object' && err !== null && 'exception' in err) return thrownText(err.exception);
  return String(err);
}
