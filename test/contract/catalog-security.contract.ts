import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Catalog } from '../../src/ports/catalog.ts';
import { chainEntry } from '../../src/security/audit/chain.ts';
import { randomId } from '../../src/util/ids.ts';

/** The security part of the Catalog contract (migration 0002-security-auth), run against every adapter. */
export function catalogSecurityContract(name: string, make: () => Promise<{ catalog: Catalog; cleanup: () => Promise<void> }>): void {
  describe(`Catalog security contract: ${name}`, () => {
    let catalog: Catalog;
    let cleanup: () => Promise<void>;
    before(async () => {
      ({ catalog, cleanup } = await make());
      await catalog.migrate();
      await catalog.ensureProject('pa', 'A');
      await catalog.ensureProject('pb', 'B');
    });
    after(async () => {
      await catalog.close();
      await cleanup();
    });

    test('projects are listed and looked up', async () => {
      assert.deepEqual((await catalog.listProjects()).map((p) => p.id).filter((id) => id === 'pa' || id === 'pb'), ['pa', 'pb']);
      assert.equal((await catalog.getProject('pa'))?.name, 'A');
      assert.equal(await catalog.getProject('nope'), null);
    });

    test('tokens are listed per project and revoked only within their project', async () => {
      const id = randomId('tok');
      await catalog.createToken({ id, hash: randomId('h'), projectId: 'pa', role: 'viewer', label: 'x', createdAt: 1, expiresAt: null });
      assert.ok((await catalog.listTokens('pa')).some((t) => t.id === id));
      assert.ok(!(await catalog.listTokens('pb')).some((t) => t.id === id));
      assert.equal(await catalog.revokeToken(id, 'pb', 5), false, 'another project cannot revoke it');
      assert.equal(await catalog.revokeToken(id, 'pa', 5), true);
      assert.equal(await catalog.revokeToken(id, 'pa', 6), false, 'already revoked');
      assert.equal((await catalog.listTokens()).find((t) => t.id === id)?.revokedAt, 5);
    });

    test('grants are upserted per project and subject and found by any of the subjects', async () => {
      await catalog.putGrant({ projectId: 'pa', subject: 'sub:u1', role: 'viewer', createdAt: 1 });
      await catalog.putGrant({ projectId: 'pa', subject: 'sub:u1', role: 'uploader', createdAt: 2 });
      await catalog.putGrant({ projectId: 'pb', subject: 'email:u1@x.org', role: 'admin', createdAt: 3 });
      const found = await catalog.findGrants(['sub:u1', 'email:u1@x.org']);
      assert.deepEqual(
        found.map((g) => [g.projectId, g.subject, g.role]),
        [
          ['pa', 'sub:u1', 'uploader'],
          ['pb', 'email:u1@x.org', 'admin'],
        ],
      );
      assert.deepEqual(await catalog.findGrants([]), []);
      assert.equal((await catalog.listGrants('pb')).length, 1);
    });

    test('appendAudit chains entries, in batches too, and serialises concurrent writers without gaps or duplicates', async () => {
      const event = (i: number) => ({ actor: `t${i}`, projectId: 'pa', action: 'clip.get', object: null, ip: '127.0.0.1', outcome: 200, detail: null });
      const written = (await Promise.all(Array.from({ length: 20 }, (_, i) => catalog.appendAudit((prev) => [chainEntry(prev, event(i))])))).flat();
      assert.deepEqual(written.map((e) => e.seq).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
      // a batch: several entries chained in one transaction
      const batch = await catalog.appendAudit((prev) => {
        const first = chainEntry(prev, event(20));
        return [first, chainEntry(first, event(21))];
      });
      assert.deepEqual(batch.map((e) => e.seq), [21, 22]);
      assert.deepEqual(await catalog.appendAudit(() => []), []);
      const all = await catalog.listAudit({ limit: 100 });
      assert.equal(all.length, 22);
      for (let i = 1; i < all.length; i++) assert.equal(all[i]!.prevHash, all[i - 1]!.hash, `entry ${all[i]!.seq} links to its predecessor`);
      assert.deepEqual(all[3], written.find((e) => e.seq === 4), 'entries read back exactly as written');
      assert.deepEqual((await catalog.listAudit({ afterSeq: 20, limit: 100 })).map((e) => e.seq), [21, 22]);
      assert.equal((await catalog.listAudit({ since: Math.max(...all.map((e) => e.at)) + 1, limit: 100 })).length, 0);
    });
  });
}
