import assert from 'node:assert/strict';
import { test } from 'node:test';
import { codeFromWire, EchoError, ERRORS, toEchoError } from '../../../src/errors/catalogue.ts';

test('every catalogue entry has an HTTP status and an exit code of 1 or 2', () => {
  for (const [code, entry] of Object.entries(ERRORS)) {
    assert.ok(entry.status >= 400 && entry.status < 600, code);
    assert.ok(entry.exit === 1 || entry.exit === 2, code);
  }
});

test('wire codes round-trip and unknown codes map to INTERNAL', () => {
  const err = new EchoError('UPLOAD_EMPTY', 'file "a.mat" has 0 bytes');
  assert.equal(err.wireCode, 'ECHO_ERR_UPLOAD_EMPTY');
  assert.equal(codeFromWire(err.wireCode), 'UPLOAD_EMPTY');
  assert.equal(codeFromWire('ECHO_ERR_NOPE'), 'INTERNAL');
  assert.deepEqual(err.toJSON(), { code: 'ECHO_ERR_UPLOAD_EMPTY', message: 'file "a.mat" has 0 bytes' });
});

test('toEchoError keeps coded errors and wraps others', () => {
  const coded = new EchoError('NOT_FOUND', 'x');
  assert.equal(toEchoError(coded), coded);
  const wrapped = toEchoError(new Error('boom'), 'STORE_FAILED', 'writing inputs/a');
  assert.equal(wrapped.code, 'STORE_FAILED');
  assert.equal(wrapped.message, 'writing inputs/a: boom');
});
