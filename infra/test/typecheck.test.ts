import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

describe('infra typecheck', () => {
  it('tsc -p infra/tsconfig.json passes (Node only strips the types when it runs the app and tests)', () => {
    const infra = new URL('..', import.meta.url).pathname;
    const run = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], {
      cwd: infra,
      encoding: 'utf8',
      timeout: 120_000,
    });
    assert.equal(run.status, 0, run.stdout + run.stderr);
  });
});
