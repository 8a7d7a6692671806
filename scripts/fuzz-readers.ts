/**
 * `npm run fuzz:readers`: the long fuzz campaign over every reader (outside CI; the test suite runs a
 * short version per reader). Real fixtures of each format are mutated (byte flips, truncations, inserted
 * bytes, overwritten runs), written to a file and opened through the registry like an upload, reading
 * every frame under a small decode cap. The property: each case resolves, or rejects with a coded
 * EchoError from the reader's catalogue (CINE_* or UNSUPPORTED_FORMAT), within a time bound — never
 * another exception, a hang or a crash. Prints counts per format and outcome.
 *
 * Env: FUZZ_RUNS (cases per format, default 2000; video is capped at a quarter: each case runs ffprobe),
 *      FUZZ_SEED (default 20261126), FUZZ_CAP_BYTES (decode cap, default 4 MiB), FUZZ_TIMEOUT_MS (5000).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import fc from 'fast-check';
import { isEchoError } from '../src/errors/catalogue.ts';
import { openCine } from '../src/formats/open-cine.ts';
import { applyMutation, type Mutation, mutation } from '../test/helpers/mutations.ts';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);
const CAP = Number(process.env.FUZZ_CAP_BYTES ?? 4 * 1024 * 1024);
const TIMEOUT = Number(process.env.FUZZ_TIMEOUT_MS ?? 5000);
const ROOT = new URL('../test/fixtures/', import.meta.url).pathname;

const GROUPS: { name: string; dir: string; exts: string[]; share: number }[] = [
  { name: 'mat-v5', dir: 'mat', exts: ['.mat'], share: 1 },
  { name: 'mat-v73', dir: 'mat-v73', exts: ['.mat'], share: 1 },
  { name: 'dicom', dir: 'dicom', exts: ['.dcm'], share: 1 },
  { name: 'video', dir: 'video', exts: ['.avi', '.mp4', '.mkv', '.webm'], share: 0.25 },
];

/** Several mutations in a row: the shared single-step mutations of the per-reader fuzz tests. */
function mutate(base: Uint8Array, ms: Mutation[]): Uint8Array {
  return ms.reduce((bytes, m) => (bytes.length === 0 ? bytes : applyMutation(bytes, m)), base);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'echo-fuzz-'));
  const started = Date.now();
  let failures = 0;
  try {
    for (const group of GROUPS) {
      const folder = join(ROOT, group.dir);
      const files = readdirSync(folder, { recursive: true })
        .map(String)
        .filter((f) => group.exts.includes(extname(f).toLowerCase()))
        .map((f) => join(folder, f));
      const bases = files.map((f) => ({ name: f.split('/').pop()!, bytes: new Uint8Array(readFileSync(f)) }));
      const counts = new Map<string, number>();
      const runs = Math.max(1, Math.round(RUNS * group.share));
      const t0 = Date.now();
      try {
        await fc.assert(
          fc.asyncProperty(fc.nat({ max: bases.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (which, ms) => {
            const base = bases[which]!;
            const path = join(dir, `case${extname(base.name)}`);
            writeFileSync(path, mutate(base.bytes, ms));
            const begin = Date.now();
            let outcome = 'opened';
            try {
              const cine = await openCine(path, { name: base.name, limits: { maxDecodedBytes: CAP } });
              try {
                for (let i = 0; i < cine.frames; i++) await cine.frame(i);
              } finally {
                await cine.close();
              }
            } catch (err) {
              if (!isEchoError(err) || !(err.code.startsWith('CINE_') || err.code === 'UNSUPPORTED_FORMAT')) throw err;
              outcome = err.code;
            }
            const took = Date.now() - begin;
            if (took > TIMEOUT) throw new Error(`${base.name}: a case took ${took} ms (bound ${TIMEOUT} ms)`);
            counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
          }),
          { numRuns: runs, seed: SEED, endOnFailure: true },
        );
      } catch (err) {
        failures++;
        console.error(`FAIL ${group.name}: ${(err as Error).message.split('\n').slice(0, 8).join('\n')}`);
      }
      const summary = [...counts].sort().map(([k, v]) => `${k} ${v}`).join(', ');
      console.log(`${group.name}: ${runs} cases over ${bases.length} fixtures in ${((Date.now() - t0) / 1000).toFixed(1)} s — ${summary}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`fuzz:readers seed ${SEED}: ${failures === 0 ? 'no failure' : `${failures} format(s) failed`} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  process.exitCode = failures === 0 ? 0 : 1;
}

await main();
