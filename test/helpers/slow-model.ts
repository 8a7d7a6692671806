import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './server.ts';

/**
 * A deployed model whose every inference takes at least `sleepMs`: the command-runtime example
 * (examples/command-model, a real program answering under the file contract) started after a sleep. It is
 * deployed the normal way (ECHO_CLOUD_MODELS_DIR, ECHO_CLOUD_MODEL); nothing in the platform knows it is
 * slow. With `spans`, each run appends `start <ns>` and `end <ns>` lines to that file, so a test can see
 * when the model ran.
 */
export async function deploySlowModel(sleepMs: number, options: { spans?: string } = {}): Promise<{ dir: string; env: Record<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'echo-slow-model-'));
  const example = join(ROOT, 'examples/command-model');
  const folder = join(dir, 'slow-stats', '0.1.0');
  await mkdir(folder, { recursive: true });
  await copyFile(join(example, 'model.py'), join(folder, 'model.py'));
  const manifest = JSON.parse(await readFile(join(example, 'manifest.json'), 'utf8')) as Record<string, unknown> & { command: Record<string, unknown> };
  manifest.name = 'slow-stats';
  manifest.description = 'The command-runtime example behind a sleep: a slow model for tests.';
  const sleep = `sleep ${sleepMs / 1000}`;
  const script = options.spans
    ? `echo start $(date +%s%N) >> '${options.spans}'; ${sleep}; /usr/bin/python3 model.py "$0"; rc=$?; echo end $(date +%s%N) >> '${options.spans}'; exit $rc`
    : `${sleep} && exec /usr/bin/python3 model.py "$0"`;
  manifest.command = { ...manifest.command, argv: ['/bin/sh', '-c', script, '{dir}'] };
  manifest.weightsSha256 = createHash('sha256').update(await readFile(join(folder, 'model.py'))).digest('hex');
  await writeFile(join(folder, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return { dir, env: { ECHO_CLOUD_MODELS_DIR: dir, ECHO_CLOUD_MODEL: 'slow-stats@0.1.0' } };
}
