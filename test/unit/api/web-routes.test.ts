import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { webRoutes } from '../../../src/api/routes/web.ts';
import { withTempDir } from '../../helpers/temp.ts';

test('without a built web app, / says how to build it', async () => {
  await withTempDir(async (dir) => {
    const app = Fastify();
    await app.register(webRoutes, { root: dir });
    const res = await app.inject({ method: 'GET', url: '/' });
    assert.equal(res.statusCode, 503);
    assert.match(res.body, /npm run build:web/);
    await app.close();
  });
});
