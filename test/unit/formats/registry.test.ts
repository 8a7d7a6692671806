import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isEchoError } from '../../../src/errors/catalogue.ts';
import { openFileSource } from '../../../src/formats/file-source.ts';
import { openCine, SNIFF_BYTES, summarizeCine } from '../../../src/formats/open-cine.ts';
import { detectFormat, FORMATS, readerFor, supportedFormats } from '../../../src/formats/registry.ts';
import { withTempDir } from '../../helpers/temp.ts';

const FIXTURES = fileURLToPath(new URL('../../fixtures/mat/', import.meta.url));
const head = (name: string): Uint8Array => new Uint8Array(readFileSync(join(FIXTURES, name))).subarray(0, SNIFF_BYTES);

test('detectFormat accepts the MAT header whatever the file is called', () => {
  for (const [name, format] of [
    ['patient_uint8_z.mat', 'mat-v5'],
    ['big_endian.mat', 'mat-v5'],
    ['v73.mat', 'mat-v73'],
  ]) {
    assert.equal(detectFormat(head(name!), 'clip.mat'), format, name);
    assert.equal(detectFormat(head(name!), 'upload.bin'), format, name);
    assert.equal(detectFormat(head(name!), 'no-extension'), format, name);
  }
});

test('detectFormat rejects non-MAT content even when it is called .mat', () => {
  const text = new TextEncoder().encode('filename,predicted view\nclip.mat,AP4\n'.repeat(20));
  assert.equal(detectFormat(text, 'clip.mat'), null);
  const png = new Uint8Array(512);
  png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.equal(detectFormat(png, 'clip.mat'), null);
  // A Level 4 MAT file starts with a zero type word: not Level 5.
  const v4 = new Uint8Array(512);
  v4.set([0, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0], 0);
  assert.equal(detectFormat(v4, 'old.mat'), null);
  assert.equal(detectFormat(new Uint8Array(0), 'clip.mat'), null);
});

test('readerFor knows every registered format and names the supported ones otherwise', () => {
  for (const entry of FORMATS) assert.equal(readerFor(entry.reader.format), entry.reader);
  assert.throws(
    () => readerFor('nifti'),
    (err: unknown) => isEchoError(err, 'UNSUPPORTED_FORMAT') && err.message.includes('nifti') && err.message.includes('mat-v5'),
  );
  // every registered format is named, with its description and extensions
  for (const entry of FORMATS) assert.ok(supportedFormats().includes(`${entry.reader.format} (${entry.description}, ${entry.extensions.join('/')})`));
});

test('openCine: content decides, the name is only for messages; summarizeCine is what inspect prints', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'upload.bin');
    await writeFile(path, readFileSync(join(FIXTURES, 'patient_uint8_z.mat')));
    const cine = await openCine(path, { limits: { maxDecodedBytes: 1 << 20 }, name: 'A4C clip.mat' });
    assert.deepEqual(summarizeCine(cine), { format: 'mat-v5', frames: 6, height: 24, width: 32, channels: 1, fps: 30 });
    await cine.close();

    const other = join(dir, 'notes.mat');
    await writeFile(other, 'not a cine\n');
    await assert.rejects(
      openCine(other, { limits: { maxDecodedBytes: 1 << 20 } }),
      (err: unknown) => isEchoError(err, 'UNSUPPORTED_FORMAT') && /notes\.mat/.test(err.message) && /mat-v5/.test(err.message),
    );
  });
});

test('file source: positional reads, short at the end, closes once', async () => {
  await withTempDir(async (dir) => {
    const path = join(dir, 'x.bin');
    await writeFile(path, Uint8Array.from({ length: 100 }, (_, i) => i));
    const source = await openFileSource(path);
    assert.equal(source.name, 'x.bin');
    assert.equal(source.size, 100);
    assert.equal(source.path, path);
    assert.deepEqual(Array.from(await source.read(10, 3)), [10, 11, 12]);
    assert.deepEqual(Array.from(await source.read(98, 10)), [98, 99]);
    assert.equal((await source.read(200, 10)).length, 0);
    await source.close();
    await source.close();
    await assert.rejects(openFileSource(join(dir, 'missing.bin')), (err: unknown) => isEchoError(err, 'FILE_NOT_FOUND'));
  });
});

test('openCine closes the file when the cine is closed, and when opening fails', { skip: !existsSync('/proc/self/fd') }, async () => {
  const openFds = (): number => readdirSync('/proc/self/fd').length;
  const before = openFds();
  const cine = await openCine(join(FIXTURES, 'patient_uint8_raw.mat'), { limits: { maxDecodedBytes: 1 << 20 } });
  assert.equal(openFds(), before + 1);
  await cine.frame(0);
  await cine.close();
  assert.equal(openFds(), before);
  await assert.rejects(openCine(join(FIXTURES, 'no_cine.mat'), { limits: { maxDecodedBytes: 1 << 20 } }));
  await assert.rejects(openCine(join(FIXTURES, 'expected.json'), { limits: { maxDecodedBytes: 1 << 20 } }));
  assert.equal(openFds(), before);
});
