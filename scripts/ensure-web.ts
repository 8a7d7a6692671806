/**
 * Builds the web app (web/ → web/dist) when web/dist is missing or older than its sources, so that
 * `npm start` after a bare `npm ci` serves the app, and the browser tests run the current code.
 * `node scripts/ensure-web.ts` (what `npm start` runs first); `--force` always builds.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const WEB = join(ROOT, 'web');
const BUILT = join(WEB, 'dist', 'index.html');

function newest(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  return Math.max(st.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

function builtAt(): number | null {
  try {
    return statSync(BUILT).mtimeMs;
  } catch {
    return null;
  }
}

/** True when web/dist is missing or any source (web/src, index.html, vite.config.ts, package.json) is newer. */
function webBuildStale(): boolean {
  const built = builtAt();
  if (built === null) return true;
  const sources = Math.max(newest(join(WEB, 'src')), newest(join(WEB, 'index.html')), newest(join(WEB, 'vite.config.ts')), newest(join(ROOT, 'package.json')));
  return sources > built;
}

/** Runs `vite build web` (the local vite of node_modules); throws with vite's output when it fails. */
function buildWeb(): void {
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite)) throw new Error('vite is not installed (it is a devDependency: run `npm ci` without --omit=dev), so web/dist cannot be built');
  const out = spawnSync(process.execPath, [vite, 'build', WEB, '--logLevel', 'warn'], { cwd: ROOT, encoding: 'utf8' });
  if (out.status !== 0) throw new Error(`building the web app failed (vite exit ${out.status}):\n${out.stdout}${out.stderr}`);
}

/**
 * Builds when stale (or always with `force`). Test files run in parallel and may all ask at once: one
 * process builds under a lock file (web/.build.lock), the others wait for it and then find the build fresh.
 */
export function ensureWebBuilt(force = false): boolean {
  if (!force && !webBuildStale()) return false;
  const lock = join(WEB, '.build.lock');
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      closeSync(openSync(lock, 'wx'));
      break;
    } catch {
      // Another build runs (or one died and left its lock: taken over after two minutes).
      if (Date.now() > deadline) {
        rmSync(lock, { force: true });
        continue;
      }
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
    }
  }
  try {
    if (!force && !webBuildStale()) return false;
    buildWeb();
    return true;
  } finally {
    rmSync(lock, { force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const force = process.argv.includes('--force');
  try {
    const t0 = Date.now();
    if (ensureWebBuilt(force)) console.error(`web app built into web/dist in ${Date.now() - t0} ms`);
  } catch (err) {
    // `npm run build:web` fails loudly; `npm start` still starts the API (its `/` says how to build the app).
    console.error(`${force ? 'error' : 'warning'} ECHO_ERR_INTERNAL: ${(err as Error).message}`);
    if (force) process.exit(1);
  }
}
