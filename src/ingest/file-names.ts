import { EchoError } from '../errors/catalogue.ts';

const MAX_NAME_BYTES = 255;

/**
 * Checks an uploaded file's name. The name becomes the last segment of its storage key
 * (`inputs/<clip id>/<name>`), so anything that could climb out of that folder or hide in a listing is
 * refused rather than silently rewritten: the user learns what to fix.
 */
export function validateFileName(name: string): string {
  const problem = nameProblem(name);
  if (problem) {
    throw new EchoError(
      'INVALID_NAME',
      `file name ${JSON.stringify(name.slice(0, 120))} is not acceptable: ${problem}; use a plain file name (no "/", "\\", ".." or control characters, at most ${MAX_NAME_BYTES} bytes)`,
    );
  }
  return name;
}

function nameProblem(name: string): string | null {
  if (name.length === 0) return 'it is empty';
  if (Buffer.byteLength(name) > MAX_NAME_BYTES) return `it is over ${MAX_NAME_BYTES} bytes`;
  if (name.includes('/') || name.includes('\\')) return 'it contains a path separator';
  if (name === '.' || name === '..') return 'it is a relative path';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'it contains a control character';
  if (name.startsWith('.')) return 'it starts with "."';
  return null;
}

/** The name without its last extension: `a.b.mat` → `a.b`. */
export function stem(name: string): string {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}
