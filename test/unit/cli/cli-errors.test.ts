/**
 * Bad command lines: every `echo-cloud` command with unknown flags, missing values, wrong types, unknown
 * subcommands or missing files exits non-zero with exactly one line on stderr, `error ECHO_ERR_<CODE>:
 * <message>`, a catalogue code, and no stack trace. Table-driven: a command added later gets a row.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ERRORS } from '../../../src/errors/catalogue.ts';
import { runCli } from '../../helpers/cli.ts';
import { PHANTOM_MATS } from '../../helpers/server.ts';

interface Row {
  args: string[];
  /** The wire code expected, when one in particular is. */
  code?: string;
  /** The message names what was wrong or what is accepted. */
  mentions?: RegExp;
  env?: Record<string, string>;
}

let dir: string;
const MAT = join(PHANTOM_MATS, 'ap4_patient.mat');
const MISSING = '/nonexistent/echo/clip.mat';

const ROWS: Row[] = [
  // global parsing
  { args: ['frobnicate'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /unknown command "frobnicate".*accepted/ },
  { args: ['inspect', MAT, '--bogus'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /--bogus/ },
  { args: ['--no-such-flag'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /--no-such-flag/ },
  { args: ['inspect', MAT, '--variable'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /--variable/ },
  { args: ['inspect', MAT, '--json=yes'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /--json/ },
  // inspect / run
  { args: ['inspect'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /exactly one FILE/ },
  { args: ['inspect', MAT, MAT], code: 'ECHO_ERR_BAD_REQUEST', mentions: /exactly one FILE/ },
  { args: ['inspect', MISSING], code: 'ECHO_ERR_FILE_NOT_FOUND' },
  { args: ['inspect', '/'], code: 'ECHO_ERR_UNSUPPORTED_FORMAT' },
  { args: ['inspect', '@notes'], code: 'ECHO_ERR_UNSUPPORTED_FORMAT' },
  { args: ['inspect', MAT, '--variable', 'No.Such.Var'], code: 'ECHO_ERR_CINE_NO_VARIABLE' },
  { args: ['run'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['run', MISSING], code: 'ECHO_ERR_FILE_NOT_FOUND', mentions: /does not exist/ },
  { args: ['run', MAT, '--model', 'no-such-model@1.0.0'], code: 'ECHO_ERR_MODEL_NOT_FOUND' },
  { args: ['run', MAT, '--model', 'Bad Name!'], code: 'ECHO_ERR_CONFIG_INVALID' },
  // models
  { args: ['models'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['models', 'bogus'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /bogus/ },
  { args: ['models', 'add'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['models', 'add', '/nonexistent/model-dir'], code: 'ECHO_ERR_FILE_NOT_FOUND' },
  { args: ['models', 'activate'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['models', 'activate', 'not-a-version'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['models', 'activate', 'no-such-model@1.0.0'], code: 'ECHO_ERR_MODEL_NOT_FOUND' },
  { args: ['models', 'remove'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['models', 'remove', 'no-such-model@1.0.0'], code: 'ECHO_ERR_MODEL_NOT_FOUND' },
  { args: ['models', 'route'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['models', 'route', 'bogus'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['models', 'route', 'add'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['models', 'route', 'add', 'r1', 'view-classifier@1.0.0', '--format', 'gif'], code: 'ECHO_ERR_MODEL_INVALID', mentions: /gif/ },
  { args: ['models', 'route', 'remove'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['models', 'backfill'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['models', 'backfill', 'view-classifier@1.0.0', '--since', 'not-a-date'], code: 'ECHO_ERR_BAD_REQUEST' },
  // demo / upload
  { args: ['demo', 'a', 'b'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['upload'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['upload', MAT, '--timeout', 'abc'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /--timeout/ },
  { args: ['upload', MAT, '--timeout', '0'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /--timeout/ },
  { args: ['upload', MISSING, '--server', 'http://127.0.0.1:9', '--token', 'x'], code: 'ECHO_ERR_FILE_NOT_FOUND' },
  { args: ['upload', MAT, '--server', 'not a url', '--token', 'x'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /--server/ },
  { args: ['upload', MAT, '--server', 'ftp://127.0.0.1:9', '--token', 'x'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /--server/ },
  { args: ['upload', MAT, '--server', 'http://127.0.0.1:9', '--token', 'x'], code: 'ECHO_ERR_SERVER_UNREACHABLE' },
  // token / project
  { args: ['token'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['token', 'bogus'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['token', 'create'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /--role/ },
  { args: ['token', 'create', '--role', 'god', '--label', 'x'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /god/ },
  { args: ['token', 'create', '--role', 'viewer'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /--label/ },
  { args: ['token', 'create', '--role', 'viewer', '--label', 'x', '--days', 'abc'], code: 'ECHO_ERR_BAD_REQUEST', mentions: /days/ },
  { args: ['token', 'create', '--role', 'viewer', '--label', 'x', '--days', '-1'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['token', 'create', '--role', 'viewer', '--label', 'x', '--project', 'no-such-project'], code: 'ECHO_ERR_NOT_FOUND' },
  { args: ['token', 'revoke'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['token', 'revoke', 'tok_nosuchtoken1'], code: 'ECHO_ERR_NOT_FOUND' },
  { args: ['project'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['project', 'bogus'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['project', 'create'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['project', 'create', 'Bad Id!'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['project', 'grant', 'default', '--role', 'viewer'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['project', 'grant', 'no-such-project', '--role', 'viewer', '--subject', 's'], code: 'ECHO_ERR_NOT_FOUND' },
  { args: ['project', 'grant', 'default', '--role', 'god', '--subject', 's'], code: 'ECHO_ERR_BAD_REQUEST' },
  // audit / keys / serve
  { args: ['audit'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['audit', 'bogus'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['audit', 'export', '--since', 'not-a-date'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['keys'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['keys', 'bogus'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['keys', 'rotate', '--new-key-file', '/nonexistent/key'], code: 'ECHO_ERR_BAD_REQUEST' },
  { args: ['serve'], code: 'ECHO_ERR_CONFIG_INVALID', env: { ECHO_CLOUD_PORT: 'abc' } },
  { args: ['token', 'list'], code: 'ECHO_ERR_CONFIG_INVALID', env: { ECHO_CLOUD_DATABASE: 'mysql://x' } },
];

const CODES = new Set(Object.keys(ERRORS).map((k) => `ECHO_ERR_${k}`));

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'echo-cli-errors-'));
  await writeFile(join(dir, 'notes'), 'not a cine at all\n');
});

after(async () => {
  await rm(dir, { recursive: true, force: true });
});

test('every bad command line exits non-zero with one coded error line and no stack trace', { timeout: 240_000 }, async () => {
  const failures: string[] = [];
  const queue = [...ROWS];
  const worker = async () => {
    for (let row = queue.shift(); row; row = queue.shift()) {
      const args = row.args.map((a) => (a.startsWith('@') ? join(dir, a.slice(1)) : a));
      const r = await runCli(args, { ECHO_CLOUD_DATA_DIR: join(dir, 'data'), ECHO_CLOUD_TOKEN: '', ...row.env });
      const what = `echo-cloud ${args.join(' ')} → exit ${r.code}\nstderr: ${r.stderr}\nstdout: ${r.stdout.slice(0, 300)}`;
      const lines = r.stderr.split('\n').filter((l) => l.length > 0);
      const m = /^error (ECHO_ERR_[A-Z_]+): (.+)$/.exec(lines[0] ?? '');
      if (r.code === 0) failures.push(`exits 0: ${what}`);
      else if (lines.length !== 1 || !m) failures.push(`not one coded line: ${what}`);
      else if (!CODES.has(m[1]!)) failures.push(`not a catalogue code: ${what}`);
      else if (/\n\s+at /.test(r.stderr + r.stdout)) failures.push(`stack trace: ${what}`);
      else if (row.code && m[1] !== row.code) failures.push(`expected ${row.code}: ${what}`);
      else if (row.mentions && !row.mentions.test(m[2]!)) failures.push(`message does not match ${row.mentions}: ${what}`);
    }
  };
  await Promise.all(Array.from({ length: 3 }, worker));
  assert.deepEqual(failures, [], failures.join('\n\n'));
});
