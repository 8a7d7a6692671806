import { EchoError } from '../errors/catalogue.ts';

/** The one rule for object keys, shared by every ObjectStore adapter (see object-store.ts). */
export const MAX_KEY_BYTES = 1024;

export function validateKey(key: string): string {
  const why = keyProblem(key);
  if (why) {
    throw new EchoError('INVALID_KEY', `storage key ${JSON.stringify(key.slice(0, 200))} is not acceptable: ${why}; keys are relative "/"-separated paths of printable characters without "." or ".." segments`);
  }
  return key;
}

function keyProblem(key: string): string | null {
  if (key.length === 0) return 'it is empty';
  if (Buffer.byteLength(key) > MAX_KEY_BYTES) return `it is over ${MAX_KEY_BYTES} bytes`;
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'it contains a control character';
  if (key.includes('\\')) return 'it contains a backslash';
  if (key.startsWith('/')) return 'it is absolute';
  for (const segment of key.split('/')) {
    if (segment === '') return 'it has an empty segment';
    if (segment === '.' || segment === '..') return `it has a "${segment}" segment`;
  }
  return null;
}
