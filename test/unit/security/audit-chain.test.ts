import assert from 'node:assert/strict';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteCatalog } from '../../../src/adapters/catalog/sqlite/create-sqlite-catalog.ts';
import { createAuditLog } from '../../../src/security/audit/audit-log.ts';
import { auditHeadStore, loadAuditKey } from '../../../src/security/audit/head.ts';
import { verifyAuditChain } from '../../../src/security/audit/verify.ts';
import { withTempDir } from '../../helpers/temp.ts';

async function withLog(n: number, fn: (ctx: { dir: string; db: Database.Database; verify: () => ReturnType<typeof verifyAuditChain> }) => Promise<void>) {
  await withTempDir(async (dir) => {
    const catalog = createSqliteCatalog(join(dir, 'catalog.sqlite'));
    await catalog.migrate();
    const head = auditHeadStore(dir, await loadAuditKey(dir, null));
    const log = createAuditLog(catalog, head);
    for (let i = 0; i < n; i++) await log.record({ actor: 'tok_a', projectId: 'default', action: 'clip.get', object: `clip_${i}`, ip: '127.0.0.1', outcome: 200, detail: null });
    const db = new Database(join(dir, 'catalog.sqlite'));
    try {
      await fn({ dir, db, verify: () => verifyAuditChain(catalog, head) });
    } finally {
      db.close();
      await catalog.close();
    }
  });
}

test('an untouched chain verifies, and the key file is created 0600', async () => {
  await withLog(5, async ({ dir, verify }) => {
    const v = await verify();
    assert.equal(v.ok, true, v.problem ?? '');
    assert.equal(v.entries, 5);
    assert.equal(v.head?.seq, 5);
    assert.equal((await stat(join(dir, 'audit-key'))).mode & 0o777, 0o600);
  });
});

test('an edited entry is caught at its seq', async () => {
  await withLog(5, async ({ db, verify }) => {
    db.prepare("UPDATE audit_log SET actor = 'tok_other' WHERE seq = 3").run();
    const v = await verify();
    assert.equal(v.ok, false);
    assert.equal(v.firstBadSeq, 3);
    assert.match(v.problem!, /edited/);
  });
});

test('an edited entry whose hash was recomputed breaks the link of the next one', async () => {
  await withLog(5, async ({ db, verify }) => {
    const { entryHash } = await import('../../../src/security/audit/chain.ts');
    const row = db.prepare('SELECT * FROM audit_log WHERE seq = 2').get() as Record<string, unknown>;
    const forged = { seq: 2, at: Number(row.at), actor: 'someone-else', projectId: row.project_id as string, action: row.action as string, object: row.object as string, ip: row.ip as string, outcome: 200, detail: null };
    db.prepare('UPDATE audit_log SET actor = ?, hash = ? WHERE seq = 2').run('someone-else', entryHash(row.prev_hash as string, forged));
    const v = await verify();
    assert.equal(v.firstBadSeq, 3);
    assert.match(v.problem!, /prev_hash/);
  });
});

test('a deleted middle entry is caught as missing', async () => {
  await withLog(5, async ({ db, verify }) => {
    db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
    const v = await verify();
    assert.equal(v.firstBadSeq, 2);
    assert.match(v.problem!, /seq 2 is missing/);
  });
});

test('deleting the newest entries is caught by the signed head', async () => {
  await withLog(5, async ({ db, verify }) => {
    db.prepare('DELETE FROM audit_log WHERE seq >= 4').run();
    const v = await verify();
    assert.equal(v.ok, false);
    assert.equal(v.firstBadSeq, 4);
    assert.match(v.problem!, /4\.\.5 are missing/);
  });
});

test('a head rewritten without the key is refused', async () => {
  await withLog(5, async ({ dir, db, verify }) => {
    db.prepare('DELETE FROM audit_log WHERE seq >= 4').run();
    const headPath = join(dir, 'audit-head');
    const head = JSON.parse(await readFile(headPath, 'utf8'));
    const third = db.prepare('SELECT hash FROM audit_log WHERE seq = 3').get() as { hash: string };
    await writeFile(headPath, JSON.stringify({ ...head, seq: 3, hash: third.hash }));
    const v = await verify();
    assert.equal(v.ok, false);
    assert.match(v.problem!, /invalid signature/);
  });
});
