import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import type { AppDeps } from '../build-app.ts';
import { createClipWatcher } from '../clip-events.ts';
import { errorResponses } from '../schemas.ts';
import { clipView } from './clips.ts';
import { principal } from './caller.ts';

/** How often the catalog is compared for changes (ms), and how often an idle stream gets a comment. */
export const POLL_MS = 250;
export const HEARTBEAT_MS = 15_000;

/**
 * `GET /v1/events`: server-sent events of the caller's project. `event: ready` once the stream is live
 * (fetch the clip list after it and miss nothing), then `event: clip` with the clip (same shape as
 * GET /v1/clips/:id) whenever its status changes, and a `: heartbeat` comment when idle. Browsers read
 * it with fetch() so the token stays in the Authorization header, never in a URL.
 */
export const eventRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  const watcher = createClipWatcher(deps.catalog, { intervalMs: POLL_MS, limit: 200 }, (err) => app.log.warn({ err }, 'clip events: polling the catalog failed'));
  const open = new Set<ServerResponse>();
  // The server's close waits for open connections: end every stream first, or shutdown would hang.
  app.addHook('preClose', async () => {
    watcher.close();
    for (const res of open) res.end();
    open.clear();
  });

  app.get(
    '/events',
    {
      config: { role: 'viewer', audit: 'clip.events' },
      schema: {
        summary: 'Server-sent events: `ready`, then `clip` (a Clip) whenever a clip of the caller’s project changes status',
        security: [{ bearer: [] }],
        produces: ['text/event-stream'],
        response: { 200: { type: 'string', description: 'text/event-stream' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const caller = principal(request);
      // A hijacked reply skips the onSend hook that audits every other route: record the subscription here.
      await deps.audit.record({ actor: caller.tokenId, projectId: caller.projectId, action: 'clip.events', object: null, ip: request.ip, outcome: 200, detail: 'stream opened' });
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(': connected\n\n');
      open.add(res);
      const send = (event: string, data: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
      const unsubscribe = watcher.subscribe(caller.projectId, {
        ready: () => send('ready', { at: new Date().toISOString() }),
        change: (clip) => {
          void (async () => {
            const result = clip.resultId ? await deps.catalog.getResult(clip.resultId) : null;
            if (!res.writableEnded) send('clip', clipView(clip, result));
          })().catch((err) => app.log.warn({ err }, 'clip events: reading a result failed'));
        },
      });
      res.on('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(res);
      });
    },
  );
};
