import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSqliteCatalog } from '../../../src/adapters/catalog/sqlite/create-sqlite-catalog.ts';
import { ensureAdminToken, localToken } from '../../../src/security/bootstrap-admin.ts';
import { createAuthenticator, generateToken, hashToken } from '../../../src/security/tokens.ts';
import { randomId } from '../../../src/util/ids.ts';
import { withTempDir } from '../../helpers/temp.ts';

test('tokens carry 256 random bits and are stored only as hashes', () => {
  const t = generateToken();
  assert.match(t, /^ec_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(generateToken(), t);
  assert.equal(hashToken(t).length, 64);
});

test('first start writes a 0600 admin token file that authenticates; later starts keep it', async () => {
  await withTempDir(async (dir) => {
    const catalog = createSqliteCatalog(join(dir, 'c.sqlite'));
    await catalog.migrate();
    const path = await ensureAdminToken(catalog, dir, null);
    assert.equal(path, join(dir, 'admin-token'));
    assert.equal((await stat(path!)).mode & 0o777, 0o600);
    const token = (await localToken(dir, {}))!;
    const auth = createAuthenticator(catalog, null);
    assert.deepEqual((await auth(`Bearer ${token}`)).role, 'admin');
    assert.equal(await ensureAdminToken(catalog, dir, null), path);
    assert.equal(await catalog.countTokens(), 1);
    await catalog.close();
  });
});

test('missing, malformed, unknown, expired and revoked tokens are all UNAUTHORIZED', async () => {
  await withTempDir(async (dir) => {
    const catalog = createSqliteCatalog(join(dir, 'c.sqlite'));
    await catalog.migrate();
    await catalog.ensureProject('p', 'p');
    const expired = generateToken();
    await catalog.createToken({ id: randomId('tok'), hash: hashToken(expired), projectId: 'p', role: 'viewer', label: 'x', createdAt: 1, expiresAt: 2 });
    const envAdmin = 'x'.repeat(40);
    const auth = createAuthenticator(catalog, envAdmin);
    for (const header of [undefined, '', 'Basic abc', 'Bearer', `Bearer ${generateToken()}`, `Bearer ${expired}`]) {
      await assert.rejects(auth(header), { code: 'UNAUTHORIZED' }, String(header));
    }
    assert.equal((await auth(`Bearer ${envAdmin}`)).role, 'admin');
    await catalog.close();
  });
});
