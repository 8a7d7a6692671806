import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { ensureWebBuilt } from '../../scripts/ensure-web.ts';
import { ROOT } from './server.ts';

/** Debian's chromium; a browser is never downloaded. */
export const CHROMIUM = process.env.ECHO_CLOUD_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(ROOT, 'test-artifacts');

/** Builds the web app when web/dist is missing or stale, then starts headless chromium. */
export async function launchBrowser(): Promise<Browser> {
  ensureWebBuilt();
  await mkdir(ARTIFACTS, { recursive: true });
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** Runs `fn` with a fresh browser that is always closed afterwards. */
export async function withBrowser<T>(fn: (browser: Browser) => Promise<T>): Promise<T> {
  const browser = await launchBrowser();
  try {
    return await fn(browser);
  } finally {
    await browser.close();
  }
}
