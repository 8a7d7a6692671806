/**
 * `npm test`: runs every test file with Node's test runner (each file in its own process), shows the spec
 * report, and ends with the line `N passed, N failed` that CI reads.
 * Arguments narrow the run to files or folders: `npm test -- test/contract`.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function collect(path: string, out: string[]): void {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) {
      if (name === 'fixtures' || name === 'node_modules') continue;
      collect(join(path, name), out);
    }
  } else if (path.endsWith('.test.ts')) {
    out.push(path);
  }
}

const roots = process.argv.slice(2);
const defaults = ['test'];
// infra/ is its own npm package (the AWS CDK app); its tests (assertions, cdk-nag, `cdk synth`) run too once
// `npm ci --prefix infra` has installed it.
if (existsSync('infra/node_modules/aws-cdk-lib')) defaults.push('infra/test');
const files: string[] = [];
for (const root of roots.length > 0 ? roots : defaults) collect(root, files);
if (files.length === 0) {
  console.error('error ECHO_ERR_BAD_REQUEST: no *.test.ts files found under ' + (roots.join(', ') || 'test'));
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'echo-tests-'));
const tap = join(dir, 'report.tap');
const concurrency = process.env.ECHO_CLOUD_TEST_CONCURRENCY ?? '2';
const child = spawn(
  process.execPath,
  [
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=180000',
    '--test-reporter=spec',
    '--test-reporter-destination=stdout',
    '--test-reporter=tap',
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  { stdio: 'inherit' },
);
child.on('exit', (code, signal) => {
  const report = readFileSync(tap, 'utf8');
  const count = (name: string): number => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(report)?.[1] ?? 0);
  const passed = count('pass');
  const failed = count('fail') + count('cancelled');
  rmSync(dir, { recursive: true, force: true });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(code ?? (signal ? 1 : 0));
});
