/**
 * The web app in a real browser (Debian chromium via playwright-core) against the real server: sign in,
 * upload three cines of different formats, watch them reach `done` live, play one in the viewer, check
 * the overlay against the API, download the CSV. Screenshots go to test-artifacts/.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { ARTIFACTS, launchBrowser } from '../helpers/browser.ts';
import { writeDemoFiles } from '../../src/demo/write-demo-files.ts';
import { writeDicomCine } from '../../src/formats/dicom-writer/write-dicom.ts';
import { generatePhantom } from '../../src/phantom/index.ts';
import { CHUNK_BYTES, RESUMABLE_ABOVE } from '../../web/src/upload-limits.ts';
import { ROOT, startServer, type TestServer, uploadBytes, waitForClip } from '../helpers/server.ts';

const FILES = [
  join(ROOT, 'test/fixtures/phantom-mat/ap4_patient.mat'),
  join(ROOT, 'test/fixtures/dicom/real/examples_ybr_color.dcm'),
  join(ROOT, 'test/fixtures/video/mjpeg.avi'),
];

let server: TestServer;
let browser: Browser;
let page: Page;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  await server?.cleanup();
});

async function apiJson<T>(path: string): Promise<T> {
  const res = await server.fetch(path);
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as T;
}

test('sign-in refuses a wrong token and accepts the right one', async () => {
  await page.goto(server.url);
  await page.getByLabel('API token').fill('not-a-token');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').filter({ hasText: 'not valid' }).waitFor();
  await page.screenshot({ path: join(ARTIFACTS, 'web-signin.png') });
  await page.getByLabel('API token').fill(server.token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('[data-testid=live-state]', { hasText: 'Live' }).waitFor({ timeout: 15_000 });
});

test('an unsupported file is refused in the browser with the reason, before sending', async () => {
  const fake = join(server.dataDir, 'not-a-cine.mat');
  await writeFile(fake, 'hello, I am text pretending to be a MAT-file');
  await page.getByTestId('file-input').setInputFiles(fake);
  const item = page.locator('[data-testid=upload-item][data-state=refused]', { hasText: 'not-a-cine.mat' });
  await item.waitFor();
  assert.match((await item.textContent()) ?? '', /MATLAB/);
  const { clips } = await apiJson<{ clips: unknown[] }>('/v1/clips');
  assert.equal(clips.length, 0, 'the refused file never reached the server');
});

test('three formats upload with progress and reach done without a reload', async () => {
  const navigations: string[] = [];
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) navigations.push(f.url());
  });
  await page.getByTestId('file-input').setInputFiles(FILES);
  await page.locator('[data-testid=upload-item][data-state=sent]').nth(2).waitFor({ timeout: 30_000 });
  for (const file of FILES) {
    const name = file.split('/').pop()!;
    await page.locator(`[data-testid=clip-row][data-name="${name}"][data-status=done]`).waitFor({ timeout: 90_000 });
  }
  assert.deepEqual(navigations, [], 'the page was not reloaded');
  await page.screenshot({ path: join(ARTIFACTS, 'web-clips-1280.png'), fullPage: true });
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.screenshot({ path: join(ARTIFACTS, 'web-clips-768.png'), fullPage: true });
  const overflow = await page.locator('html').evaluate((html: { scrollWidth: number; clientWidth: number }) => html.scrollWidth - html.clientWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling of the page at tablet width (overflow ${overflow}px)`);
  await page.setViewportSize({ width: 1280, height: 800 });
  const { clips } = await apiJson<{ clips: { status: string }[] }>('/v1/clips');
  assert.deepEqual(
    clips.map((c) => c.status),
    ['done', 'done', 'done'],
  );
});

test('clips can be searched, filtered and sorted; a failed clip shows its error and can be retried', async () => {
  // Passes the browser's check (MATLAB header) but is not a readable MAT-file: the worker fails it.
  const broken = Buffer.concat([Buffer.from('MATLAB 5.0 MAT-file, broken on purpose'.padEnd(116, ' ')), Buffer.alloc(400, 7)]);
  const res = await uploadBytes(server, 'broken.mat', broken);
  const { id } = (await res.json()) as { id: string };
  const row = page.locator(`[data-testid=clip-row][data-clip-id="${id}"][data-status=failed]`);
  await row.waitFor({ timeout: 60_000 });
  const api = await apiJson<{ error: { code: string; message: string } }>(`/v1/clips/${id}`);
  assert.match((await row.textContent()) ?? '', new RegExp(api.error.code));
  await page.getByTestId('announcer').filter({ hasText: 'broken.mat: failed' }).waitFor();

  const rows = page.locator('[data-testid=clip-row]');
  assert.equal(await rows.count(), 4);
  await page.getByTestId('search').fill('.avi');
  assert.deepEqual(await rows.evaluateAll((els: { dataset: Record<string, string> }[]) => els.map((e) => e.dataset['name'])), ['mjpeg.avi']);
  await page.getByTestId('search').fill('');
  await page.getByTestId('filter-status').selectOption('failed');
  assert.equal(await rows.count(), 1);
  await page.getByTestId('filter-status').selectOption('');
  await page.getByRole('button', { name: 'Name' }).click();
  const names = await rows.evaluateAll((els: { dataset: Record<string, string> }[]) => els.map((e) => e.dataset['name']!));
  assert.deepEqual(names, [...names].sort());
  await page.getByRole('button', { name: 'Uploaded' }).click();

  const retried = page.waitForResponse((r) => r.url().endsWith(`/v1/clips/${id}/retry`));
  await row.getByRole('button', { name: 'Retry broken.mat' }).click();
  assert.equal((await retried).status(), 202);
  await page.locator(`[data-testid=clip-row][data-clip-id="${id}"]:not([data-status=failed])`).waitFor();
  // The same bytes fail the same way again: the row comes back to failed, live.
  await page.locator(`[data-testid=clip-row][data-clip-id="${id}"][data-status=failed]`).waitFor({ timeout: 60_000 });
});

test('a study page lists the views found and the best-quality clip of each', async () => {
  const demo = join(server.dataDir, 'demo-study');
  await writeDemoFiles(demo);
  let studyId = '';
  for (const name of ['demo-ap4.mat', 'demo-plax.mat', 'demo-ap4.avi']) {
    const res = await uploadBytes(server, name, await readFile(join(demo, name)), { study: 'e2e-study' });
    const clip = (await res.json()) as { id: string; study_id: string };
    studyId = clip.study_id;
    await waitForClip(server, clip.id);
  }
  await page.locator(`[data-testid=clip-row][data-name="demo-ap4.avi"][data-status=done]`).waitFor({ timeout: 60_000 });
  await page.locator(`[data-testid=clip-row][data-name="demo-ap4.avi"]`).getByRole('link', { name: 'study' }).click();
  await page.waitForURL(`**/studies/${studyId}`);
  const { clips } = await apiJson<{ clips: { name: string; study_id: string | null; result: { view: string; quality_mean: number } | null }[] }>('/v1/clips');
  const inStudy = clips.filter((c) => c.study_id === studyId);
  const views = [...new Set(inStudy.map((c) => c.result!.view))].sort();
  const shown = page.getByTestId('study-view');
  await shown.first().waitFor();
  assert.equal(await shown.count(), views.length);
  for (const view of views) {
    const best = inStudy.filter((c) => c.result!.view === view).sort((a, b) => b.result!.quality_mean - a.result!.quality_mean)[0]!;
    assert.match((await shown.filter({ hasText: view }).textContent()) ?? '', new RegExp(best.name.replace('.', '\\.')));
  }
  await page.screenshot({ path: join(ARTIFACTS, 'web-study-1280.png') });
  await page.goto(server.url);
});

test('a large file goes up in resumable chunks with progress and reaches done', async () => {
  const p = generatePhantom({ view: 'PSAXM', quality: 0.8, seed: 5, frames: 24, height: 600, width: 800 });
  const bytes = writeDicomCine({ frames: p.frames, height: p.height, width: p.width, fps: 25 });
  assert.ok(bytes.length > RESUMABLE_ABOVE, `${bytes.length} bytes`);
  const path = join(server.dataDir, 'large-psaxm.dcm');
  await writeFile(path, bytes);
  const chunks: string[] = [];
  page.on('request', (r) => {
    if (r.method() === 'PUT' && r.url().includes('/v1/uploads/')) chunks.push(r.headers()['upload-offset'] ?? '');
  });
  await page.getByTestId('file-input').setInputFiles(path);
  await page.locator('[data-testid=clip-row][data-name="large-psaxm.dcm"][data-status=done]').waitFor({ timeout: 90_000 });
  assert.deepEqual(
    chunks,
    Array.from({ length: Math.ceil(bytes.length / CHUNK_BYTES) }, (_, i) => String(i * CHUNK_BYTES)),
  );
  const { clips } = await apiJson<{ clips: { name: string; sha256: string }[] }>('/v1/clips');
  assert.equal(clips.find((c) => c.name === 'large-psaxm.dcm')?.sha256, createHash('sha256').update(bytes).digest('hex'));
});

test('the viewer plays the cine, overlays the API result and downloads the CSV', async () => {
  const row = page.locator('[data-testid=clip-row][data-name="ap4_patient.mat"]');
  const id = (await row.getAttribute('data-clip-id'))!;
  await row.getByRole('link', { name: 'ap4_patient.mat' }).click();
  await page.waitForURL(`**/clips/${id}`);
  await page.locator('[data-testid=viewer-canvas][data-first-frame]').waitFor({ timeout: 30_000 });

  const result = await apiJson<{ prediction: { view: string; confidence: number }; frames: unknown[] }>(`/v1/clips/${id}/result`);
  await page.getByTestId('overlay').waitFor();
  assert.equal(await page.getByTestId('overlay-view').textContent(), result.prediction.view);
  assert.equal(await page.getByTestId('overlay-confidence').textContent(), `${(result.prediction.confidence * 100).toFixed(1)}%`);

  // The canvas shows real pixels, not a blank frame.
  type Canvas2d = { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } };
  const lit = await page.getByTestId('viewer-canvas').evaluate((c: Canvas2d) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i]! > 10) n++;
    return n;
  });
  assert.ok(lit > 100, `the first frame has ${lit} lit pixels`);

  const frameOf = async () => Number(await page.getByTestId('frame-index').getAttribute('data-frame'));
  assert.equal(await frameOf(), 0);
  await page.getByTestId('play').click();
  const seen = new Set<number>();
  const deadline = Date.now() + 5000;
  while (seen.size < 4 && Date.now() < deadline) {
    seen.add(await frameOf());
    await page.waitForTimeout(30);
  }
  await page.getByTestId('play').click();
  assert.ok(seen.size >= 4, `the frame index advanced while playing (saw ${[...seen].join(', ')})`);
  // Keyboard: Home goes to the first frame, the right arrow steps one frame.
  await page.keyboard.press('Home');
  await page.locator('[data-testid=frame-index][data-frame="0"]').waitFor();
  await page.keyboard.press('ArrowRight');
  await page.locator('[data-testid=frame-index][data-frame="1"]').waitFor();
  // Without loop, playing from the first frame stops on the last one after (frames - 1) / fps seconds.
  const frames = await apiJson<{ frames: number; fps: number }>(`/v1/clips/${id}/frames.json`);
  await page.getByRole('checkbox', { name: 'Loop' }).uncheck();
  await page.keyboard.press('Home');
  const t0 = Date.now();
  await page.getByTestId('play').click();
  await page.locator(`[data-testid=frame-index][data-frame="${frames.frames - 1}"]`).waitFor();
  await page.getByTestId('play').filter({ hasText: 'Play' }).waitFor();
  const seconds = (Date.now() - t0) / 1000;
  const duration = (frames.frames - 1) / frames.fps;
  assert.ok(seconds > duration * 0.8 && seconds < duration * 1.5 + 0.3, `played ${frames.frames} frames at ${frames.fps} fps in ${seconds} s (expected ~${duration.toFixed(2)} s)`);
  await page.getByRole('checkbox', { name: 'Loop' }).check();
  await page.screenshot({ path: join(ARTIFACTS, 'web-viewer-1280.png'), fullPage: true });

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-csv').click()]);
  const csv = await readFile((await download.path())!, 'utf8');
  const expected = await (await server.fetch(`/v1/clips/${id}/result.csv`)).text();
  assert.equal(csv, expected);
  assert.equal(download.suggestedFilename(), 'ap4_patient.csv');
  // The original input, streamed (decrypted) by the API on the embedded store.
  const [original] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-input').click()]);
  assert.deepEqual(await readFile((await original.path())!), await readFile(FILES[0]!));
  assert.equal(original.suggestedFilename(), 'ap4_patient.mat');

  await page.setViewportSize({ width: 768, height: 1024 });
  await page.screenshot({ path: join(ARTIFACTS, 'web-viewer-768.png'), fullPage: true });
  const overflow = await page.locator('html').evaluate((html: { scrollWidth: number; clientWidth: number }) => html.scrollWidth - html.clientWidth);
  assert.ok(overflow <= 0, `no horizontal scrolling at tablet width (overflow ${overflow}px)`);
});

test('the viewer draws the ultrasound region of a DICOM cine that states one', async () => {
  const demo = join(server.dataDir, 'demo');
  await writeDemoFiles(demo);
  const res = await uploadBytes(server, 'demo-ap4.dcm', await readFile(join(demo, 'demo-ap4.dcm')));
  const { id } = (await res.json()) as { id: string };
  const index = await apiJson<{ regions: { x0: number; y0: number; x1: number; y1: number }[]; source_width: number }>(`/v1/clips/${id}/frames.json`);
  assert.equal(index.regions.length, 1, 'the demo DICOM states one ultrasound region');
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(`${server.url}/clips/${id}`);
  await page.locator('[data-testid=viewer-canvas][data-first-frame]').waitFor({ timeout: 30_000 });
  const rect = page.locator('svg.sector rect');
  await rect.waitFor();
  const r = index.regions[0]!;
  assert.equal(Number(await rect.getAttribute('x')), r.x0);
  assert.equal(Number(await rect.getAttribute('width')), r.x1 - r.x0 + 1);
  await page.screenshot({ path: join(ARTIFACTS, 'web-viewer-sector.png') });
});
