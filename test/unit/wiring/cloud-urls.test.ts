/** Choosing the cloud adapters by URL, and the AWS and Spot settings. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.ts';
import { createQueue, createStore, s3Location } from '../../../src/wiring/adapters.ts';

const base = { ECHO_CLOUD_DATA_DIR: '/tmp/echo-cloud-urls' };

test('s3:// and sqs:// are accepted; the S3 location splits into bucket and prefix', () => {
  const config = loadConfig({ ...base, ECHO_CLOUD_STORE: 's3://echo-bucket/site/a/', ECHO_CLOUD_QUEUE: 'sqs://echo-jobs', ECHO_CLOUD_AWS_REGION: 'eu-west-1' });
  assert.equal(config.storeUrl, 's3://echo-bucket/site/a/');
  assert.equal(config.queueUrl, 'sqs://echo-jobs');
  assert.equal(config.awsRegion, 'eu-west-1');
  assert.deepEqual(s3Location(config.storeUrl), { bucket: 'echo-bucket', prefix: 'site/a' });
  assert.deepEqual(s3Location('s3://echo-bucket'), { bucket: 'echo-bucket', prefix: '' });
  assert.deepEqual(s3Location('s3://echo-bucket/with%20space'), { bucket: 'echo-bucket', prefix: 'with space' });
});

test('other schemes and bad endpoints are refused naming the variable', () => {
  assert.throws(() => loadConfig({ ...base, ECHO_CLOUD_QUEUE: 'https://sqs.eu-west-1.amazonaws.com/1/q' }), { code: 'CONFIG_INVALID', message: /ECHO_CLOUD_QUEUE/ });
  assert.throws(() => loadConfig({ ...base, ECHO_CLOUD_STORE: 'gs://bucket' }), { code: 'CONFIG_INVALID', message: /ECHO_CLOUD_STORE/ });
  assert.throws(() => loadConfig({ ...base, ECHO_CLOUD_AWS_ENDPOINT: 'localhost:4566' }), { code: 'CONFIG_INVALID', message: /ECHO_CLOUD_AWS_ENDPOINT/ });
  assert.throws(() => loadConfig({ ...base, ECHO_CLOUD_SPOT: 'maybe' }), { code: 'CONFIG_INVALID', message: /ECHO_CLOUD_SPOT/ });
  assert.throws(() => loadConfig({ ...base, ECHO_CLOUD_SPOT_POLL_MS: '10' }), { code: 'CONFIG_INVALID', message: /ECHO_CLOUD_SPOT_POLL_MS/ });
});

test('spot and protection default off; the metadata endpoint defaults to the EC2 link-local address', () => {
  const config = loadConfig(base);
  assert.equal(config.spot, false);
  assert.equal(config.scaleInProtection, false);
  assert.equal(config.spotPollMs, 5000);
  assert.equal(config.imdsEndpoint, 'http://169.254.169.254');
  assert.equal(loadConfig({ ...base, ECHO_CLOUD_SPOT: 'on' }).spot, true);
});

test('a bad bucket or queue name is CONFIG_INVALID before any request', async () => {
  await assert.rejects(createStore(loadConfig({ ...base, ECHO_CLOUD_STORE: 's3://Bad_Bucket/x' })), { code: 'CONFIG_INVALID' });
  await assert.rejects(createQueue(loadConfig({ ...base, ECHO_CLOUD_QUEUE: 'sqs://bad.name' })), { code: 'CONFIG_INVALID', message: /sqs:\/\/<queue name>/ });
});
