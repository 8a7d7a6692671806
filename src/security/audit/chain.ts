import { createHash } from 'node:crypto';
import type { AuditEntry } from '../../ports/catalog.ts';

/** The prev_hash of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** What a caller records; seq, hashes and (by default) the time are filled in by the chain. */
export type AuditEvent = Omit<AuditEntry, 'seq' | 'at' | 'prevHash' | 'hash'> & { at?: number };

type Body = Omit<AuditEntry, 'hash' | 'prevHash'>;

/**
 * The canonical form of an entry: a JSON array in a fixed field order, so the same entry always hashes to
 * the same bytes whatever the database returns (column order, key order, numeric types).
 */
export function canonicalEntry(e: Body): string {
  return JSON.stringify([e.seq, e.at, e.actor, e.projectId, e.action, e.object, e.ip, e.outcome, e.detail]);
}

/** hash = sha256(previous hash ‖ canonical entry), hex. Changing any field or the order breaks the chain. */
export function entryHash(prevHash: string, e: Body): string {
  return createHash('sha256').update(prevHash, 'utf8').update(canonicalEntry(e), 'utf8').digest('hex');
}

/** The next entry after `previous` (null: the log is empty). */
export function chainEntry(previous: { seq: number; hash: string } | null, event: AuditEvent, now = Date.now()): AuditEntry {
  const prevHash = previous?.hash ?? GENESIS_HASH;
  const body: Body = {
    seq: (previous?.seq ?? 0) + 1,
    at: event.at ?? now,
    actor: event.actor,
    projectId: event.projectId,
    action: event.action,
    object: event.object,
    ip: event.ip,
    outcome: event.outcome,
    detail: event.detail,
  };
  return { ...body, prevHash, hash: entryHash(prevHash, body) };
}
