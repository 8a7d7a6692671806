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
