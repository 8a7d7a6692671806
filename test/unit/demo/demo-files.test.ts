import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { writeDemoFiles } from '../../../src/demo/write-demo-files.ts';
import { openCine } from '../../../src/formats/open-cine.ts';
import { withTempDir } from '../../helpers/temp.ts';

test('demo files are readable cines, and the DICOM passes dcmtk (an independent reader)', async () => {
  await withTempDir(async (dir) => {
    const { files, skipped } = await writeDemoFiles(dir);
    assert.deepEqual(skipped, []);
    assert.equal(files.length, 15);
    const dcm = files.find((f) => f.format === 'dicom' && f.view === 'AP4')!;
    const dump = execFileSync('dcmdump', ['+P', '0028,0008', '+P', '0028,0010', '+P', '0028,0011', '+P', '0018,1063', '+P', '0008,0060', dcm.path], { encoding: 'utf8' });
    assert.match(dump, /\(0028,0008\) IS \[40\]/);
    assert.match(dump, /\(0028,0010\) US 300/);
    assert.match(dump, /\(0028,0011\) US 400/);
    assert.match(dump, /\(0018,1063\) DS \[33\.333\]/);
    assert.match(dump, /\(0008,0060\) CS \[US\]/);
    for (const f of files.filter((x) => x.view === 'AP4' && x.format !== 'avi')) {
      const cine = await openCine(f.path, { limits: { maxDecodedBytes: 1e9 } });
      assert.deepEqual([cine.frames, cine.height, cine.width], [40, 300, 400], f.path);
      if (f.format === 'dicom') {
        assert.equal(cine.fps !== null && Math.round(cine.fps), 30);
        assert.ok(cine.regions && cine.regions.length === 1);
      }
      await cine.close();
    }
  });
});

test('without ffmpeg the AVI files are skipped with the reason', async () => {
  await withTempDir(async (dir) => {
    const { files, skipped } = await writeDemoFiles(dir, { ffmpeg: '/nonexistent/ffmpeg' });
    assert.equal(files.filter((f) => f.format === 'avi').length, 0);
    assert.match(skipped[0] ?? '', /ffmpeg was not found \(install the Debian package ffmpeg\)/);
  });
});
