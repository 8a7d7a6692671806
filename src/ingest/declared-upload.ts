import { EchoError } from '../errors/catalogue.ts';
import { validateFileName } from './file-names.ts';

/**
 * The checks an upload announced before its bytes arrive must pass (a resumable session, a presigned PUT):
 * an acceptable file name and a declared size from 1 byte to the upload limit.
 */
export function checkDeclaredUpload(name: string, size: number, maxUploadBytes: number): void {
  validateFileName(name);
  if (!Number.isInteger(size) || size < 1) throw new EchoError('UPLOAD_EMPTY', `the upload of "${name}" declares ${size} bytes; at least 1 is needed`);
  if (size > maxUploadBytes) {
    throw new EchoError('UPLOAD_TOO_LARGE', `"${name}" is ${size} bytes; the limit is ${maxUploadBytes} bytes (ECHO_CLOUD_MAX_UPLOAD_BYTES)`);
  }
}
