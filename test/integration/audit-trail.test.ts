import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.ts';
import { PHANTOM_MATS, startServer, type TestServer, uploadBytes, waitForClip } from '../helpers/server.ts';

interface Line {
  seq: number;
  at: string;
  actor: string;
  project: string | null;
  action: string;
  object: string | null;
  ip: string | null;
  outcome: number;
  detail: string | null;
  hash: string;
}

let server: TestServer;
let clipId: string;
const audit = (args: string[]) => runCli(['audit', ...args], { ECHO_CLOUD_DATA_DIR: server.dataDir });

before(async () => {
  server = await startServer();
  const up = await uploadBytes(server, 'ap4_patient.mat', readFileSync(join(PHANTOM_MATS, 'ap4_patient.mat')));
  clipId = ((await up.json()) as { id: string }).id;
  await waitForClip(server, clipId);
  for (const path of [`/v1/clips/${clipId}/result`, `/v1/clips/${clipId}/result.csv`, '/v1/clips']) assert.equal((await server.fetch(path)).status, 200);
  const refused = await fetch(new URL('/v1/clips', server.url), { headers: { authorization: 'Bearer ec_thisisnotavalidtokenatall' } });
  assert.equal(refused.status, 401);
});

after(async () => {
  await server?.cleanup();
});

test('every read and write of clip data and every authentication is recorded: who, what, which, when, where, outcome', async () => {
  const out = await audit(['export']);
  assert.equal(out.code, 0, out.stderr);
  const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as Line);
  const find = (action: string, object: string | null = clipId) => lines.find((l) => l.action === action && (object === null || l.object === object));
  const upload = find('clip.upload');
  assert.ok(upload, `an upload entry in ${out.stdout}`);
  assert.equal(upload.actor, 'env-admin');
  assert.equal(upload.project, 'default');
  assert.equal(upload.ip, '127.0.0.1');
  assert.equal(upload.outcome, 202);
  assert.equal(upload.detail, 'auth=env-admin');
  assert.ok(Math.abs(Date.parse(upload.at) - Date.now()) < 120_000);
  for (const action of ['clip.get', 'clip.result', 'clip.result-csv']) assert.equal(find(action)?.outcome, 200, action);
  assert.equal(find('clip.list', null)?.outcome, 200);
  const failure = find('auth.failure', null);
  assert.ok(failure);
  assert.equal(failure.actor, 'anonymous');
  assert.equal(failure.outcome, 401);
  assert.equal(failure.detail, 'unknown; GET /v1/clips');
  assert.deepEqual(
    lines.map((l) => l.seq),
    lines.map((_, i) => i + 1),
  );
  const later = await audit(['export', '--since', new Date(Date.now() + 60_000).toISOString()]);
  assert.equal(later.stdout, '');
});

test('audit verify passes on the real log, then catches an edited and a deleted entry by seq', async () => {
  const ok = await audit(['verify']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, /audit trail intact: \d+ entries/);
  await server.stop();

  const db = new Database(join(server.dataDir, 'catalog.sqlite'));
  try {
    const row = db.prepare("SELECT seq, outcome FROM audit_log WHERE action = 'auth.failure'").get() as { seq: number; outcome: number };
    db.prepare('UPDATE audit_log SET outcome = 200 WHERE seq = ?').run(row.seq);
    const edited = await audit(['verify']);
    assert.equal(edited.code, 1);
    assert.match(edited.stderr, new RegExp(`^error ECHO_ERR_AUDIT_BROKEN: audit trail broken at seq ${row.seq}: .*edited`));
    db.prepare('UPDATE audit_log SET outcome = ? WHERE seq = ?').run(row.outcome, row.seq);
    assert.equal((await audit(['verify'])).code, 0, 'restored, it verifies again');

    const last = db.prepare('SELECT MAX(seq) AS seq FROM audit_log').get() as { seq: number };
    db.prepare('DELETE FROM audit_log WHERE seq = ?').run(last.seq);
    const truncated = await audit(['verify', '--json']);
    assert.equal(truncated.code, 1);
    assert.equal(JSON.parse(truncated.stdout).firstBadSeq, last.seq);
    assert.match(truncated.stderr, new RegExp(`seq ${last.seq}: entries seq ${last.seq}\\.\\.${last.seq} are missing`));

    db.prepare('DELETE FROM audit_log WHERE seq = 2').run();
    const middle = await audit(['verify']);
    assert.equal(middle.code, 1);
    assert.match(middle.stderr, /broken at seq 2: entry seq 2 is missing/);
  } finally {
    db.close();
  }
});
