import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { sniffContainer } from '../../../src/formats/video/sniff.ts';
import { kindOf, refusal } from '../../../web/src/sniff.ts';
import { ROOT } from '../../helpers/server.ts';

const head = async (path: string) => new Uint8Array((await readFile(join(ROOT, 'test/fixtures', path))).subarray(0, 512));

test('the browser check accepts the fixtures of every supported container', async () => {
  const cases: [string, string][] = [
    ['phantom-mat/ap4_patient.mat', 'mat'],
    ['dicom/jpeg_baseline_mono2.dcm', 'dicom'],
    ['video/mjpeg.avi', 'avi'],
    ['video/h264_with_audio.mp4', 'iso-video'],
    ['video/vp9.webm', 'matroska'],
  ];
  for (const [path, kind] of cases) {
    const bytes = await head(path);
    assert.equal(kindOf(bytes), kind, path);
    assert.equal(refusal(path.split('/').pop()!, bytes), null, path);
  }
  // DICOM without the preamble (a bare data set) is left to the server, which reads it.
  for (const path of ['dicom/meta_no_preamble.dcm', 'dicom/raw_explicit_le.dcm', 'dicom/raw_implicit_le.dcm']) {
    assert.equal(refusal(path.split('/').pop()!, await head(path)), null, path);
  }
});

test('the browser check refuses with the reason: wrong content, mismatched extension, empty, unknown', async () => {
  const text = new TextEncoder().encode('just some text, not a cine at all');
  assert.match(refusal('x.mat', text)!, /MATLAB/);
  assert.match(refusal('x.dcm', text)!, /DICM/);
  assert.match(refusal('notes.txt', text)!, /not a supported cine/);
  assert.match(refusal('clip.avi', await head('phantom-mat/ap4_patient.mat'))!, /content is MAT/);
  assert.match(refusal('x.mat', new Uint8Array())!, /empty/);
});

test('an old QuickTime file starting with a free atom is sent when its name says MOV or MP4, as the server reads it', () => {
  const head = new Uint8Array(64);
  head.set([0, 0, 0, 8], 0);
  head.set(new TextEncoder().encode('free'), 4);
  assert.equal(refusal('old.mov', head), null);
  assert.equal(refusal('old.mp4', head), null);
  assert.match(refusal('old.bin', head)!, /not a supported cine/);
  // The server agrees on both counts.
  assert.equal(sniffContainer(head, 'old.mov'), 'mov');
  assert.equal(sniffContainer(head, 'old.bin'), null);
});
