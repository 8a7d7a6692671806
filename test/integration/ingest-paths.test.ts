import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { appendFile, copyFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { CLI, PHANTOM_MATS, startServer, type TestServer, waitForClip } from '../helpers/server.ts';
import { waitFor } from '../helpers/embedded.ts';

const run = promisify(execFile);

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

interface ClipList {
  clips: { id: string; name: string; status: string; sha256: string; study_id: string | null; error: { code: string } | null }[];
}

describe('every ingest path creates the same catalog entries and jobs', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ env: { ECHO_CLOUD_INBOX_SETTLE_MS: '500' } });
  });
  after(async () => {
    await server.cleanup();
  });

  test('echo-cloud upload --wait prints the result; bad files exit 2 with a one-line coded error', async () => {
    const ok = await cli(['upload', join(PHANTOM_MATS, 'plax_resized.mat'), '--server', server.url, '--token', server.token, '--wait', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const out = JSON.parse(ok.stdout) as { status: string; result: { prediction: { view: string } } };
    assert.equal(out.status, 'done');
    assert.ok(out.result.prediction.view);

    const missing = await cli(['upload', '/nonexistent/x.mat', '--server', server.url, '--token', server.token]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^error ECHO_ERR_FILE_NOT_FOUND: \/nonexistent\/x\.mat: no such file\n$/);

    const notCine = await cli(['upload', join(PHANTOM_MATS, 'make_phantom_mats.py'), '--server', server.url, '--token', server.token]);
    assert.equal(notCine.code, 2);
    assert.match(notCine.stderr, /^error ECHO_ERR_UNSUPPORTED_FORMAT: .*make_phantom_mats\.py.*supported: .*mat-v5/);
    assert.ok(!notCine.stderr.includes('    at '));

    const badToken = await cli(['upload', join(PHANTOM_MATS, 'plax_resized.mat'), '--server', server.url, '--token', 'wrong-token-wrong-token']);
    assert.equal(badToken.code, 1);
    assert.match(badToken.stderr, /^error ECHO_ERR_UNAUTHORIZED:/);

    const down = await cli(['upload', join(PHANTOM_MATS, 'plax_resized.mat'), '--server', 'http://127.0.0.1:9', '--token', 'x'.repeat(20)]);
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^error ECHO_ERR_SERVER_UNREACHABLE: cannot reach http:\/\/127\.0\.0\.1:9/);
  });

  test('a file dropped in the inbox is ingested once complete, then removed from the inbox', async () => {
    const inbox = join(server.dataDir, 'inbox', 'study-inbox');
    await mkdir(inbox, { recursive: true });
    const bytes = readFileSync(join(PHANTOM_MATS, 'psaxm_patient.mat'));
    const target = join(inbox, 'slow.mat');
    // written in slices slower than nothing but faster than the settle time: must be taken whole, once
    for (let i = 0; i < 4; i++) {
      await appendFile(target, bytes.subarray((i * bytes.length) / 4, ((i + 1) * bytes.length) / 4));
      await new Promise((r) => setTimeout(r, 150));
    }
    await waitFor('inbox file removed', async () => !existsSync(target));
    const list = (await (await server.fetch('/v1/clips')).json()) as ClipList;
    const mine = list.clips.filter((c) => c.name === 'slow.mat');
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.sha256, createHash('sha256').update(bytes).digest('hex'));
    assert.match(mine[0]!.study_id ?? '', /^st_/);
    assert.equal((await waitForClip(server, mine[0]!.id)).status, 'done');
  });

  test('an inbox file that cannot be ingested moves to .rejected with its coded error', async () => {
    const target = join(server.dataDir, 'inbox', 'notes.txt');
    await writeFile(target, 'this is not a cine\n'.repeat(50));
    await waitFor('rejected', async () => !existsSync(target));
    const rejected = join(server.dataDir, 'inbox', '.rejected');
    const files = await readdir(rejected);
    const moved = files.find((f) => f.endsWith('-notes.txt'));
    assert.ok(moved, files.join(','));
    assert.match(await readFile(join(rejected, `${moved}.error.txt`), 'utf8'), /^ECHO_ERR_UNSUPPORTED_FORMAT: /);
  });

  test('inspect and run work without a server', async () => {
    const file = join(PHANTOM_MATS, 'ap4_patient.mat');
    const inspect = await cli(['inspect', file, '--json']);
    assert.equal(inspect.code, 0, inspect.stderr);
    const info = JSON.parse(inspect.stdout) as Record<string, unknown>;
    assert.deepEqual([info.format, info.frames, info.height, info.width, info.channels], ['mat-v5', 24, 160, 192, 1]);
    const copy = join(server.dataDir, 'copy.mat');
    await copyFile(file, copy);
    const runRes = await cli(['run', copy, '--json']);
    assert.equal(runRes.code, 0, runRes.stderr);
    const doc = JSON.parse(runRes.stdout) as { prediction: { view: string; probabilities: Record<string, number> }; model: { name: string } };
    assert.equal(doc.model.name, 'view-classifier');
    assert.equal(Object.keys(doc.prediction.probabilities).length, 13);
    const bad = await cli(['inspect', join(PHANTOM_MATS, 'make_phantom_mats.py')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error ECHO_ERR_UNSUPPORTED_FORMAT: /);
    const usage = await cli(['frobnicate']);
    assert.equal(usage.code, 1);
    assert.match(usage.stderr, /^error ECHO_ERR_BAD_REQUEST: unknown command "frobnicate"/);
  });
});
