/**
 * `npm run bench:readers`: this project's readers against scipy.io.loadmat (MAT) and pydicom (DICOM) on the
 * same files in one run. Both sides read every frame of each file, single-threaded, ROUNDS times; the
 * median per file gives MB/s (file bytes) and frames/s, and the ratio ours / theirs.
 *
 * Files (made here from phantom cines, 48 frames 600×800 grey): MAT v5 compressed and uncompressed
 * (`Patient.DicomImage`), DICOM explicit VR LE (uncompressed) and RLE lossless (dcmtk's dcmcrle).
 * Env: BENCH_ROUNDS (default 5).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { writeDicomCine } from '../src/formats/dicom-writer/write-dicom.ts';
import { writePatientMat } from '../src/formats/mat-v5/write-mat.ts';
import { openCine } from '../src/formats/open-cine.ts';
import { generatePhantom } from '../src/phantom/index.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function readAll(path: string): Promise<number> {
  const t0 = performance.now();
  const cine = await openCine(path, { limits: { maxDecodedBytes: 8 * 1024 ** 3 } });
  for (let i = 0; i < cine.frames; i++) await cine.frame(i);
  await cine.close();
  return (performance.now() - t0) / 1000;
}

function uncompressedMat(frames: Uint8Array[], h: number, w: number): Buffer {
  // writePatientMat compresses; an uncompressed file is the same element without the zlib wrapper.
  const compressed = writePatientMat(frames, h, w);
  const inner = inflateSync(compressed.subarray(136));
  return Buffer.concat([compressed.subarray(0, 128), inner]);
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'echo-bench-readers-'));
  try {
    mkdirSync(dir, { recursive: true });
    const p = generatePhantom({ view: 'AP4', quality: 0.8, seed: 9_800_001, frames: 48, height: 600, width: 800 });
    const files: { label: string; path: string }[] = [];
    const matZ = join(dir, 'cine-z.mat');
    writeFileSync(matZ, writePatientMat(p.frames, p.height, p.width));
    files.push({ label: 'MAT v5, zlib-compressed', path: matZ });
    const matRaw = join(dir, 'cine-raw.mat');
    writeFileSync(matRaw, uncompressedMat(p.frames, p.height, p.width));
    files.push({ label: 'MAT v5, uncompressed', path: matRaw });
    const dcm = join(dir, 'cine.dcm');
    writeFileSync(dcm, writeDicomCine({ frames: p.frames, height: p.height, width: p.width, fps: 30 }));
    files.push({ label: 'DICOM explicit VR LE', path: dcm });
    const rle = join(dir, 'cine-rle.dcm');
    execFileSync('dcmcrle', [dcm, rle]);
    files.push({ label: 'DICOM RLE lossless (dcmcrle)', path: rle });

    const ours: number[][] = files.map(() => []);
    for (let r = 0; r < ROUNDS; r++) for (const [i, f] of files.entries()) ours[i]!.push(await readAll(f.path));
    const theirs = execFileSync('/usr/bin/python3', [new URL('./lib/python-readers.py', import.meta.url).pathname, String(ROUNDS), ...files.map((f) => f.path)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { file: string; seconds: number });

    console.log(`bench:readers — ${ROUNDS} rounds, medians; 48 frames 800×600 grey; both sides single-threaded`);
    console.log('');
    console.log('| file | size | EchoCloud MB/s | frames/s | baseline | baseline MB/s | frames/s | ratio |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    const rows = files.map((f, i) => {
      const mb = statSync(f.path).size / 1e6;
      const us = median(ours[i]!);
      const them = theirs[i]!.seconds;
      const base = f.path.endsWith('.mat') ? 'scipy.io.loadmat' : 'pydicom';
      console.log(`| ${f.label} | ${mb.toFixed(1)} MB | ${(mb / us).toFixed(1)} | ${(48 / us).toFixed(0)} | ${base} | ${(mb / them).toFixed(1)} | ${(48 / them).toFixed(0)} | ${(them / us).toFixed(2)}× |`);
      return { file: f.label, mb, oursSeconds: us, baseline: base, baselineSeconds: them, ratio: them / us };
    });
    mkdirSync('bench/out', { recursive: true });
    writeFileSync('bench/out/readers.json', `${JSON.stringify({ rounds: ROUNDS, rows }, null, 2)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
