import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EchoError } from '../../errors/catalogue.ts';

export const AUDIT_HEAD_FILE = 'audit-head';
export const AUDIT_KEY_FILE = 'audit-key';

/** The newest entry's seq and hash, signed with the audit key, kept outside the catalog. */
export interface AuditHead {
  seq: number;
  hash: string;
  mac: string;
}

/**
 * The signed head of the audit chain. The chain alone shows an edited or a removed middle entry, but not
 * the removal of the newest entries (the shorter chain is still a valid chain). The head, stored in
 * `<data>/audit-head` apart from the catalog and signed with HMAC-SHA256 under the audit key, records how
 * far the chain reached: `audit verify` reports entries missing below it. Someone with write access to the
 * catalog alone can neither shorten nor rewrite the chain unnoticed; they would also need the key.
 */
export interface AuditHeadStore {
  read(): Promise<AuditHead | null>;
  /** Records a newer head; an older one (another process got further) is left as it is. */
  advance(seq: number, hash: string): Promise<void>;
  sign(seq: number, hash: string): string;
  valid(head: AuditHead): boolean;
  path: string;
}

/** The audit key: ECHO_CLOUD_AUDIT_KEY, else `<data>/audit-key` (32 random bytes, created mode 0600 on first use). */
export async function loadAuditKey(dataDir: string, configured: string | null): Promise<Buffer> {
  if (configured) return Buffer.from(configured, 'utf8');
  const path = join(dataDir, AUDIT_KEY_FILE);
  const existing = await readFile(path, 'utf8').then((t) => t.trim(), () => null);
  if (existing) {
    if (!/^[0-9a-f]{64}$/.test(existing)) throw new EchoError('CONFIG_INVALID', `${path}: the audit key file must hold 64 hex digits`);
    return Buffer.from(existing, 'hex');
  }
  const key = randomBytes(32);
  await writeFile(path, `${key.toString('hex')}\n`, { mode: 0o600, flag: 'wx' }).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  await chmod(path, 0o600);
  return loadAuditKey(dataDir, null);
}

export function auditHeadStore(dataDir: string, key: Buffer): AuditHeadStore {
  const path = join(dataDir, AUDIT_HEAD_FILE);
  const sign = (seq: number, hash: string) => createHmac('sha256', key).update(`echo-cloud audit head\n${seq}\n${hash}`).digest('hex');
  const store: AuditHeadStore = {
    path,
    sign,
    valid(head) {
      const want = Buffer.from(sign(head.seq, head.hash), 'hex');
      const got = Buffer.from(head.mac, 'hex');
      return got.length === want.length && timingSafeEqual(got, want);
    },
    async read() {
      const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return null;
        throw err;
      });
      if (text === null) return null;
      try {
        const h = JSON.parse(text) as AuditHead;
        if (Number.isSafeInteger(h.seq) && typeof h.hash === 'string' && typeof h.mac === 'string') return h;
      } catch {}
      return { seq: -1, hash: '', mac: '' }; // unreadable: reported as an invalid signature
    },
    async advance(seq, hash) {
      const current = await store.read().catch(() => null);
      if (current && store.valid(current) && current.seq >= seq) return;
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify({ seq, hash, mac: sign(seq, hash) })}\n`, { mode: 0o600 });
      await rename(tmp, path);
    },
  };
  return store;
}
