/**
 * The server side of the web app against a real server: live clip events (SSE), the frame packs of the
 * viewer (rendered once, cached under derived/), the static app at `/` with its client routes, and a
 * shutdown that does not wait on open event streams.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ensureWebBuilt } from '../../scripts/ensure-web.ts';
import { ROOT, startServer, type TestServer, uploadBytes, waitForClip } from '../helpers/server.ts';

const AVI = join(ROOT, 'test/fixtures/video/mjpeg.avi');
const MAT = join(ROOT, 'test/fixtures/phantom-mat/ap4_patient.mat');

let server: TestServer;

before(async () => {
  ensureWebBuilt();
  server = await startServer();
});
after(() => server?.cleanup());

interface SseMessage {
  event: string;
  data: string;
}

/** Reads server-sent events from an open response; `until` reads on until a message matches (or the timeout). */
function eventReader(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  const seen: SseMessage[] = [];
  let buffer = '';
  return {
    async until(match: (m: SseMessage) => boolean, timeoutMs = 30_000): Promise<SseMessage[]> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let end = buffer.indexOf('\n\n');
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (!event || data === undefined) continue;
          seen.push({ event, data });
          if (match({ event, data })) return seen;
        }
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no matching event in ${timeoutMs} ms; saw ${JSON.stringify(seen)}`);
        const next = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), left))]);
        if (next === null) continue;
        if (next.done) throw new Error(`event stream ended; saw ${JSON.stringify(seen)}`);
        buffer += next.value;
      }
    },
    cancel: () => reader.cancel(),
  };
}

test('GET /v1/events needs a token', async () => {
  const res = await fetch(new URL('/v1/events', server.url));
  assert.equal(res.status, 401);
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ECHO_ERR_UNAUTHORIZED');
});

test('GET /v1/events pushes ready, then the clip as it changes status, up to done with its result', async () => {
  const controller = new AbortController();
  const res = await server.fetch('/v1/events', { signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  const events = eventReader(res);
  try {
    await events.until((m) => m.event === 'ready');
    const up = await uploadBytes(server, 'events.mat', await readFile(MAT));
    const { id } = (await up.json()) as { id: string };
    const seen = await events.until((m) => m.event === 'clip' && JSON.parse(m.data).id === id && JSON.parse(m.data).status === 'done');
    const last = JSON.parse(seen.at(-1)!.data) as { result: { view: string; confidence: number } };
    const api = (await (await server.fetch(`/v1/clips/${id}`)).json()) as { result: { view: string; confidence: number } };
    assert.deepEqual(last.result, api.result);
  } finally {
    await events.cancel();
    controller.abort();
  }
});

test('frames.json and frames: every frame a JPEG at its offset, the true fps, rendered once into derived/', async () => {
  const up = await uploadBytes(server, 'frames.avi', await readFile(AVI));
  const { id } = (await up.json()) as { id: string };
  await waitForClip(server, id);
  const index = (await (await server.fetch(`/v1/clips/${id}/frames.json`)).json()) as { frames: number; fps: number; fps_known: boolean; offsets: number[]; width: number; height: number };
  const result = (await (await server.fetch(`/v1/clips/${id}/result`)).json()) as { input: { frames: number; fps: number; width: number; height: number } };
  assert.equal(index.frames, result.input.frames);
  assert.equal(index.fps, result.input.fps);
  assert.equal(index.fps_known, true);
  assert.deepEqual([index.width, index.height], [result.input.width, result.input.height]);
  assert.equal(index.offsets.length, index.frames + 1);

  const res = await server.fetch(`/v1/clips/${id}/frames`);
  assert.equal(res.status, 200);
  const pack = new Uint8Array(await res.arrayBuffer());
  assert.equal(pack.length, index.offsets.at(-1));
  for (let i = 0; i < index.frames; i++) {
    const jpeg = pack.subarray(index.offsets[i]!, index.offsets[i + 1]!);
    assert.deepEqual([jpeg[0], jpeg[1], jpeg.at(-2), jpeg.at(-1)], [0xff, 0xd8, 0xff, 0xd9], `frame ${i} is one whole JPEG`);
  }
  const dir = join(server.dataDir, 'objects', 'derived', id);
  assert.ok(existsSync(join(dir, 'frames.json')) && existsSync(join(dir, 'frames.jpgs')), 'cached under derived/<clip id>/');
  const again = await server.fetch(`/v1/clips/${id}/frames.json`);
  assert.deepEqual(await again.json(), index);
});

test('frames of an unknown clip answer 404; a malformed id 400', async () => {
  assert.equal((await server.fetch('/v1/clips/clip_00000000nothere/frames.json')).status, 404);
  assert.equal((await server.fetch('/v1/clips/NOT-AN-ID/frames')).status, 400);
});

test('the web app at / and its client routes; the API keeps its JSON errors', async () => {
  for (const path of ['/', '/clips/clip_abcdefgh12', '/studies/study_abcdefgh12']) {
    const res = await fetch(new URL(path, server.url));
    assert.equal(res.status, 200, path);
    assert.match(await res.text(), /<div id="app">/, path);
  }
  const html = await (await fetch(new URL('/', server.url))).text();
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
  const js = await fetch(new URL(script, server.url));
  assert.equal(js.status, 200);
  assert.match(js.headers.get('cache-control') ?? '', /immutable/);
  const missing = await fetch(new URL('/v1/nothing-here', server.url));
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'ECHO_ERR_NOT_FOUND');
  const health = await fetch(new URL('/healthz', server.url));
  assert.equal(health.status, 200);
});

test('/openapi.json documents the new routes with bearer security', async () => {
  const doc = (await (await fetch(new URL('/openapi.json', server.url))).json()) as { paths: Record<string, Record<string, { security?: unknown[] }>> };
  const routes: [string, string][] = [
    ['/v1/events', 'get'],
    ['/v1/clips/{id}/frames', 'get'],
    ['/v1/clips/{id}/frames.json', 'get'],
    ['/v1/uploads', 'post'],
    ['/v1/uploads/{id}', 'get'],
    ['/v1/uploads/{id}', 'put'],
    ['/v1/uploads/{id}', 'delete'],
    ['/v1/uploads/{id}/complete', 'post'],
  ];
  for (const [path, method] of routes) {
    assert.ok(doc.paths[path]?.[method], `${method} ${path} is documented`);
    assert.deepEqual(doc.paths[path]![method]!.security, [{ bearer: [] }]);
  }
});

test('the server stops promptly with an event stream still open', async () => {
  const res = await server.fetch('/v1/events');
  await eventReader(res).until((m) => m.event === 'ready');
  const t0 = Date.now();
  const code = await server.stop();
  assert.equal(code, 0);
  assert.ok(Date.now() - t0 < 15_000, `stopped in ${Date.now() - t0} ms`);
});
