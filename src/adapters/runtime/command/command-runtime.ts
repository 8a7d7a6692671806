/**
 * ClipRuntime for `"runtime": "command"`: runs the manifest's program once per clip under the file
 * contract of docs/models.md. Per clip: a fresh private directory, cine.npy + cine.json written
 * (clip-files.ts), the program run with the directory as its last argument (or where `{dir}` appears)
 * and as ECHO_CLOUD_CLIP_DIR, its result.json checked and aggregated (read-result.ts), the directory
 * removed. The program sees a small environment, not the worker's (which holds database and store
 * credentials): PATH, HOME, locale, TZ, TMPDIR, the manifest's passEnv and env, and the two
 * ECHO_CLOUD_* variables.
 */
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { EchoError } from '../../../errors/catalogue.ts';
import type { DeployedModel } from '../../../models/load.ts';
import type { CommandManifest } from '../../../models/manifest.ts';
import type { Cine } from '../../../ports/cine-reader.ts';
import type { ClipContext, ClipRuntime, ClipRuntimePrediction } from '../../../ports/model-runtime.ts';
import { writeClipFiles } from './clip-files.ts';
import { readResultFile } from './read-result.ts';
import { type ProgramOutcome, runProgram } from './run-program.ts';

export interface CommandRuntimeOptions {
  /**
   * Folder under which each clip gets its own directory; default the OS temp dir. Created if missing,
   * and then removed again by `close`.
   */
  scratchDir?: string;
  /** Where PATH, HOME, locale and the manifest's passEnv are taken from; default process.env. */
  env?: Record<string, string | undefined>;
}

/** Variables passed to every program when the worker has them. */
const BASE_ENV = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'LC_CTYPE', 'TZ', 'TMPDIR'];
const PLACEHOLDER = /\{(dir|model|input|uid|gid)\}/g;

export async function createCommandRuntime(model: DeployedModel, options: CommandRuntimeOptions = {}): Promise<ClipRuntime> {
  const who = `model ${model.manifest.name}@${model.manifest.version}`;
  if (model.manifest.runtime !== 'command') throw new EchoError('MODEL_INVALID', `${who}: runtime "${model.manifest.runtime}" is not a command model`);
  const manifest: CommandManifest = model.manifest;
  const spec = manifest.command;
  const parentEnv = options.env ?? process.env;
  const scratch = resolve(options.scratchDir ?? tmpdir());
  const usesDir = spec.argv.some((a) => a.includes('{dir}'));
  if (manifest.input.mode !== 'original' && spec.argv.some((a) => a.includes('{input}'))) {
    throw new EchoError('MODEL_INVALID', `${who}: command.argv uses {input}, which only exists in input mode "original"`);
  }
  await findProgram(spec.argv[0]!, model.dir, parentEnv.PATH, who);
  const createdScratch = (await mkdir(scratch, { recursive: true, mode: 0o700 })) !== undefined;

  const aborts = new Set<AbortController>();
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  async function predictOnce(cine: Cine, context: ClipContext | undefined, abort: AbortController): Promise<ClipRuntimePrediction> {
    const t0 = performance.now();
    const dir = await mkdtemp(join(scratch, 'clip-'));
    try {
      const written = await writeClipFiles(dir, cine, manifest, context);
      const t1 = performance.now();
      const values: Record<string, string> = {
        dir,
        model: model.dir,
        input: written.originalPath ?? '',
        uid: String(process.getuid?.() ?? ''),
        gid: String(process.getgid?.() ?? ''),
      };
      const argv = spec.argv.map((a) => a.replace(PLACEHOLDER, (_, name: string) => values[name]!));
      if (!usesDir) argv.push(dir);
      const outcome = await runProgram({
        argv,
        cwd: model.dir,
        env: programEnv(manifest, parentEnv, dir, model.dir),
        timeoutMs: spec.timeoutMs,
        killGraceMs: spec.killGraceMs,
        tailBytes: spec.outputTailBytes,
        ...(spec.memoryMb !== undefined ? { memoryMb: spec.memoryMb } : {}),
        ...(spec.cpuSeconds !== undefined ? { cpuSeconds: spec.cpuSeconds } : {}),
        signal: abort.signal,
      }).catch((err: NodeJS.ErrnoException) => {
        throw new EchoError('INFERENCE_FAILED', `${who}: cannot start ${quote(argv)}: ${err.message}`, { cause: err });
      });
      failIfUnsuccessful(outcome, manifest, argv, who);
      const aggregate = await readResultFile(join(dir, 'result.json'), {
        who: `${who} (${quote(argv)})`,
        labels: manifest.output.labels,
        indices: written.indices,
        sourceFrames: cine.frames,
      });
      const t2 = performance.now();
      return { ...aggregate, timings: { read_ms: t1 - t0, inference_ms: t2 - t1 } };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  return {
    async predictClip(cine, context) {
      if (closed) throw new EchoError('INFERENCE_FAILED', `${who}: the runtime is closed`);
      const abort = new AbortController();
      const call = predictOnce(cine, context, abort);
      aborts.add(abort);
      inFlight.add(call);
      try {
        return await call;
      } finally {
        aborts.delete(abort);
        inFlight.delete(call);
      }
    },
    async close() {
      closed = true;
      for (const abort of aborts) abort.abort();
      await Promise.allSettled([...inFlight]);
      if (createdScratch) await rm(scratch, { recursive: true, force: true });
    },
  };
}

function failIfUnsuccessful(outcome: ProgramOutcome, manifest: CommandManifest, argv: string[], who: string): void {
  const spec = manifest.command;
  const output = () => {
    const stderr = outcome.stderr.trim();
    const stdout = outcome.stdout.trim();
    if (stderr) return `; stderr ends: ${stderr}`;
    if (stdout) return `; stdout ends: ${stdout}`;
    return '; it wrote nothing to stdout or stderr';
  };
  const details = { exitCode: outcome.exitCode, signal: outcome.signal, timedOut: outcome.timedOut };
  if (outcome.aborted) throw new EchoError('INFERENCE_FAILED', `${who}: ${quote(argv)} was stopped because the runtime closed`, { details });
  if (outcome.timedOut) {
    throw new EchoError(
      'INFERENCE_FAILED',
      `${who}: ${quote(argv)} ran past command.timeoutMs (${spec.timeoutMs} ms) and its process group was killed${output()}`,
      { details },
    );
  }
  if (outcome.exitCode === 0) return;
  let hint = '';
  if (outcome.signal === 'SIGXCPU' || (outcome.signal === 'SIGKILL' && spec.cpuSeconds !== undefined)) hint = ` (command.cpuSeconds is ${spec.cpuSeconds})`;
  else if (spec.memoryMb !== undefined) hint = ` (command.memoryMb is ${spec.memoryMb}; an allocation past it fails)`;
  const how = outcome.signal ? `was killed by signal ${outcome.signal}` : `exited with code ${outcome.exitCode}`;
  throw new EchoError('INFERENCE_FAILED', `${who}: ${quote(argv)} ${how}${hint}${output()}`, { details });
}

function programEnv(manifest: CommandManifest, parent: Record<string, string | undefined>, dir: string, modelDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASE_ENV, ...manifest.command.passEnv]) {
    const v = parent[name];
    if (v !== undefined) env[name] = v;
  }
  env.PATH ??= '/usr/local/bin:/usr/bin:/bin';
  Object.assign(env, manifest.command.env);
  env.ECHO_CLOUD_CLIP_DIR = dir;
  env.ECHO_CLOUD_MODEL_DIR = modelDir;
  return env;
}

/** Fails at start-up, not at the first clip, when the program does not exist or is not executable. */
async function findProgram(program: string, modelDir: string, path: string | undefined, who: string): Promise<void> {
  const candidates = program.includes('/')
    ? [isAbsolute(program) ? program : join(modelDir, program)]
    : (path ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter).filter(Boolean).map((d) => join(d, program));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return;
    } catch {
      // try the next PATH entry
    }
  }
  const where = program.includes('/') ? candidates[0] : `PATH (${path ?? 'unset'})`;
  throw new EchoError('MODEL_INVALID', `${who}: command.argv[0] "${program}" is not an executable file in ${where}`);
}

/** The command line for messages: arguments quoted when needed, long lines shortened. */
function quote(argv: string[]): string {
  const line = argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}
