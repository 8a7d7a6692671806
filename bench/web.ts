/**
 * `npm run bench:web`: how fast the web app shows a processed clip, and how big its JavaScript is.
 *
 * - Time to first frame: in Debian chromium (headless, playwright-core), from opening a done clip's viewer
 *   URL (navigation start) to the first frame drawn on the canvas (the app's `echo:first-frame`
 *   performance mark). Each run is a fresh browser context (no HTTP cache, token put in sessionStorage
 *   before the page loads). The first open renders the frame pack server-side ("cold", reported apart);
 *   the median is over the following BENCH_RUNS opens, which read the cached pack.
 * - App shell size: the JavaScript of web/dist, gzipped with zlib (default level) and summed.
 *
 * Env: BENCH_RUNS (default 15), BENCH_FRAMES (48), BENCH_HEIGHT (600), BENCH_WIDTH (800): the contract's
 * example cine, as a MAT v5 phantom.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { ensureWebBuilt } from '../scripts/ensure-web.ts';
import { writePatientMat } from '../src/formats/mat-v5/write-mat.ts';
import { generatePhantom } from '../src/phantom/index.ts';
import { CHROMIUM } from '../test/helpers/browser.ts';
import { ROOT, startServer, uploadBytes, waitForClip } from '../test/helpers/server.ts';
import { median } from './lib/stats.ts';

const int = (name: string, dflt: number) => Number(process.env[name] ?? dflt);
const RUNS = int('BENCH_RUNS', 15);
const FRAMES = int('BENCH_FRAMES', 48);
const HEIGHT = int('BENCH_HEIGHT', 600);
const WIDTH = int('BENCH_WIDTH', 800);
const TARGET_MS = 500;
const TARGET_GZIP = 200 * 1024;


function shellSize(): { files: { name: string; bytes: number; gzip: number }[]; bytes: number; gzip: number } {
  const dir = join(ROOT, 'web', 'dist', 'assets');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.js'))
    .map((name) => {
      const bytes = readFileSync(join(dir, name));
      return { name, bytes: bytes.length, gzip: gzipSync(bytes).length };
    });
  return { files, bytes: files.reduce((s, f) => s + f.bytes, 0), gzip: files.reduce((s, f) => s + f.gzip, 0) };
}

async function main(): Promise<void> {
  ensureWebBuilt(true);
  const size = shellSize();
  const phantom = generatePhantom({ view: 'AP4', quality: 0.8, seed: 7, frames: FRAMES, height: HEIGHT, width: WIDTH });
  const server = await startServer();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  try {
    const res = await uploadBytes(server, 'bench-ap4.mat', writePatientMat(phantom.frames, phantom.height, phantom.width));
    const { id } = (await res.json()) as { id: string };
    const clip = await waitForClip(server, id, 120_000);
    if (clip.status !== 'done') throw new Error(`the bench clip ended ${clip.status}: ${JSON.stringify(clip.error)}`);

    const open = async (): Promise<number> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      await context.addInitScript(`sessionStorage.setItem('echo-cloud.token', ${JSON.stringify(server.token)})`);
      const page = await context.newPage();
      try {
        await page.goto(`${server.url}/clips/${id}`);
        await page.locator('[data-testid=viewer-canvas][data-first-frame]').waitFor({ timeout: 60_000 });
        return (await page.evaluate("performance.getEntriesByName('echo:first-frame')[0].startTime")) as number;
      } finally {
        await context.close();
      }
    };
    const cold = await open();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await open());
    const index = (await (await server.fetch(`/v1/clips/${id}/frames.json`)).json()) as { offsets: number[]; width: number; height: number };
    const report = {
      date: new Date().toISOString(),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, chromium ${browser.version()} headless`,
      cine: { frames: FRAMES, height: HEIGHT, width: WIDTH, format: 'mat-v5', pack_bytes: index.offsets.at(-1), rendered: `${index.width}x${index.height}` },
      first_frame_ms: { cold_first_open: Math.round(cold), median: Math.round(median(times)), min: Math.round(Math.min(...times)), max: Math.round(Math.max(...times)), runs: times.map(Math.round) },
      shell_js: size,
      targets: { first_frame_ms: TARGET_MS, shell_gzip_bytes: TARGET_GZIP },
      met: { first_frame: median(times) < TARGET_MS, shell_size: size.gzip < TARGET_GZIP },
    };
    mkdirSync(join(ROOT, 'bench', 'out'), { recursive: true });
    writeFileSync(join(ROOT, 'bench', 'out', 'web.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`clip: ${FRAMES} frames of ${WIDTH}x${HEIGHT} (MAT v5), frame pack ${(report.cine.pack_bytes! / 1024).toFixed(0)} kB`);
    console.log(`first frame after opening the viewer: median ${report.first_frame_ms.median} ms over ${RUNS} runs (min ${report.first_frame_ms.min}, max ${report.first_frame_ms.max}); first open incl. server-side render ${report.first_frame_ms.cold_first_open} ms (target < ${TARGET_MS} ms)`);
    console.log(`app shell JS: ${(size.bytes / 1024).toFixed(1)} kB, ${(size.gzip / 1024).toFixed(1)} kB gzipped (target < ${TARGET_GZIP / 1024} kB)`);
    console.log('bench/out/web.json written');
  } finally {
    await browser.close();
    await server.cleanup();
  }
}

await main();
