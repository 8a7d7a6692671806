import { startFauxqs } from 'fauxqs';

export const FAUXQS_REGION = 'us-east-1';

/** The AWS settings every SDK client (and child process) needs to talk to the emulator. */
export interface Emulator {
  endpoint: string;
  region: string;
  /** Environment for SDK clients in child processes: region and dummy credentials (fauxqs accepts any). */
  env: Record<string, string>;
  server: Awaited<ReturnType<typeof startFauxqs>>;
  stop(): Promise<void>;
}

/**
 * fauxqs (an SQS and S3 emulator speaking the AWS wire protocols) on 127.0.0.1 and a free port, in this
 * process. Sets dummy credentials in process.env so the SDK's default chain finds them.
 */
export async function startEmulator(): Promise<Emulator> {
  const env = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: FAUXQS_REGION };
  Object.assign(process.env, env);
  const server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false } as Parameters<typeof startFauxqs>[0]);
  const endpoint = `http://127.0.0.1:${server.port}`;
  return { endpoint, region: FAUXQS_REGION, env, server, stop: () => server.stop() };
}

/**
 * fauxqs in a child process (its own memory), for tests that measure this process: same endpoint and env
 * as `startEmulator`. Objects are kept in files under `storageDir`.
 */
export async function startEmulatorProcess(storageDir: string): Promise<Omit<Emulator, 'server'>> {
  const { spawn } = await import('node:child_process');
  const { createServer } = await import('node:net');
  const env = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: FAUXQS_REGION };
  Object.assign(process.env, env);
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  const cli = new URL('../../node_modules/fauxqs/dist/cli.js', import.meta.url);
  const child = spawn(process.execPath, [cli.pathname], {
    env: { ...process.env, FAUXQS_PORT: String(port), FAUXQS_LOGGER: 'false', FAUXQS_S3_STORAGE_DIR: storageDir },
    stdio: 'ignore',
  });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${endpoint}/health`)).ok) break;
    } catch {
      if (i > 100) throw new Error('fauxqs did not start in 10 s');
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    endpoint,
    region: FAUXQS_REGION,
    env,
    stop: async () => {
      child.kill();
      await exited;
    },
  };
}
