import type { AuditEntry, Catalog } from '../../ports/catalog.ts';
import { type AuditEvent, chainEntry } from './chain.ts';
import type { AuditHeadStore } from './head.ts';

export interface AuditLog {
  /** Appends one entry to the chain in the catalog and advances the signed head; resolves once both are stored. */
  record(event: AuditEvent): Promise<AuditEntry>;
}

/** Entries appended in one catalog transaction at most (11 bound values each stays under every driver's limit). */
const MAX_BATCH = 200;

interface Pending {
  event: AuditEvent;
  resolve: (entry: AuditEntry) => void;
  reject: (err: unknown) => void;
}

/**
 * The audit trail's writer. Appends from this process go one batch at a time: events recorded while a
 * batch is being written are chained and written together in the next transaction, so a busy server
 * pays one catalog round trip and one head-file write per batch, not per request, and the head advances in
 * order. Appends from other processes (CLI, other API replicas) are ordered by the catalog.
 */
export function createAuditLog(catalog: Catalog, head: AuditHeadStore): AuditLog {
  const pending: Pending[] = [];
  let flushing = false;

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (pending.length > 0) {
        const batch = pending.splice(0, MAX_BATCH);
        try {
          const entries = await catalog.appendAudit((previous) => {
            const out: AuditEntry[] = [];
            let prev = previous;
            for (const p of batch) {
              const entry = chainEntry(prev, p.event);
              out.push(entry);
              prev = entry;
            }
            return out;
          });
          const last = entries.at(-1)!;
          await head.advance(last.seq, last.hash);
          for (const [i, p] of batch.entries()) p.resolve(entries[i]!);
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      flushing = false;
    }
  }

  return {
    record(event) {
      return new Promise((resolve, reject) => {
        // The time of the event, not of the write.
        pending.push({ event: { ...event, at: event.at ?? Date.now() }, resolve, reject });
        if (!flushing) void flush();
      });
    },
  };
}
