import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { loadConfig } from '../../src/config/load.ts';
import { openCine } from '../../src/formats/open-cine.ts';
import { ingestUpload } from '../../src/ingest/ingest-upload.ts';
import type { ObjectStore } from '../../src/ports/object-store.ts';
import { createStore } from '../../src/wiring/adapters.ts';
import { openEmbedded } from '../helpers/embedded.ts';
import { PHANTOM_MATS, ROOT, startServer, type TestServer, uploadBytes, waitForClip } from '../helpers/server.ts';
import { tempDir } from '../helpers/temp.ts';

const run = promisify(execFile);
const PY = '/usr/bin/python3';
const MAKE = join(ROOT, 'test/fixtures/dicom/deid/make_phi_fixtures.py');
/** Every identifying value the fixtures carry (make_phi_fixtures.py); none may survive. */
const PHI_VALUES = [
  'DOE^JANE', 'MRN-99887766', '19630415', '061Y', 'ELM STREET', 'OTHER-4455', 'ST ELSEWHERE', 'HOSPITAL ROAD', 'ACC-55501234',
  'HOUSE^GREGORY', 'CUDDY^LISA', 'SONOGRAPHER', '20240102', '101112', 'STUDY-7788', 'JANE DOE', 'SN-ECHO-31337', 'ECHO-ROOM-3',
  'PRIVATE-PHI', 'ACME ECHO PRIVATE', 'NESTED^DOE', '1.2.826.0.1.3680043.8.498.1111', '1.2.826.0.1.3680043.8.498.2222',
  '1.2.826.0.1.3680043.8.498.3333', '1.2.826.0.1.3680043.8.498.4444',
];
const REMOVED_TAGS = ['(0009,', '(0010,1000)', '(0010,1010)', '(0010,1040)', '(0008,0081)', '(0008,1050)', '(0008,1030)', '(0020,4000)', '(0008,103e)'];
const EMPTIED_TAGS = ['(0010,0010)', '(0010,0020)', '(0010,0030)', '(0010,0040)', '(0008,0050)', '(0008,0080)', '(0008,0090)', '(0008,0020)', '(0008,1070)'];

async function dcmdump(bytes: Buffer, dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, bytes);
  const dump = (await run('dcmdump', ['-q', '+L', path], { maxBuffer: 1 << 26 })).stdout;
  assert.match(dump, /^\(0008,0060\) CS \[US\]/m, `dcmdump printed a whole data set for ${name}`);
  return dump;
}

function uidOf(dump: string, tag: string): string {
  const m = new RegExp(`^${tag.replace(/[(),]/g, (c) => `\\${c}`)} UI \\[([^\\]]+)\\]`, 'm').exec(dump);
  return m?.[1] ?? '';
}

/** The pixels of a native DICOM file as pydicom (an independent reader) decodes them, as raw bytes. */
async function pydicomPixels(path: string): Promise<Buffer> {
  const script = 'import sys,pydicom\nds=pydicom.dcmread(sys.argv[1])\nsys.stdout.buffer.write(ds.pixel_array.tobytes())';
  const { stdout } = await run(PY, ['-c', script, path], { encoding: 'buffer', maxBuffer: 1 << 28 });
  return stdout as unknown as Buffer;
}

async function storedInput(store: ObjectStore, clipId: string): Promise<Buffer> {
  for await (const key of store.list(`inputs/${clipId}/`)) return buffer(await store.get(key));
  throw new Error(`no stored input for ${clipId}`);
}

describe('de-identification on ingest (ECHO_CLOUD_DEIDENTIFY=basic)', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let server: TestServer;
  let store: ObjectStore;
  const dumps = new Map<string, string>();
  const stored = new Map<string, Buffer>();
  const clipIds = new Map<string, string>();

  before(async () => {
    ({ dir, cleanup } = await tempDir());
    await run(PY, [MAKE, join(dir, 'in')]);
    await run(PY, ['-c', 'import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],"w")\nfor p in sys.argv[2:]: z.write(p, "study/"+p.split("/")[-1])\nz.close()', join(dir, 'in', 'study.zip'), join(dir, 'in', 'phi_implicit.dcm'), join(dir, 'in', 'phi_no_regions.dcm')]);
    server = await startServer({ env: { ECHO_CLOUD_DEIDENTIFY: 'basic' } });
    for (const f of ['phi_ybr_cine.dcm', 'phi_ybr_cine_again.dcm', 'phi_implicit.dcm', 'phi_no_regions.dcm']) {
      const res = await uploadBytes(server, f, await readFile(join(dir, 'in', f)));
      assert.equal(res.status, 202, await res.clone().text());
      clipIds.set(f, ((await res.json()) as { id: string }).id);
    }
    store = await createStore(loadConfig({ ECHO_CLOUD_DATA_DIR: server.dataDir }));
    await mkdir(join(dir, 'out'));
    for (const [f, id] of clipIds) {
      const bytes = await storedInput(store, id);
      stored.set(f, bytes);
      dumps.set(f, await dcmdump(bytes, join(dir, 'out'), f));
    }
  });
  after(async () => {
    await store?.close();
    await server?.cleanup();
    await cleanup();
  });

  test('the input fixtures do carry the identifying values (the checks can fail)', async () => {
    const dump = (await run('dcmdump', ['-q', '+L', join(dir, 'in', 'phi_ybr_cine.dcm')], { maxBuffer: 1 << 26 })).stdout;
    for (const v of ['DOE^JANE', 'MRN-99887766', 'ST ELSEWHERE', 'ACC-55501234', 'HOUSE^GREGORY', '(0009,1001)', 'NESTED^DOE']) assert.ok(dump.includes(v), v);
  });

  test('dcmdump finds none of the identifying values or attributes in any stored object', () => {
    for (const [f, dump] of dumps) {
      for (const v of PHI_VALUES) assert.ok(!dump.includes(v), `${f}: ${v} survived:\n${dump.split('\n').filter((l) => l.includes(v)).join('\n')}`);
      for (const t of REMOVED_TAGS) assert.ok(!dump.includes(t), `${f}: ${t} still present`);
      for (const t of EMPTIED_TAGS) assert.match(dump, new RegExp(`^\\${t.slice(0, -1)}\\) \\w\\w \\(no value available\\)`, 'm'), `${f}: ${t} not emptied`);
      assert.match(dump, /^\(0012,0062\) CS \[YES\]/m, f);
      assert.match(dump, /^\(0012,0063\) LO \[PS3\.15 E\.1 Basic Profile/m, f);
      assert.match(dump, /\(0008,0100\) SH \[113100\]/, f);
      assert.match(dump, /TransferSyntax: Little Endian Explicit/, f);
      // also the raw bytes, in case a value hides where dcmdump does not print it
      const raw = stored.get(f)!.toString('latin1');
      for (const v of PHI_VALUES) assert.ok(!raw.includes(v), `${f}: ${v} in the stored bytes`);
    }
  });

  test('UIDs are replaced; the same input UID maps to the same output UID within the project', () => {
    const a = dumps.get('phi_ybr_cine.dcm')!;
    const b = dumps.get('phi_ybr_cine_again.dcm')!;
    for (const tag of ['(0020,000d)', '(0020,000e)', '(0020,0052)', '(0008,0018)']) {
      assert.match(uidOf(a, tag), /^2\.25\.\d+$/, tag);
      assert.ok(!uidOf(a, tag).startsWith('1.2.826.0.1.3680043.8.498'), tag);
    }
    assert.equal(uidOf(a, '(0020,000d)'), uidOf(b, '(0020,000d)'));
    assert.equal(uidOf(a, '(0020,000e)'), uidOf(b, '(0020,000e)'));
    assert.notEqual(uidOf(a, '(0008,0018)'), uidOf(b, '(0008,0018)'));
    assert.equal(uidOf(a, '(0002,0003)'), uidOf(a, '(0008,0018)'));
    // the SOP Instance UID referenced inside a kept sequence is remapped the same way
    assert.match(a, new RegExp(`\\(0008,1155\\) UI \\[${uidOf(a, '(0008,0018)').replace(/\./g, '\\.')}\\]`));
  });

  test('pixels outside the ultrasound region are 0 and inside are unchanged (pydicom reads the output)', async () => {
    const input = await openCine(join(dir, 'in', 'phi_ybr_cine.dcm'), { limits: { maxDecodedBytes: 1 << 30 } });
    const out = await pydicomPixels(join(dir, 'out', 'phi_ybr_cine.dcm'));
    const { width: w, height: h, channels: c, frames } = input;
    assert.equal(out.length, frames * w * h * c);
    const [x0, y0, x1, y1] = [84, 31, 595, 414]; // (0018,6018..601e) of the fixture (beyond its 320×240: clipped)
    let outsideNonZeroInInput = 0;
    for (let i = 0; i < frames; i++) {
      const f = (await input.frame(i)) as Uint8Array;
      const o = out.subarray(i * w * h * c, (i + 1) * w * h * c);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const inside = x >= x0 && x <= x1 && y >= y0 && y <= y1;
          for (let k = 0; k < c; k++) {
            const p = (y * w + x) * c + k;
            if (inside) assert.equal(o[p], f[p], `frame ${i} (${x},${y}) inside changed`);
            else {
              if (f[p] !== 0) outsideNonZeroInInput++;
              assert.equal(o[p], 0, `frame ${i} (${x},${y}) outside not blanked`);
            }
          }
        }
      }
    }
    await input.close();
    assert.ok(outsideNonZeroInInput > 1000, 'the input has content outside the region (burned-in text) to blank');
  });

  test('without ultrasound regions the top band (10 %) is blanked and the rest kept', async () => {
    const input = await openCine(join(dir, 'in', 'phi_no_regions.dcm'), { limits: { maxDecodedBytes: 1 << 30 } });
    const out = await pydicomPixels(join(dir, 'out', 'phi_no_regions.dcm'));
    const { width: w, height: h, channels: c } = input;
    const f = (await input.frame(0)) as Uint8Array;
    const band = Math.ceil(h * 0.1);
    assert.ok(out.subarray(0, band * w * c).every((v) => v === 0));
    assert.ok(f.subarray(0, band * w * c).some((v) => v !== 0));
    assert.deepEqual(out.subarray(band * w * c), Buffer.from(f.subarray(band * w * c)));
    await input.close();
  });

  test('the model still classifies the de-identified cine', async () => {
    const done = await waitForClip(server, clipIds.get('phi_ybr_cine.dcm')!, 120_000);
    assert.equal(done.status, 'done', JSON.stringify(done.error));
    const doc = (await (await server.fetch(`/v1/clips/${clipIds.get('phi_ybr_cine.dcm')}/result`)).json()) as { input: { frames: number; width: number } };
    assert.equal(doc.input.frames, 30);
    assert.equal(doc.input.width, 320);
  });

  test('a zip study: each DICOM is de-identified', async () => {
    const res = await uploadBytes(server, 'study.zip', await readFile(join(dir, 'in', 'study.zip')));
    assert.equal(res.status, 202, await res.clone().text());
    const body = (await res.json()) as { clips: { id: string }[] };
    assert.equal(body.clips.length, 2);
    for (const c of body.clips) {
      const dump = await dcmdump(await storedInput(store, c.id), join(dir, 'out'), `${c.id}.dcm`);
      for (const v of PHI_VALUES) assert.ok(!dump.includes(v), `${c.id}: ${v}`);
      assert.match(dump, /^\(0012,0062\) CS \[YES\]/m);
    }
  });

  test('a MAT upload is refused with 422 ECHO_ERR_DEIDENTIFY_REFUSED and nothing is stored or spooled', async () => {
    const res = await uploadBytes(server, 'ap4.mat', await readFile(join(PHANTOM_MATS, 'ap4_patient.mat')));
    assert.equal(res.status, 422);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, 'ECHO_ERR_DEIDENTIFY_REFUSED');
    assert.match(error.message, /ap4\.mat/);
    const spool = join(server.dataDir, 'work', 'deidentify');
    assert.deepEqual(await readdir(spool), []);
  });
});

describe('UID remapping across projects', () => {
  test('the same input UID maps to one UID within a project and to another in a second project', async () => {
    const emb = await openEmbedded({ ECHO_CLOUD_DEIDENTIFY: 'basic' });
    const { dir, cleanup } = await tempDir();
    try {
      await run(PY, [MAKE, dir]);
      await emb.catalog.ensureProject('proj_b', 'B');
      const bytes = await readFile(join(dir, 'phi_implicit.dcm'));
      const studyUid = async (projectId: string, name: string): Promise<string> => {
        const out = await ingestUpload(emb.ingest, { name, body: Readable.from([bytes]), source: 'http', projectId });
        assert.equal(out.kind, 'clip');
        const dump = await dcmdump(await buffer(await emb.store.get(out.kind === 'clip' ? out.clip.inputKey : '')), dir, `${projectId}-${name}`);
        return uidOf(dump, '(0020,000d)');
      };
      const a1 = await studyUid('default', 'a1.dcm');
      const a2 = await studyUid('default', 'a2.dcm');
      const b1 = await studyUid('proj_b', 'b1.dcm');
      assert.match(a1, /^2\.25\.\d+$/);
      assert.equal(a1, a2);
      assert.notEqual(a1, b1);
      assert.match(b1, /^2\.25\.\d+$/);
    } finally {
      await cleanup();
      await emb.close();
    }
  });
});

describe('de-identification settings for other formats and missing regions', () => {
  test('OTHER_FORMATS=pass stores a MAT unchanged; WITHOUT_REGIONS=refuse refuses a cine without regions; spools are cleaned', async () => {
    const emb = await openEmbedded({ ECHO_CLOUD_DEIDENTIFY: 'basic', ECHO_CLOUD_DEIDENTIFY_OTHER_FORMATS: 'pass', ECHO_CLOUD_DEIDENTIFY_WITHOUT_REGIONS: 'refuse' });
    const { dir, cleanup } = await tempDir();
    try {
      const mat = await readFile(join(PHANTOM_MATS, 'ap4_patient.mat'));
      const out = await ingestUpload(emb.ingest, { name: 'ap4.mat', body: Readable.from([mat]), source: 'http', projectId: 'default' });
      assert.equal(out.kind === 'clip' && out.clip.format, 'mat-v5');
      assert.deepEqual(await buffer(await emb.store.get(out.kind === 'clip' ? out.clip.inputKey : '')), mat);

      await run(PY, [MAKE, dir]);
      await assert.rejects(
        ingestUpload(emb.ingest, { name: 'nr.dcm', body: Readable.from([await readFile(join(dir, 'phi_no_regions.dcm'))]), source: 'http', projectId: 'default' }),
        { code: 'DEIDENTIFY_REFUSED' },
      );
      const inputs: string[] = [];
      for await (const k of emb.store.list('inputs/')) inputs.push(k);
      assert.equal(inputs.length, 1);
      assert.deepEqual(await readdir(join(emb.dir, 'work', 'deidentify')), []);
    } finally {
      await cleanup();
      await emb.close();
    }
  });
});
