import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import { PROJECT_ROOT } from '../../config/load.ts';

/** Where `npm run build:web` writes the web app. */
export const WEB_DIST = join(PROJECT_ROOT, 'web', 'dist');

/** Paths the web app routes itself (history API): each answers index.html. */
const CLIENT_ROUTES = ['/clips/*', '/studies/*', '/upload', '/signin', '/auth/callback'];

/**
 * The web app at `/`: the built files of web/dist, with index.html for the app's own routes. Hashed
 * assets are cached for good; index.html is revalidated so a new build is picked up. When the app is
 * not built, `/` says how to build it (the API works either way).
 */
export const webRoutes: FastifyPluginAsync<{ root?: string }> = async (app, options) => {
  const root = options.root ?? WEB_DIST;
  if (!existsSync(join(root, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) => {
      reply.status(503).type('text/plain; charset=utf-8');
      return 'The EchoCloud web app is not built: run `npm run build:web`, then restart the server (`npm start` builds it before starting). The API works without it: /v1, see /openapi.json.\n';
    });
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: '/',
    cacheControl: false,
    setHeaders(reply, path) {
      reply.header('cache-control', path.startsWith(join(root, 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  for (const route of CLIENT_ROUTES) {
    app.get(route, { schema: { hide: true } }, (_request, reply) => reply.type('text/html; charset=utf-8').sendFile('index.html'));
  }
};
