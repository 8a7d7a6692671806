import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import pg from 'pg';
import { runCli } from '../helpers/cli.ts';
import { freshPostgresDatabase } from '../helpers/postgres.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let server: TestServer;
let database: Awaited<ReturnType<typeof freshPostgresDatabase>>;

before(async () => {
  database = await freshPostgresDatabase();
  server = await startServer({ env: { ECHO_CLOUD_DATABASE: database.url, ECHO_CLOUD_WORKERS: '0' } });
});

after(async () => {
  await server?.cleanup();
  await database?.cleanup();
});

test('on PostgreSQL too: concurrent requests chain without gaps, verify passes, an edited entry is caught', async () => {
  const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 4 === 0 ? fetch(new URL('/v1/clips', server.url)) : server.fetch('/v1/clips'))));
  assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([200, 401]));
  const env = { ECHO_CLOUD_DATA_DIR: server.dataDir, ECHO_CLOUD_DATABASE: database.url };
  const ok = await runCli(['audit', 'verify', '--json'], env);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).entries, 40);

  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    await client.query("UPDATE audit_log SET ip = '10.0.0.9' WHERE seq = 17");
    const edited = await runCli(['audit', 'verify'], env);
    assert.equal(edited.code, 1);
    assert.match(edited.stderr, /audit trail broken at seq 17: .*edited/);
  } finally {
    await client.end();
  }
});
