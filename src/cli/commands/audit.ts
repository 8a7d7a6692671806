import type { Config } from '../../config/load.ts';
import { EchoError } from '../../errors/catalogue.ts';
import { auditEntries, verifyAuditChain } from '../../security/audit/verify.ts';
import { createCatalog } from '../../wiring/adapters.ts';
import { auditHead } from '../../wiring/security.ts';
import { printJson } from '../output.ts';

function parseSince(since: string | undefined): number | undefined {
  if (since === undefined) return undefined;
  const ms = /^\d+$/.test(since) ? Number(since) : Date.parse(since);
  if (!Number.isFinite(ms)) throw new EchoError('BAD_REQUEST', `--since ${since}: expected an ISO 8601 time (2026-01-31T00:00:00Z) or epoch milliseconds`);
  return ms;
}

/**
 * `echo-cloud audit verify`: walks the hash chain and checks the signed head; exit 1 naming the first bad seq.
 * `echo-cloud audit export [--since T]`: the entries as JSON lines on stdout, in seq order.
 */
export async function auditCommand(sub: string | undefined, config: Config, flags: { since?: string | undefined; json: boolean }): Promise<number> {
  if (sub !== 'verify' && sub !== 'export') throw new EchoError('BAD_REQUEST', `audit ${sub ?? ''}: unknown subcommand; accepted: verify, export`);
  const since = parseSince(flags.since);
  const catalog = await createCatalog(config);
  try {
    await catalog.migrate();
    if (sub === 'export') {
      for await (const e of auditEntries(catalog, since !== undefined ? { since } : {})) {
        const line = { seq: e.seq, at: new Date(e.at).toISOString(), actor: e.actor, project: e.projectId, action: e.action, object: e.object, ip: e.ip, outcome: e.outcome, detail: e.detail, prev_hash: e.prevHash, hash: e.hash };
        if (!process.stdout.write(`${JSON.stringify(line)}\n`)) await new Promise((r) => process.stdout.once('drain', r));
      }
      return 0;
    }
    const verdict = await verifyAuditChain(catalog, await auditHead(config));
    if (flags.json) printJson(verdict);
    if (!verdict.ok) throw new EchoError('AUDIT_BROKEN', `audit trail broken at seq ${verdict.firstBadSeq}: ${verdict.problem}`, { details: { seq: verdict.firstBadSeq } });
    if (!flags.json) process.stdout.write(`audit trail intact: ${verdict.entries} entries, seq 1..${verdict.lastSeq}${verdict.head ? `, signed head at seq ${verdict.head.seq}` : ''}\n`);
    return 0;
  } finally {
    await catalog.close();
  }
}
