import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generatePhantom, PHANTOM_VIEWS, type PhantomView, phantomCine } from '../../../src/phantom/index.ts';
import { createRng } from '../../../src/phantom/prng.ts';

const small = { frames: 4, height: 96, width: 112, quality: 0.8 } as const;

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

test('the PRNG is deterministic, uniform-looking and seed-sensitive', () => {
  const a = createRng(42);
  const b = createRng(42);
  const c = createRng(43);
  const xs = Array.from({ length: 1000 }, () => a.next());
  assert.deepEqual(xs, Array.from({ length: 1000 }, () => b.next()));
  assert.notDeepEqual(xs.slice(0, 10), Array.from({ length: 10 }, () => c.next()));
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  const m = xs.reduce((s, x) => s + x, 0) / xs.length;
  assert.ok(Math.abs(m - 0.5) < 0.05, `mean ${m}`);
});

test('same seed gives the same bytes; a different seed gives different bytes', () => {
  const a = generatePhantom({ ...small, view: 'AP4', seed: 11 });
  const b = generatePhantom({ ...small, view: 'AP4', seed: 11 });
  const c = generatePhantom({ ...small, view: 'AP4', seed: 12 });
  assert.equal(a.frames.length, 4);
  for (let i = 0; i < a.frames.length; i++) {
    assert.equal(a.frames[i]!.length, 96 * 112);
    assert.deepEqual(a.frames[i], b.frames[i]);
  }
  assert.ok(meanAbsDiff(a.frames[0]!, c.frames[0]!) > 2, 'different seeds should give visibly different clips');
});

test('each of the 13 views looks different from every other view (same seed and nuisance)', () => {
  // Same seed: same probe placement, speckle and noise, so every differing pixel is anatomy.
  const frames = PHANTOM_VIEWS.map((view) => generatePhantom({ ...small, height: 128, width: 128, frames: 1, view, seed: 5 }).frames[0]!);
  for (let i = 0; i < frames.length; i++) {
    for (let j = i + 1; j < frames.length; j++) {
      const a = frames[i]!;
      const b = frames[j]!;
      let differing = 0;
      for (let k = 0; k < a.length; k++) if (Math.abs(a[k]! - b[k]!) > 40) differing++;
      const share = differing / a.length;
      assert.ok(share > 0.005, `${PHANTOM_VIEWS[i]} vs ${PHANTOM_VIEWS[j]}: only ${(share * 100).toFixed(2)}% of pixels differ`);
    }
  }
});

test('the heart moves: the LV blood pool grows and shrinks over the frames', () => {
  const p = generatePhantom({ view: 'AP2', quality: 1, seed: 3, frames: 30, height: 128, width: 128, fps: 30 });
  // Upper half of the sector: the LV in an apical two-chamber view. Outside the fan is exactly 0.
  const lvRows = p.sector.y0 + (p.sector.y1 - p.sector.y0) * 0.5;
  const dark = p.frames.map((f) => f.reduce((n, v, i) => n + (v > 0 && v < 40 && Math.floor(i / p.width) < lvRows ? 1 : 0), 0));
  const min = Math.min(...dark);
  const max = Math.max(...dark);
  assert.ok(min > 100, `LV area ${min} pixels`);
  assert.ok(max / min > 1.12, `LV area should change by >12% over a cycle (min ${min}, max ${max})`);
});

function correlation(a: Uint8Array, b: Uint8Array, mask: Uint8Array): number {
  let n = 0;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!mask[i]) continue;
    n++;
    sa += a[i]!;
    sb += b[i]!;
  }
  const ma = sa / n;
  const mb = sb / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < a.length; i++) {
    if (!mask[i]) continue;
    cov += (a[i]! - ma) * (b[i]! - mb);
    va += (a[i]! - ma) ** 2;
    vb += (b[i]! - mb) ** 2;
  }
  return cov / Math.sqrt(va * vb);
}

test('lower quality degrades the image: it departs further from the clean image of the same anatomy', () => {
  for (const [view, seed] of [['AP4', 1], ['PSAXM', 2], ['PLAX', 3], ['SUBIVC', 4]] as [PhantomView, number][]) {
    const frame = (quality: number): Uint8Array =>
      generatePhantom({ view, quality, seed, frames: 1, height: 128, width: 128, overlays: false }).frames[0]!;
    const clean = frame(1);
    const inside = clean.map((v) => (v > 0 ? 1 : 0));
    const fair = correlation(frame(0.7), clean, inside);
    const poor = correlation(frame(0.1), clean, inside);
    assert.ok(fair > 0.75, `${view}: q=0.7 correlates ${fair.toFixed(3)} with q=1`);
    assert.ok(poor < fair - 0.1, `${view}: q=0.1 correlates ${poor.toFixed(3)}, q=0.7 ${fair.toFixed(3)}`);
  }
});

test('invalid options are rejected with a message naming the option', () => {
  assert.throws(() => generatePhantom({ ...small, view: 'AP6' as PhantomView, seed: 1 }), /unknown phantom view "AP6"/);
  assert.throws(() => generatePhantom({ ...small, view: 'AP4', seed: 1, quality: 1.5 }), /quality must be in \[0, 1\]/);
  assert.throws(() => generatePhantom({ ...small, view: 'AP4', seed: 1, frames: 0 }), /frames must be a positive integer/);
  assert.throws(() => generatePhantom({ ...small, view: 'AP4', seed: 1, height: 8 }), /out of range/);
});

test('phantomCine presents the phantom as a Cine: grey, RGB, 16-bit and regions', async () => {
  const opts = { ...small, view: 'SUPRA' as const, seed: 9 };
  const grey = phantomCine(opts);
  const rgb = phantomCine({ ...opts, channels: 3, bitsPerSample: 16, regions: true });
  assert.equal(grey.format, 'phantom');
  assert.equal(grey.frames, 4);
  assert.equal(grey.channels, 1);
  assert.equal(grey.bitsPerSample, 8);
  assert.equal(grey.regions, undefined);
  assert.equal(rgb.channels, 3);
  assert.equal(rgb.bitsPerSample, 16);
  assert.deepEqual(rgb.regions?.[0] && { x0: rgb.regions[0].x0, y0: rgb.regions[0].y0, x1: rgb.regions[0].x1, y1: rgb.regions[0].y1 }, rgb.phantom.sector);
  const g = await grey.frame(2);
  const c = await rgb.frame(2);
  assert.ok(g instanceof Uint8Array);
  assert.ok(c instanceof Uint16Array);
  assert.equal(c.length, g.length * 3);
  for (let i = 0; i < g.length; i += 97) {
    for (let k = 0; k < 3; k++) assert.equal(c[i * 3 + k], g[i]! * 257);
  }
  await assert.rejects(grey.frame(4), RangeError);
  await grey.close();
  await assert.rejects(grey.frame(0), /closed/);
  await rgb.close();
});
