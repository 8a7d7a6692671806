import { openCine, summarizeCine } from '../../formats/open-cine.ts';
import { printJson } from '../output.ts';

/** `echo-cloud inspect FILE [--json] [--variable PATH]`: reads a cine and prints its shape. */
export async function inspectCommand(file: string, flags: { json: boolean; variable?: string; maxDecodedBytes: number }): Promise<number> {
  const cine = await openCine(file, { limits: { maxDecodedBytes: flags.maxDecodedBytes }, ...(flags.variable ? { variable: flags.variable } : {}) });
  try {
    const summary = summarizeCine(cine);
    if (flags.json) printJson({ ...summary, metadata: cine.metadata });
    else {
      process.stdout.write(`${file}: ${summary.format}, ${summary.frames} frames of ${summary.width}×${summary.height}, ${summary.channels} channel(s), ${summary.fps ?? 'unknown'} fps\n`);
    }
    return 0;
  } finally {
    await cine.close();
  }
}
