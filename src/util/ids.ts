import { randomBytes } from 'node:crypto';

/**
 * Sortable, unguessable ids: `<prefix>_<time base36><80 random bits base32>`. Time-ordered so that lists
 * and logs read in creation order; random enough that an id cannot be guessed.
 */
export function randomId(prefix: string): string {
  const time = Date.now().toString(36).padStart(9, '0');
  const rand = randomBytes(10).toString('base64url').replace(/[-_]/g, 'x').toLowerCase();
  return `${prefix}_${time}${rand}`;
}
