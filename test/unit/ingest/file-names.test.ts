import assert from 'node:assert/strict';
import { test } from 'node:test';
import { stem, validateFileName } from '../../../src/ingest/file-names.ts';
import { validateKey } from '../../../src/ports/object-keys.ts';

test('plain file names pass, path tricks are refused with INVALID_NAME', () => {
  for (const ok of ['a.mat', 'echo 1 (AP4).mat', 'clip.v2.dcm', 'é.avi']) assert.equal(validateFileName(ok), ok);
  for (const bad of ['', '.', '..', '../etc/passwd', 'a/b.mat', 'a\\b.mat', '/abs.mat', '.hidden', 'a\u0000.mat', 'a\n.mat', 'x'.repeat(300)]) {
    assert.throws(() => validateFileName(bad), { code: 'INVALID_NAME' }, JSON.stringify(bad));
  }
});

test('stem drops only the last extension', () => {
  assert.equal(stem('a.b.mat'), 'a.b');
  assert.equal(stem('noext'), 'noext');
  assert.equal(stem('.rc'), '.rc');
});

test('validateKey accepts nested relative keys only', () => {
  assert.equal(validateKey('inputs/clip_1/a.mat'), 'inputs/clip_1/a.mat');
  assert.throws(() => validateKey('inputs/../x'), { code: 'INVALID_KEY' });
});
