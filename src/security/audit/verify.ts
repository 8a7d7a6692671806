import type { AuditEntry, Catalog } from '../../ports/catalog.ts';
import { entryHash, GENESIS_HASH } from './chain.ts';
import type { AuditHeadStore } from './head.ts';

export interface AuditVerdict {
  ok: boolean;
  /** Entries read and found intact. */
  entries: number;
  lastSeq: number;
  head: { seq: number; path: string } | null;
  /** The first seq that is wrong (edited, missing, out of chain), when not ok. */
  firstBadSeq: number | null;
  problem: string | null;
}

const PAGE = 1000;

/** Every audit entry (from `since` on, when given) in seq order, read a page at a time. */
export async function* auditEntries(catalog: Catalog, options: { since?: number } = {}): AsyncIterable<AuditEntry> {
  let afterSeq = 0;
  for (;;) {
    const page = await catalog.listAudit({ afterSeq, limit: PAGE, ...options });
    yield* page;
    if (page.length < PAGE) return;
    afterSeq = page.at(-1)!.seq;
  }
}

/**
 * Walks the whole chain in seq order and checks, for each entry, that seq follows the previous one without
 * a gap, that prev_hash is the previous entry's hash and that hash matches the entry's content; then that
 * the chain reaches the signed head (entries removed from the end) and that the head's signature holds.
 */
export async function verifyAuditChain(catalog: Catalog, head: AuditHeadStore): Promise<AuditVerdict> {
  let prev = GENESIS_HASH;
  let expected = 1;
  let count = 0;
  const bad = (seq: number, problem: string): AuditVerdict => ({ ok: false, entries: count, lastSeq: expected - 1, head: null, firstBadSeq: seq, problem });
  /** The hash of the entry the signed head names, once reached. */
  let signedEntryHash: string | undefined;
  const signed = await head.read();
  // Listing skips over gaps: a seq above `expected` means rows were deleted.
  for await (const e of auditEntries(catalog)) {
    if (e.seq !== expected) return bad(expected, `entry seq ${expected} is missing (the next entry is seq ${e.seq}): entries were deleted`);
    if (e.prevHash !== prev) return bad(e.seq, `entry seq ${e.seq}: prev_hash does not match the hash of entry seq ${e.seq - 1}`);
    if (entryHash(prev, e) !== e.hash) return bad(e.seq, `entry seq ${e.seq}: its content does not match its hash (the entry was edited)`);
    if (signed && e.seq === signed.seq) signedEntryHash = e.hash;
    prev = e.hash;
    expected++;
    count++;
  }
  const lastSeq = expected - 1;
  const verdict: AuditVerdict = { ok: true, entries: count, lastSeq, head: null, firstBadSeq: null, problem: null };
  if (!signed) {
    if (lastSeq === 0) return verdict;
    return { ...verdict, ok: false, firstBadSeq: 1, problem: `the signed head ${head.path} is missing although the log has ${lastSeq} entries` };
  }
  verdict.head = { seq: signed.seq, path: head.path };
  if (!head.valid(signed)) return { ...verdict, ok: false, firstBadSeq: Math.max(signed.seq, 1), problem: `the signed head ${head.path} has an invalid signature (edited, or signed with another audit key)` };
  if (signed.seq > lastSeq) {
    return { ...verdict, ok: false, firstBadSeq: lastSeq + 1, problem: `entries seq ${lastSeq + 1}..${signed.seq} are missing: the signed head records seq ${signed.seq} but the log ends at seq ${lastSeq}` };
  }
  if (signed.seq > 0 && signedEntryHash !== signed.hash) {
    return { ...verdict, ok: false, firstBadSeq: signed.seq, problem: `entry seq ${signed.seq} does not match the signed head (the chain was rewritten)` };
  }
  return verdict;
}
