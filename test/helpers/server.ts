import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = join(ROOT, 'src/cli/main.ts');
export const PHANTOM_MATS = join(ROOT, 'test/fixtures/phantom-mat');

export interface TestServer {
  url: string;
  token: string;
  dataDir: string;
  child: ChildProcess;
  output: () => string;
  workerPids(): number[];
  /** SIGTERM (or the given signal) and wait for exit; returns the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Stops if needed and removes the data dir (unless it was given). */
  cleanup(): Promise<void>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Children of a process, from /proc (the worker processes of a server). */
export function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((s) => Number(s.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts `echo-cloud serve` as a real child process on a free port and a fresh data dir. */
export async function startServer(options: { env?: Record<string, string>; dataDir?: string } = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'echo-server-')));
  const token = `test_${randomBytes(24).toString('hex')}`;
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env,
      ECHO_CLOUD_DATA_DIR: dataDir,
      ECHO_CLOUD_PORT: '0',
      ECHO_CLOUD_ADMIN_TOKEN: token,
      ECHO_CLOUD_LOG_LEVEL: 'warn',
      ECHO_CLOUD_INBOX_SETTLE_MS: '200',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 60 s:\n${out}`)), 60_000);
    const check = () => {
      const m = /EchoCloud listening on (https?:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stderr!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  let exited: Promise<number | null> = new Promise((r) => child.once('exit', (code) => r(code)));
  const server: TestServer = {
    url,
    token,
    dataDir,
    child,
    output: () => out,
    workerPids: () => (child.pid ? childPids(child.pid) : []),
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    async cleanup() {
      const workers = server.workerPids();
      await server.stop();
      for (const pid of workers) if (alive(pid)) process.kill(pid, 'SIGKILL');
      exited = Promise.resolve(child.exitCode);
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
    fetch(path, init = {}) {
      return fetch(new URL(path, url), { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers ?? {}) } });
    },
  };
  return server;
}

/** POSTs a file (bytes and name) as multipart to /v1/clips. */
export async function uploadBytes(server: TestServer, name: string, bytes: Uint8Array, extra: Record<string, string> = {}): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  form.append('file', new Blob([bytes]), name);
  return server.fetch('/v1/clips', { method: 'POST', body: form });
}

/** Polls a clip until it leaves queued/processing (or the timeout). */
export async function waitForClip(server: TestServer, id: string, timeoutMs = 60_000, intervalMs = 50): Promise<{ status: string; error?: { code: string; message: string } | null; [k: string]: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await server.fetch(`/v1/clips/${id}`);
    const clip = (await res.json()) as { status: string };
    if (clip.status === 'done' || clip.status === 'failed') return clip;
    if (Date.now() > deadline) throw new Error(`clip ${id} still ${clip.status} after ${timeoutMs} ms\n${server.output()}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
