import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/load.ts';

test('defaults: embedded adapters under ./data, 127.0.0.1:8080', () => {
  const c = loadConfig({});
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.port, 8080);
  assert.match(c.storeUrl, /^file:\/\/.*\/data\/objects$/);
  assert.match(c.queueUrl, /^sqlite:\/\/.*\/data\/queue\.sqlite$/);
  assert.match(c.databaseUrl, /^sqlite:\/\/.*\/data\/catalog\.sqlite$/);
  assert.deepEqual(c.model, { name: 'view-classifier', version: null });
  assert.ok(Object.isFrozen(c));
});

test('a bad setting stops start-up naming the variable and what is accepted', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ ECHO_CLOUD_PORT: 'eighty' }, /ECHO_CLOUD_PORT="eighty" is invalid: expected an integer >= 0 and <= 65535/],
    [{ ECHO_CLOUD_PORT: '70000' }, /ECHO_CLOUD_PORT/],
    [{ ECHO_CLOUD_WORKERS: '-1' }, /ECHO_CLOUD_WORKERS/],
    [{ ECHO_CLOUD_ROLE: 'boss' }, /ECHO_CLOUD_ROLE="boss" is invalid: expected one of all, api, worker/],
    [{ ECHO_CLOUD_INBOX: 'maybe' }, /ECHO_CLOUD_INBOX.*true or false/],
    [{ ECHO_CLOUD_DATABASE: 'mysql://x' }, /ECHO_CLOUD_DATABASE.*sqlite or postgres/],
    [{ ECHO_CLOUD_MODEL: 'Bad Name' }, /ECHO_CLOUD_MODEL/],
    [{ ECHO_CLOUD_ADMIN_TOKEN: 'short' }, /ECHO_CLOUD_ADMIN_TOKEN=<hidden> is invalid: expected at least 32 characters/],
  ];
  for (const [env, message] of cases) {
    assert.throws(() => loadConfig(env), (e: unknown) => (e as { code: string }).code === 'CONFIG_INVALID' && message.test((e as Error).message), JSON.stringify(env));
  }
});

test('model reference and postgres URL are accepted', () => {
  const c = loadConfig({ ECHO_CLOUD_MODEL: 'view-classifier@1.0.0', ECHO_CLOUD_DATABASE: 'postgres://u@127.0.0.1:5432/db', ECHO_CLOUD_EXECUTION_PROVIDERS: 'cuda, cpu' });
  assert.deepEqual(c.model, { name: 'view-classifier', version: '1.0.0' });
  assert.equal(c.databaseUrl, 'postgres://u@127.0.0.1:5432/db');
  assert.deepEqual(c.executionProviders, ['cuda', 'cpu']);
});
