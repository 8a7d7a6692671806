import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Config } from '../../config/load.ts';
import { openCine } from '../../formats/open-cine.ts';
import { buildResultDocument } from '../../pipeline/result-document.ts';
import { activeModel, openModelSession } from '../../wiring/model.ts';
import { printJson } from '../output.ts';

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * `echo-cloud run FILE [--model NAME[@VERSION]] [--json]`: runs the deployed model locally, no server.
 * `--model` (pinned) wins; without it, the active model (deployment record, else ECHO_CLOUD_MODEL).
 */
export async function runCommand(file: string, config: Config, flags: { json: boolean; pinned?: boolean }): Promise<number> {
  const t0 = Date.now();
  // Opening the cine first names a missing, unreadable or unsupported file with its coded error.
  const cine = await openCine(file, { limits: { maxDecodedBytes: config.maxDecodedBytes } });
  let session: Awaited<ReturnType<typeof openModelSession>> | undefined;
  try {
    const sha256 = await sha256File(file);
    session = await openModelSession(config, flags.pinned ? undefined : await activeModel(config));
    const t1 = Date.now();
    const prediction = await session.predict(cine, { path: file, name: basename(file) });
    const t2 = Date.now();
    const doc = buildResultDocument({
      input: { key: file, sha256 },
      cine,
      model: session.identity,
      prediction,
      timings: { queued: 0, read: t1 - t0, inference: t2 - t1, total: t2 - t0 },
    });
    if (flags.json) printJson(doc);
    else {
      const p = doc.prediction;
      process.stdout.write(`${basename(file)}: ${p.view} (confidence ${p.confidence.toFixed(3)}), quality ${p.quality_mean.toFixed(3)} ± ${p.quality_std.toFixed(3)} — ${session.identity.name}@${session.identity.version}\n`);
    }
    return 0;
  } finally {
    await cine.close();
    await session?.close();
  }
}
