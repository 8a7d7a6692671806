/** The Spot watcher and scale-in protection against local servers speaking IMDSv2 and the Auto Scaling API. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { createImds } from '../../../src/worker/spot/imds.ts';
import { createScaleInProtection } from '../../../src/worker/spot/scale-in-protection.ts';
import { type SpotNotice, startSpotWatcher } from '../../../src/worker/spot/spot-watcher.ts';
import { waitFor } from '../../helpers/embedded.ts';
import { startAutoScalingServer, startImdsServer } from '../../helpers/imds-server.ts';

const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
// The SDK signs Auto Scaling calls: dummy credentials from its default chain (the local server ignores them).
Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });

test('IMDSv2: a token is fetched once and sent on every GET; a 401 fetches a new one; 404 is null', async () => {
  const imds = await startImdsServer();
  try {
    const client = createImds(imds.endpoint);
    assert.equal(await client.get('/latest/meta-data/instance-id'), imds.instanceId);
    assert.equal(await client.get('/latest/meta-data/spot/instance-action'), null);
    assert.equal(imds.requests.filter((r) => r.includes('/latest/api/token')).length, 1);
    imds.revokeTokens();
    assert.equal(await client.get('/latest/meta-data/instance-id'), imds.instanceId);
    assert.deepEqual(imds.requests.slice(-3), ['401 GET /latest/meta-data/instance-id', '200 PUT /latest/api/token', '200 GET /latest/meta-data/instance-id']);
    const raw = await fetch(`${imds.endpoint}/latest/meta-data/instance-id`);
    assert.equal(raw.status, 401, 'the server refuses IMDSv1 (no token)');
  } finally {
    await imds.close();
  }
});

test('the watcher reports the rebalance recommendation, then the interruption notice, each once', async () => {
  const imds = await startImdsServer();
  const notices: SpotNotice[] = [];
  const watcher = startSpotWatcher(createImds(imds.endpoint), { pollMs: 100, log, onNotice: (n) => notices.push(n) });
  try {
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(notices.length, 0);
    imds.rebalance();
    await waitFor('rebalance', async () => notices.length === 1, 2000);
    assert.equal(notices[0]?.kind, 'rebalance');
    const at = Date.now();
    imds.interrupt('stop');
    await waitFor('interruption', async () => notices.length === 2, 2000);
    assert.ok(Date.now() - at < 500, `noticed after ${Date.now() - at} ms with a 100 ms poll`);
    assert.equal(notices[1]?.kind, 'interruption');
    assert.equal(notices[1]?.kind === 'interruption' && notices[1].action, 'stop');
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(notices.length, 2, 'each notice once');
  } finally {
    watcher.stop();
    await imds.close();
  }
});

test('scale-in protection follows busy/idle, one call per change, on the instance from metadata', async () => {
  const imds = await startImdsServer();
  const asg = await startAutoScalingServer(imds.instanceId);
  const client = createImds(imds.endpoint);
  const protection = createScaleInProtection({
    instanceId: async () => (await client.get('/latest/meta-data/instance-id')) ?? '',
    region: 'us-east-1',
    endpoint: asg.endpoint,
    log,
  });
  try {
    await protection.setBusy(true);
    await protection.setBusy(true);
    await protection.setBusy(false);
    await Promise.all([protection.setBusy(true), protection.setBusy(false)]);
    assert.deepEqual(asg.protections, [true, false]);
    await protection.setBusy(true);
    assert.deepEqual(asg.protections, [true, false, true]);
  } finally {
    protection.close();
    await asg.close();
    await imds.close();
  }
});
