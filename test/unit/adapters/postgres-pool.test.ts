/**
 * The PostgreSQL catalog's connection pool, on the machine's PostgreSQL: close() returns only when every
 * connection is really closed (the flake of catalog.postgres.test.ts: the cleanup's DROP DATABASE ... WITH
 * (FORCE) terminated a connection pg-pool was still closing, whose 'error' then went unhandled after the
 * test), and an idle connection that fails (PostgreSQL restarted) is reported, not a crash.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { createPostgresCatalog } from '../../../src/adapters/catalog/postgres/create-postgres-catalog.ts';
import { isEchoError } from '../../../src/errors/catalogue.ts';
import { freshPostgresDatabase, POSTGRES_ADMIN_URL } from '../../helpers/postgres.ts';

async function backends(database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    const { rows } = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    return rows[0].n as number;
  } finally {
    await admin.end();
  }
}

async function terminate(database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
  await admin.end();
}

test('close() resolves only once every pooled connection is closed, so dropping the database right after finds none', async () => {
  const { url, cleanup } = await freshPostgresDatabase();
  const database = new URL(url).pathname.slice(1);
  try {
    for (let round = 0; round < 5; round++) {
      const catalog = createPostgresCatalog(url);
      await catalog.migrate();
      // Several connections at once, all idle in the pool when close() is called.
      await Promise.all(Array.from({ length: 6 }, () => catalog.listProjects()));
      await catalog.close();
      assert.equal(await backends(database), 0, `round ${round}: a connection outlived close()`);
    }
  } finally {
    await cleanup();
  }
});

test('idle connections terminated by the server are reported through onWarning as ECHO_ERR_CATALOG_FAILED (no crash), a use on one is ECHO_ERR_CATALOG_FAILED, a later use reconnects', async () => {
  const { url, cleanup } = await freshPostgresDatabase();
  const database = new URL(url).pathname.slice(1);
  const warnings: { message: string; code: string }[] = [];
  const catalog = createPostgresCatalog(url, { onWarning: (message, err) => warnings.push({ message, code: err.wireCode }) });
  try {
    await catalog.migrate();
    await Promise.all(Array.from({ length: 3 }, () => catalog.listProjects()));
    await terminate(database); // what a PostgreSQL restart does to idle connections
    const deadline = Date.now() + 5000;
    while (warnings.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.ok(warnings.length >= 1, 'the lost idle connection was reported');
    assert.equal(warnings[0]!.code, 'ECHO_ERR_CATALOG_FAILED');
    assert.match(warnings[0]!.message, /idle connection failed/);
    // A dead connection not yet noticed may still be handed out once: that use fails with the coded error;
    // after at most one failure per pooled connection, a new connection answers.
    let answered = false;
    for (let attempt = 0; attempt <= 3 && !answered; attempt++) {
      try {
        answered = Array.isArray(await catalog.listProjects());
      } catch (err) {
        assert.ok(isEchoError(err, 'CATALOG_FAILED'), `a use on a dead connection is ECHO_ERR_CATALOG_FAILED: ${err}`);
      }
    }
    assert.ok(answered, 'a later use opens a new connection');
    assert.ok(warnings.every((w) => w.code === 'ECHO_ERR_CATALOG_FAILED'));

    await cleanup(); // the database is gone (DROP ... WITH (FORCE) terminates the pool's connections too)
    await assert.rejects(catalog.listProjects(), (err) => isEchoError(err, 'CATALOG_FAILED'));
  } finally {
    await catalog.close();
    await cleanup();
  }
});
