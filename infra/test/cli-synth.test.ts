import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const infra = new URL('..', import.meta.url).pathname;

describe('npx cdk synth', () => {
  it('synthesizes without an AWS account or credentials, with cdk-nag reports and no lookups', () => {
    const out = mkdtempSync(join(tmpdir(), 'echo-cdk-out-'));
    const home = mkdtempSync(join(tmpdir(), 'echo-cdk-home-'));
    try {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '',
        HOME: home,
        // No credentials anywhere: an SDK call would fail fast instead of reaching for a profile.
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_EC2_METADATA_DISABLED: 'true',
        CDK_DISABLE_VERSION_CHECK: 'true',
        CI: 'true',
      };
      const run = spawnSync('npx', ['--no-install', 'cdk', 'synth', '--quiet', '--no-notices', '--output', out], {
        cwd: infra,
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
      const template = JSON.parse(readFileSync(join(out, 'EchoCloud.template.json'), 'utf8'));
      assert.ok(Object.keys(template.Resources).length > 50);
      assert.deepEqual(Object.keys(template.Parameters).filter((p) => !p.startsWith('BootstrapVersion')).sort(), [
        'CertificateArn',
        'MaxReceiveCount',
        'WorkerImageId',
      ]);
      const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
      assert.equal(manifest.artifacts.EchoCloud.environment, 'aws://unknown-account/us-east-1');
      assert.ok(!JSON.stringify(manifest).includes('missing'), 'no context lookup was needed');
      for (const pack of ['AwsSolutions', 'HIPAA.Security']) {
        const report = readFileSync(join(out, `${pack}--EchoCloud-NagReport.csv`), 'utf8');
        const rows = report.trim().split('\n').slice(1);
        assert.ok(rows.length > 50, `${pack} report has rows`);
        const compliance = rows.map((row) => /^"[^"]*","[^"]*","([^"]*)"/.exec(row)?.[1]);
        assert.ok(compliance.every((c) => c === 'Compliant' || c === 'Suppressed' || c === 'N/A'), `${pack}: ${[...new Set(compliance)]}`);
        assert.ok(compliance.includes('Compliant') && compliance.includes('Suppressed'));
        assert.deepEqual(rows.filter((row) => row.includes('"Non-Compliant"')), [], `${pack}: unacknowledged findings`);
      }
      const assets = JSON.parse(readFileSync(join(out, 'EchoCloud.assets.json'), 'utf8'));
      const images = Object.values(assets.dockerImages) as { source: { dockerFile: string } }[];
      assert.deepEqual(images.map((i) => i.source.dockerFile).sort(), ['Dockerfile', 'Dockerfile.worker']);
    } finally {
      rmSync(out, { recursive: true, force: true });
      rmSync(home, { recursive: true, force: true });
    }
  });
});
