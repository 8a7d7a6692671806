import { mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import type { Config } from '../../config/load.ts';
import type { Catalog } from '../../ports/catalog.ts';
import type { AuditEvent } from '../../security/audit/chain.ts';
import { DEFAULT_PROJECT } from '../../security/tokens.ts';
import { createCatalog } from '../../wiring/adapters.ts';
import { auditLog } from '../../wiring/security.ts';

/**
 * Runs a management command on the configured catalog directly (like serve does), and records what it
 * changed in the audit trail as `cli:<os user>`. Whoever can run these commands can read the catalog and the
 * data directory, so they are the operator's, not an API caller's.
 */
export async function withSecurityContext<T>(
  config: Config,
  fn: (ctx: { catalog: Catalog; record: (e: Omit<AuditEvent, 'actor' | 'ip' | 'outcome'>) => Promise<void> }) => Promise<T>,
): Promise<T> {
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const catalog = await createCatalog(config);
  try {
    await catalog.migrate();
    await catalog.ensureProject(DEFAULT_PROJECT.id, DEFAULT_PROJECT.name);
    const audit = await auditLog(config, catalog);
    const actor = `cli:${safeUser()}`;
    return await fn({ catalog, record: async (e) => void (await audit.record({ ...e, actor, ip: null, outcome: 0 })) });
  } finally {
    await catalog.close();
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}
