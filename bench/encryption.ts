/**
 * `npm run bench:encryption` (node bench/encryption.ts): the cost of encryption at rest on one 5 MB cine
 * (a phantom written as uncompressed DICOM, 11 frames 600×800 — a real cine's bytes, not random ones).
 * Each round alternates the plain filesystem store and the encrypting store on the same file:
 * - put: stream the file into the store (sha256, fsync, rename: what an upload does);
 * - get: stream the object back out, read whole;
 * - worker copy: what a worker does with an input when the store has no local path: decrypt into a
 *   private temp file (0600), then delete it. The plain store needs no copy (localPath).
 * Also the cipher alone (in memory, no disk): segment encryption and verified decryption of the file.
 * Reports the median MB/s (file bytes) of each side over BENCH_ROUNDS (default 9) rounds.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createEncryptedObjectStore } from '../src/adapters/store/encrypted/encrypted-object-store.ts';
import { newFixedHeader, PREFIX_BYTES } from '../src/adapters/store/encrypted/format.ts';
import { keyring, masterKey } from '../src/adapters/store/encrypted/keyring.ts';
import { createFsObjectStore } from '../src/adapters/store/fs/fs-object-store.ts';
import { decryptSegments, encryptSegments } from '../src/adapters/store/encrypted/segments.ts';
import { writeDicomCine } from '../src/formats/dicom-writer/write-dicom.ts';
import { generatePhantom } from '../src/phantom/index.ts';
import type { ObjectStore } from '../src/ports/object-store.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const dir = await mkdtemp(join(tmpdir(), 'echo-bench-enc-'));
try {
  const phantom = generatePhantom({ view: 'AP4', seed: 7, frames: 11, height: 600, width: 800, quality: 0.8 });
  const file = join(dir, 'cine.dcm');
  const dicom = writeDicomCine({ frames: phantom.frames, height: 600, width: 800, fps: 30 });
  await writeFile(file, dicom);
  const size = dicom.length;
  const plain = await createFsObjectStore(join(dir, 'plain'));
  const encrypted = createEncryptedObjectStore(await createFsObjectStore(join(dir, 'enc')), keyring(masterKey(randomBytes(32))));
  const sides: [string, ObjectStore][] = [
    ['plain', plain],
    ['encrypted', encrypted],
  ];
  const times: Record<string, { put: number[]; get: number[]; copy: number[] }> = { plain: { put: [], get: [], copy: [] }, encrypted: { put: [], get: [], copy: [] } };
  const time = async (fn: () => Promise<unknown>): Promise<number> => {
    const t0 = performance.now();
    await fn();
    return (performance.now() - t0) / 1000;
  };
  for (let round = 0; round < ROUNDS + 1; round++) {
    for (const [name, store] of round % 2 ? [...sides].reverse() : sides) {
      const key = `inputs/r${round}/cine.dcm`;
      const put = await time(() => store.put(key, createReadStream(file)));
      const get = await time(async () => {
        for await (const _ of await store.get(key));
      });
      const copy = await time(async () => {
        const local = await store.localPath?.(key);
        if (local) return;
        const tmp = join(dir, `job-${round}`);
        await pipeline(await store.get(key), createWriteStream(tmp, { mode: 0o600 }));
        await rm(tmp);
      });
      if (round === 0) continue; // warm-up
      times[name]!.put.push(put);
      times[name]!.get.push(get);
      times[name]!.copy.push(copy);
    }
  }
  const bytes = Buffer.from(dicom);
  const header = { fixed: newFixedHeader(randomBytes(PREFIX_BYTES)), noncePrefix: randomBytes(PREFIX_BYTES) };
  header.noncePrefix.copy(header.fixed, 12);
  const dataKey = randomBytes(32);
  const enc: number[] = [];
  const dec: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const sealed: Buffer[] = [];
    enc.push(
      await time(async () => {
        const body = (async function* () {
          yield bytes;
        })();
        for await (const c of encryptSegments(body, header, dataKey, () => {})) sealed.push(Buffer.from(c));
      }),
    );
    const all = Buffer.concat(sealed);
    dec.push(
      await time(async () => {
        const chunks = (async function* () {
          for (let i = 0; i < all.length; i += 65536) yield all.subarray(i, i + 65536);
        })();
        for await (const _ of decryptSegments(chunks, Buffer.alloc(0), header, dataKey, 'bench', 'bench'));
      }),
    );
  }
  const mb = size / 1e6;
  console.log(`cipher alone (memory): encrypt ${(mb / median(enc)).toFixed(0)} MB/s, decrypt+verify ${(mb / median(dec)).toFixed(0)} MB/s`);
  console.log(`file: ${mb.toFixed(2)} MB (${size} bytes), ${ROUNDS} rounds, medians`);
  console.log('| side | put MB/s | get MB/s | worker copy ms |');
  console.log('| --- | --- | --- | --- |');
  for (const [name] of sides) {
    const t = times[name]!;
    console.log(`| ${name} | ${(mb / median(t.put)).toFixed(0)} | ${(mb / median(t.get)).toFixed(0)} | ${(median(t.copy) * 1000).toFixed(1)} |`);
  }
  await plain.close();
  await encrypted.close();
} finally {
  await rm(dir, { recursive: true, force: true });
}
