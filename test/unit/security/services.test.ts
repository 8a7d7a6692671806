import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSqliteCatalog } from '../../../src/adapters/catalog/sqlite/create-sqlite-catalog.ts';
import { createProject, grantRole, grantSubject } from '../../../src/security/project-service.ts';
import { issueToken, listTokenInfo, revokeProjectToken } from '../../../src/security/token-service.ts';
import { createAuthenticator, hashToken } from '../../../src/security/tokens.ts';
import { runCli } from '../../helpers/cli.ts';
import { withTempDir } from '../../helpers/temp.ts';

test('tokens: issued once with an expiry, listed without secrets, revoked within their project only', async () => {
  await withTempDir(async (dir) => {
    const catalog = createSqliteCatalog(join(dir, 'c.sqlite'));
    await catalog.migrate();
    await createProject(catalog, 'lab', 'Lab');
    await createProject(catalog, 'other', null);
    const { token, info } = await issueToken(catalog, { projectId: 'lab', role: 'uploader', label: ' cart 3 ', expiresInDays: 2 }, 1_000);
    assert.match(token, /^ec_/);
    assert.deepEqual({ ...info, id: '' }, { id: '', project: 'lab', role: 'uploader', label: 'cart 3', state: 'active', created_at: new Date(1000).toISOString(), expires_at: new Date(1000 + 2 * 86_400_000).toISOString(), revoked_at: null });
    const listed = JSON.stringify(await listTokenInfo(catalog));
    assert.ok(!listed.includes(token) && !listed.includes(hashToken(token)), 'neither the token nor its hash is listed');
    await assert.rejects(revokeProjectToken(catalog, info.id, 'other'), { code: 'NOT_FOUND' });
    await revokeProjectToken(catalog, info.id, 'lab');
    assert.equal((await listTokenInfo(catalog, 'lab'))[0]!.state, 'revoked');
    await assert.rejects(createAuthenticator(catalog, null)(`Bearer ${token}`), { code: 'UNAUTHORIZED', details: { reason: `revoked:${info.id}` } });
    for (const [bad, code] of [
      [{ role: 'owner' }, 'BAD_REQUEST'],
      [{ expiresInDays: 0 }, 'BAD_REQUEST'],
      [{ expiresInDays: 1.5 }, 'BAD_REQUEST'],
      [{ label: '  ' }, 'BAD_REQUEST'],
      [{ projectId: 'nope' }, 'NOT_FOUND'],
    ] as const) {
      const request: Parameters<typeof issueToken>[1] = { projectId: 'lab', role: 'viewer', label: 'x', expiresInDays: null };
      await assert.rejects(issueToken(catalog, Object.assign(request, bad)), { code }, JSON.stringify(bad));
    }
    await catalog.close();
  });
});

test('projects and grants: ids and subjects are validated, emails normalised, grants need an existing project', async () => {
  await withTempDir(async (dir) => {
    const catalog = createSqliteCatalog(join(dir, 'c.sqlite'));
    await catalog.migrate();
    assert.equal((await createProject(catalog, 'lab', null)).created, true);
    assert.equal((await createProject(catalog, 'lab', 'again')).created, false);
    await assert.rejects(createProject(catalog, 'Lab One', null), { code: 'BAD_REQUEST' });
    assert.equal(grantSubject('email', ' Alice@Example.ORG '), 'email:alice@example.org');
    assert.equal(grantSubject('sub', 'a1b2'), 'sub:a1b2');
    assert.throws(() => grantSubject('email', 'not-an-email'), { code: 'BAD_REQUEST' });
    await assert.rejects(grantRole(catalog, 'lab', 'sub:x', 'root'), { code: 'BAD_REQUEST' });
    await assert.rejects(grantRole(catalog, 'nope', 'sub:x', 'viewer'), { code: 'NOT_FOUND' });
    assert.equal((await grantRole(catalog, 'lab', 'sub:x', 'admin')).role, 'admin');
    await catalog.close();
  });
});

test('the CLI refuses incomplete management commands with a coded one-line error and exit 1', async () => {
  await withTempDir(async (dir) => {
    const env = { ECHO_CLOUD_DATA_DIR: dir };
    for (const args of [
      ['token', 'create', '--label', 'x'],
      ['token', 'frobnicate'],
      ['project', 'grant', 'default', '--role', 'viewer'],
      ['audit', 'export', '--since', 'yesterday'],
    ]) {
      const r = await runCli(args, env);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /^error ECHO_ERR_BAD_REQUEST: .+\n$/, args.join(' '));
    }
    const missing = await runCli(['token', 'revoke', 'tok_0000000000000000'], env);
    assert.match(missing.stderr, /^error ECHO_ERR_NOT_FOUND: no token tok_0000000000000000/);
  });
});
