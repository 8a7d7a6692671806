/**
 * The cloud configuration on loopback: S3 and SQS on fauxqs (in this process), the catalog on the machine's
 * PostgreSQL (a fresh database), and `echo-cloud serve` child processes in the api or worker role, each in
 * its own process group so a test can kill a whole "instance" (server and worker processes) at once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type Emulator, startEmulator } from './fauxqs.ts';
import { freshPostgresDatabase } from './postgres.ts';
import { encodeS3Key, s3EventBody } from './s3-event.ts';
import { CLI } from './server.ts';
import { createQueuePair } from './sqs-queues.ts';

export interface Cloud {
  emulator: Emulator;
  bucket: string;
  prefix: string;
  queueName: string;
  databaseUrl: string;
  /** Environment every host process gets. */
  env: Record<string, string>;
  s3: S3Client;
  /** Puts bytes at `<prefix>/<key>` and sends the S3 event notification for it, as AWS would. */
  dropObject(key: string, bytes: Uint8Array): Promise<void>;
  /** Sends the notification only (for an object put by someone else, e.g. the API). */
  notify(key: string, size: number): Promise<void>;
  close(): Promise<void>;
}

export async function startCloud(options: { maxReceives: number; env?: Record<string, string> }): Promise<Cloud> {
  const emulator = await startEmulator();
  const bucket = `echo-${randomBytes(4).toString('hex')}`;
  const prefix = 'echo';
  const s3 = new S3Client({ endpoint: emulator.endpoint, region: emulator.region, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const pair = await createQueuePair(emulator, options.maxReceives, 'jobs');
  const sqs = new SQSClient({ endpoint: emulator.endpoint, region: emulator.region });
  const queueUrl = pair.url;
  const db = await freshPostgresDatabase();
  const notify = async (key: string, size: number): Promise<void> => {
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: s3EventBody(bucket, encodeS3Key(`${prefix}/${key}`), size) }));
  };
  return {
    emulator,
    bucket,
    prefix,
    queueName: pair.name,
    databaseUrl: db.url,
    s3,
    env: {
      ...emulator.env,
      ECHO_CLOUD_STORE: `s3://${bucket}/${prefix}`,
      ECHO_CLOUD_QUEUE: `sqs://${pair.name}`,
      ECHO_CLOUD_DATABASE: db.url,
      ECHO_CLOUD_AWS_ENDPOINT: emulator.endpoint,
      ECHO_CLOUD_AWS_REGION: emulator.region,
      ECHO_CLOUD_MAX_RECEIVES: String(options.maxReceives),
      ...options.env,
    },
    async dropObject(key, bytes) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${key}`, Body: bytes }));
      await notify(key, bytes.length);
    },
    notify,
    async close() {
      s3.destroy();
      sqs.destroy();
      await pair.remove();
      await emulator.stop();
      await db.cleanup();
    },
  };
}

export interface Host {
  child: ChildProcess;
  /** The API URL (api / all roles). */
  url: string | null;
  output(): string;
  /** Pino log records written so far (JSON lines on stdout). */
  logs(): Record<string, unknown>[];
  /** Resolves with the first log record matching, waiting up to `timeoutMs`. */
  waitForLog(match: (record: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** SIGKILL to the whole process group: the instance is gone, nothing runs its shutdown. */
  killInstance(): void;
  stop(): Promise<void>;
}

/** Starts `echo-cloud serve` in its own process group with the cloud env and a fresh data dir. */
export async function startHost(cloud: Cloud, role: 'api' | 'worker' | 'all', env: Record<string, string> = {}): Promise<Host> {
  const dataDir = await mkdtemp(join(tmpdir(), `echo-${role}-`));
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      ...process.env,
      ...cloud.env,
      ECHO_CLOUD_ROLE: role,
      ECHO_CLOUD_DATA_DIR: dataDir,
      ECHO_CLOUD_PORT: '0',
      ECHO_CLOUD_ADMIN_TOKEN: 'test_admin_token_for_the_scale_out_tests_0123456789',
      ECHO_CLOUD_LOG_LEVEL: 'debug',
      ECHO_CLOUD_INBOX: 'false',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  const records: Record<string, unknown>[] = [];
  const waiters: { match: (r: Record<string, unknown>) => boolean; resolve: (r: Record<string, unknown>) => void }[] = [];
  let partial = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      records.push(record);
      for (const w of [...waiters]) {
        if (w.match(record)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(record);
        }
      }
    }
  });
  child.stderr?.on('data', (d: Buffer) => {
    err += d;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = await new Promise<string | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} host did not start in 90 s:\n${err}\n${out.slice(-4000)}`)), 90_000);
    const check = (): void => {
      const listening = /EchoCloud listening on (http:\/\/\S+)/.exec(err);
      if (listening || /EchoCloud worker pool running/.test(err)) {
        clearTimeout(timer);
        resolve(listening ? listening[1]! : null);
      }
    };
    child.stderr?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${role} host exited with ${code} before starting:\n${err}\n${out.slice(-4000)}`));
    });
  });
  const host: Host = {
    child,
    url: started,
    output: () => `${err}\n${out}`,
    logs: () => records,
    waitForLog(match, timeoutMs = 60_000) {
      const found = records.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching log record in ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          match,
          resolve: (r) => {
            clearTimeout(timer);
            resolve(r);
          },
        });
      });
    },
    killInstance() {
      if (child.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => host.killInstance(), 30_000);
      await exited;
      clearTimeout(timer);
      // Worker processes of a killed server notice the lost channel and exit; make sure none is left.
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return host;
}
