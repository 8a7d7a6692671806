import type { AuditEntry, Catalog } from '../../ports/catalog.ts';
import { type AuditEvent, chainEntry } from './chain.ts';
import type { AuditHeadStore } from './head.ts';

export interface AuditLog {
  /** Appends one entry to the chain in the catalog and advances the signed head; resolves once both are stored. */
  record(event: AuditEvent): Promise<AuditEntry>;
}

/**
 * The audit trail's writer. Appends from this process are serialised (one after another), so the head file
 * advances in order; appends from other processes (CLI, other API replicas) are ordered by the catalog.
 */
export function createAuditLog(catalog: Catalog, head: AuditHeadStore): AuditLog {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    record(event) {
      const next = tail.then(async () => {
        const entry = await catalog.appendAudit((previous) => chainEntry(previous, event));
        await head.advance(entry.seq, entry.hash);
        return entry;
      });
      tail = next.catch(() => undefined);
      return next;
    },
  };
}
