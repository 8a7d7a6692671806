/**
 * The web app on the cloud configuration (S3 + SQS on fauxqs, PostgreSQL) in a real browser: a cine dropped
 * on the upload page goes straight to the object store with a presigned PUT (cross-origin, allowed by the
 * bucket's CORS rule), never through the API, and its clip shows up done in the list of the signed-in
 * project. With no CORS rule for the app's origin the browser cannot reach the store, and the page sends
 * the file through the API instead. S3's presigned-URL and CORS checks are played by sigv4-gate.ts, which
 * also sends the S3 event notification for each stored object, as S3 does.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Browser } from 'playwright-core';
import { createPostgresCatalog } from '../../src/adapters/catalog/postgres/create-postgres-catalog.ts';
import { createProject } from '../../src/security/project-service.ts';
import { generateToken, hashToken } from '../../src/security/tokens.ts';
import { randomId } from '../../src/util/ids.ts';
import { ARTIFACTS, launchBrowser } from '../helpers/browser.ts';
import { startCloud, startHost } from '../helpers/cloud.ts';
import { PHANTOM_MATS } from '../helpers/server.ts';
import { startSigV4Gate } from '../helpers/sigv4-gate.ts';

test('upload page: a presigned PUT straight to S3 with progress, the clip done in the signed-in project; without a CORS rule it falls back to the API', async (t) => {
  const cloud = await startCloud({ maxReceives: 4 });
  let appOrigin: string | null = null;
  const notified: string[] = [];
  const gate = await startSigV4Gate(cloud.emulator.endpoint, cloud.emulator.env.AWS_SECRET_ACCESS_KEY!, {
    corsOrigin: () => appOrigin,
    onPresignedPut: (path, size) => {
      const key = path.replace(`/${cloud.bucket}/${cloud.prefix}/`, '');
      notified.push(key);
      void cloud.notify(key, size);
    },
  });
  const catalog = createPostgresCatalog(cloud.databaseUrl);
  let host: Awaited<ReturnType<typeof startHost>> | null = null;
  let browser: Browser | null = null;
  try {
    // First: it builds web/dist when stale, which the server looks for when it starts.
    browser = await launchBrowser();
    host = await startHost(cloud, 'all', { ECHO_CLOUD_AWS_ENDPOINT: gate.endpoint, ECHO_CLOUD_WORKERS: '1' });
    const url = host.url!;
    appOrigin = new URL(url).origin;
    await createProject(catalog, 'lab-b', 'Lab B');
    const secret = generateToken();
    await catalog.createToken({ id: randomId('tok'), hash: hashToken(secret), projectId: 'lab-b', role: 'uploader', label: 'browser', createdAt: Date.now(), expiresAt: null });

    const signIn = async () => {
      const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(`${r.method()} ${r.url()}`));
      await page.goto(url);
      await page.getByLabel('API token').fill(secret);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.locator('[data-testid=live-state]', { hasText: 'Live' }).waitFor({ timeout: 15_000 });
      return { page, requests };
    };

    // With the bucket's CORS rule for the app's origin: straight to the store.
    const first = await signIn();
    await first.page.getByTestId('file-input').setInputFiles([join(PHANTOM_MATS, 'ap4_patient.mat')]);
    await first.page.locator('[data-testid=upload-item][data-state=sent]').waitFor({ timeout: 60_000 });
    await first.page.locator('[data-testid=clip-row][data-name="ap4_patient.mat"][data-status=done]').waitFor({ timeout: 90_000 });
    await first.page.screenshot({ path: join(ARTIFACTS, 'web-presigned-upload.png'), fullPage: true });
    const puts = first.requests.filter((r) => r.startsWith(`PUT ${gate.endpoint}/`));
    assert.equal(puts.length, 1, first.requests.join('\n'));
    assert.ok(!first.requests.some((r) => /^POST .*\/v1\/(clips|uploads)(\?|$)/.test(r)), `no upload through the API:\n${first.requests.join('\n')}`);
    assert.deepEqual(gate.refused, []);
    const [direct] = await catalog.listClips({ projectId: 'lab-b', limit: 10 });
    assert.ok(direct?.inputKey.startsWith('inputs/presigned/lab-b/'), direct?.inputKey);
    assert.equal(direct?.source, 's3');
    assert.equal(direct?.status, 'done');
    assert.deepEqual(notified, [direct?.inputKey]);
    assert.equal((await catalog.listClips({ projectId: 'default', limit: 10 })).length, 0);
    // Its original comes back from S3 through a presigned link (a download navigation, not via the API).
    await first.page.locator('[data-testid=clip-row][data-name="ap4_patient.mat"]').getByRole('link', { name: 'ap4_patient.mat' }).click();
    const [original] = await Promise.all([first.page.waitForEvent('download'), first.page.getByTestId('download-input').click()]);
    assert.deepEqual(await readFile((await original.path())!), await readFile(join(PHANTOM_MATS, 'ap4_patient.mat')));
    assert.equal(original.suggestedFilename(), 'ap4_patient.mat');
    assert.ok(first.requests.some((r) => r.startsWith(`GET ${gate.endpoint}/`) && r.includes('X-Amz-Signature=')), 'downloaded from the store');
    await first.page.close();

    // No CORS rule for this origin: the browser cannot PUT to the store, so the page uses the API.
    appOrigin = null;
    const second = await signIn();
    await second.page.getByTestId('file-input').setInputFiles([join(PHANTOM_MATS, 'plax_resized.mat')]);
    await second.page.locator('[data-testid=clip-row][data-name="plax_resized.mat"][data-status=done]').waitFor({ timeout: 90_000 });
    assert.ok(second.requests.some((r) => r.startsWith(`POST ${url}v1/clips`) || r.startsWith(`POST ${url}/v1/clips`)), second.requests.join('\n'));
    const viaApi = (await catalog.listClips({ projectId: 'lab-b', limit: 10 })).find((c) => c.name === 'plax_resized.mat');
    assert.equal(viaApi?.source, 'http');
    assert.equal(notified.length, 1, 'nothing reached the store directly the second time');
    t.diagnostic(`direct clip ${direct?.id}; fallback clip ${viaApi?.id}`);
  } finally {
    await browser?.close();
    await host?.stop();
    await catalog.close();
    await gate.close();
    await cloud.close();
  }
});
