import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writePatientMat } from '../../src/formats/mat-v5/write-mat.ts';
import { generatePhantom } from '../../src/phantom/index.ts';
import { alive, startServer, uploadBytes, waitForClip } from '../helpers/server.ts';

test('SIGTERM mid-job: uploads stop, the job is released, and a restarted server finishes it', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'echo-shutdown-'));
  // A long clip so that the job is still running when the signal lands.
  const p = generatePhantom({ view: 'SUBC4', quality: 0.8, seed: 9_400_001, frames: 160, height: 480, width: 640 });
  const bytes = writePatientMat(p.frames, p.height, p.width);
  try {
    const first = await startServer({ dataDir, env: { ECHO_CLOUD_SHUTDOWN_GRACE_SECONDS: '0' } });
    const res = await uploadBytes(first, 'long.mat', bytes);
    const { id } = (await res.json()) as { id: string };
    for (;;) {
      const s = ((await (await first.fetch(`/v1/clips/${id}`)).json()) as { status: string }).status;
      if (s === 'processing') break;
      assert.notEqual(s, 'done', 'the job finished before the signal could land; make the clip longer');
      await new Promise((r) => setTimeout(r, 2));
    }
    const workers = first.workerPids();
    assert.equal(workers.length, 1);
    assert.equal(await first.stop('SIGTERM'), 0);
    for (const pid of workers) assert.equal(alive(pid), false, 'worker left running');
    assert.match(first.output(), /SIGTERM: stopping/);

    const second = await startServer({ dataDir });
    try {
      const clip = await waitForClip(second, id, 120_000);
      assert.equal(clip.status, 'done');
      const doc = (await (await second.fetch(`/v1/clips/${id}/result`)).json()) as { input: { frames: number } };
      assert.equal(doc.input.frames, 160);
    } finally {
      await second.cleanup();
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
