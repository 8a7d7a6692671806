import type { MatFile } from '../mat-common/errors.ts';
import { tooLarge } from '../mat-common/errors.ts';

export { corrupt, tooLarge, unsupported } from '../mat-common/errors.ts';

/** What every parsing step needs: the file name for messages, the byte order, the byte cap. */
export interface MatContext extends MatFile {
  readonly littleEndian: boolean;
  /** Told about every buffer the reader allocates from a size found in the file (tests watch it). */
  readonly onAllocate: ((bytes: number, what: string) => void) | undefined;
  /** MATLAB arrays parsed so far; bounded by MAX_ARRAYS. */
  arrays: number;
}

/** Checks a size read from the file against the cap before anything of that size is allocated. */
export function reserve(ctx: MatContext, bytes: number, what: string): void {
  if (!(bytes <= ctx.cap)) throw tooLarge(ctx, what, bytes);
  ctx.onAllocate?.(bytes, what);
}
