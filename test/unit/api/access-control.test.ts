import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import Fastify from 'fastify';
import { createSqliteCatalog } from '../../../src/adapters/catalog/sqlite/create-sqlite-catalog.ts';
import { registerErrorHandling } from '../../../src/api/error-handler.ts';
import { installAccessControl } from '../../../src/api/security/access-control.ts';
import { registerRateLimits } from '../../../src/api/security/rate-limits.ts';
import { createAuditLog } from '../../../src/security/audit/audit-log.ts';
import { auditHeadStore, loadAuditKey } from '../../../src/security/audit/head.ts';
import { issueToken } from '../../../src/security/token-service.ts';
import { createAuthenticator } from '../../../src/security/tokens.ts';
import { withTempDir } from '../../helpers/temp.ts';

/** A bare Fastify app with the /v1 access control over a real SQLite catalog; the audit trail has its own catalog file. */
async function appWith(dir: string, routes: (v1: import('fastify').FastifyInstance) => void) {
  const catalog = createSqliteCatalog(join(dir, 'catalog.sqlite'));
  await catalog.migrate();
  await catalog.ensureProject('p', 'p');
  const auditCatalog = createSqliteCatalog(join(dir, 'audit.sqlite'));
  await auditCatalog.migrate();
  const audit = createAuditLog(auditCatalog, auditHeadStore(dir, await loadAuditKey(dir, null)));
  const app = Fastify();
  registerErrorHandling(app);
  app.decorateRequest('principal', null);
  const limits = await registerRateLimits(app, { authFailures: 100, uploads: 100, windowSeconds: 60 });
  await app.register(
    async (v1) => {
      installAccessControl(v1, { authenticate: createAuthenticator(catalog, null), audit, limits });
      routes(v1);
    },
    { prefix: '/v1' },
  );
  const token = async (role: string) => (await issueToken(catalog, { projectId: 'p', role, label: role, expiresInDays: null })).token;
  const close = async () => {
    await app.close();
    await catalog.close();
  };
  return { app, catalog, auditCatalog, token, close };
}

test('deny by default: a /v1 route that declares no role needs admin, and is audited under its route', async () => {
  await withTempDir(async (dir) => {
    const { app, token, auditCatalog, close } = await appWith(dir, (v1) => {
      v1.get('/undeclared/:id', async () => ({ ok: true }));
      v1.get('/for-viewers', { config: { role: 'viewer' } }, async () => ({ ok: true }));
    });
    const viewer = await token('viewer');
    const uploader = await token('uploader');
    const admin = await token('admin');
    const get = (url: string, t: string) => app.inject({ url, headers: { authorization: `Bearer ${t}` } });
    assert.equal((await get('/v1/undeclared/x1', viewer)).statusCode, 403);
    assert.equal((await get('/v1/undeclared/x1', uploader)).statusCode, 403);
    assert.equal((await get('/v1/undeclared/x1', admin)).statusCode, 200);
    assert.equal((await get('/v1/for-viewers', viewer)).statusCode, 200);
    const head = await app.inject({ method: 'HEAD', url: '/v1/for-viewers', headers: { authorization: `Bearer ${viewer}` } });
    assert.equal(head.statusCode, 200, 'the HEAD route Fastify adds keeps the role of its GET');
    const entries = await auditCatalog.listAudit({ limit: 10 });
    assert.deepEqual(
      entries.map((e) => [e.action, e.object, e.outcome]),
      [
        ['GET /v1/undeclared/:id', 'x1', 403],
        ['GET /v1/undeclared/:id', 'x1', 403],
        ['GET /v1/undeclared/:id', 'x1', 200],
        ['GET /v1/for-viewers', null, 200],
        ['HEAD /v1/for-viewers', null, 200],
      ],
    );
    assert.match(entries[0]!.detail!, /auth=token ECHO_ERR_FORBIDDEN/);
    await close();
    await auditCatalog.close();
  });
});

test('when the audit entry cannot be written the data is withheld: 500 ECHO_ERR_AUDIT_BROKEN', async () => {
  await withTempDir(async (dir) => {
    const { app, token, auditCatalog, close } = await appWith(dir, (v1) => {
      v1.get('/secret', { config: { role: 'viewer' } }, async () => ({ patient: 'Jane Doe' }));
    });
    const viewer = await token('viewer');
    await auditCatalog.close(); // the audit store is gone (a real failure: its connection is closed)
    const res = await app.inject({ url: '/v1/secret', headers: { authorization: `Bearer ${viewer}` } });
    assert.equal(res.statusCode, 500);
    assert.equal(res.json().error.code, 'ECHO_ERR_AUDIT_BROKEN');
    assert.ok(!res.body.includes('Jane'));
    await close();
  });
});
