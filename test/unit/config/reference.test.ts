import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configReference } from '../../../src/config/reference.ts';

test('docs/configuration.md matches the schema (run `npm run docs:config` after changing it)', () => {
  const onDisk = readFileSync(new URL('../../../docs/configuration.md', import.meta.url), 'utf8');
  assert.equal(onDisk, configReference());
});
