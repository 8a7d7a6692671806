import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeDemoFiles } from '../../src/demo/write-demo-files.ts';
import { startServer, type TestServer, uploadBytes, waitForClip } from '../helpers/server.ts';

/** Zips files with Python's zipfile (an independent writer): entries as [name in zip, path or bytes]. */
function makeZip(out: string, entries: [string, string][]): void {
  const script = 'import sys, zipfile, json\nz = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)\nfor name, src in json.loads(sys.argv[2]):\n    z.writestr(name, open(src, "rb").read() if src else b"not a cine\\n" * 20)\nz.close()';
  execFileSync('/usr/bin/python3', ['-c', script, out, JSON.stringify(entries)]);
}

describe('a zip of DICOM files becomes one study of clips', () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    server = await startServer();
    dir = await mkdtemp(join(tmpdir(), 'echo-zip-'));
  });
  after(async () => {
    await server.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  test('each cine becomes a clip in one study; other entries are listed as rejected', async () => {
    const { files } = await writeDemoFiles(dir);
    const dcm = files.filter((f) => f.format === 'dicom');
    const zip = join(dir, 'study-42.zip');
    makeZip(zip, [
      ['series1/IM0001', dcm[0]!.path],
      ['series1/IM0002', dcm[1]!.path],
      ['series2/IM0001', dcm[2]!.path],
      ['README.txt', ''],
      ['__MACOSX/._IM0001', ''],
    ]);
    const res = await uploadBytes(server, 'study-42.zip', readFileSync(zip));
    const body = (await res.json()) as { study_id: string; study: string; clips: { id: string; name: string; study_id: string }[]; rejected: { name: string; error: { code: string } }[] };
    assert.equal(res.status, 202, JSON.stringify(body));
    assert.equal(body.study, 'study-42');
    assert.deepEqual(body.clips.map((c) => c.name).sort(), ['series1_IM0001', 'series1_IM0002', 'series2_IM0001']);
    assert.ok(body.clips.every((c) => c.study_id === body.study_id));
    assert.deepEqual(body.rejected.map((r) => [r.name, r.error.code]), [['README.txt', 'ECHO_ERR_UNSUPPORTED_FORMAT']]);
    for (const c of body.clips) {
      const done = await waitForClip(server, c.id);
      assert.equal(done.status, 'done', JSON.stringify(done.error));
    }
  });

  test('a zip with no cine, a damaged zip and a zip-slip entry are refused with coded errors', async () => {
    const empty = join(dir, 'nothing.zip');
    makeZip(empty, [['notes.txt', '']]);
    const r1 = await uploadBytes(server, 'nothing.zip', readFileSync(empty));
    assert.equal(r1.status, 415);
    assert.match(((await r1.json()) as { error: { message: string } }).error.message, /zip nothing\.zip holds no supported cine/);

    const bytes = readFileSync(empty);
    const r2 = await uploadBytes(server, 'cut.zip', bytes.subarray(0, bytes.length - 30));
    assert.equal(r2.status, 422);
    assert.equal(((await r2.json()) as { error: { code: string } }).error.code, 'ECHO_ERR_CINE_CORRUPT');

    const { files } = await writeDemoFiles(join(dir, 'slip'));
    const slip = join(dir, 'slip.zip');
    makeZip(slip, [['../../etc/IM1', files.find((f) => f.format === 'dicom')!.path], ['ok/IM2', files.find((f) => f.format === 'dicom')!.path]]);
    const r3 = await uploadBytes(server, 'slip.zip', readFileSync(slip));
    const b3 = (await r3.json()) as { error: { code: string; message: string } };
    assert.equal(r3.status, 400);
    assert.equal(b3.error.code, 'ECHO_ERR_INVALID_NAME');
    assert.match(b3.error.message, /slip\.zip has an entry that climbs out of its folder/);
  });
});
