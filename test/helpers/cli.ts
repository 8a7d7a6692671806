import { execFile } from 'node:child_process';
import { CLI } from './server.ts';

/** Runs `echo-cloud ARGS` as a child process; resolves with its exit code and output (never rejects on exit code). */
export function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { env: { ...process.env, ECHO_CLOUD_LOG_LEVEL: 'warn', ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}
