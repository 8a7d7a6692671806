import { resolve } from 'node:path';
import { writeDemoFiles } from '../../demo/write-demo-files.ts';
import { printJson } from '../output.ts';

/** `echo-cloud demo [DIR] [--json]`: writes phantom cines as .mat, .dcm and .avi to upload. */
export async function demoCommand(dir: string | undefined, flags: { json: boolean }): Promise<number> {
  const target = resolve(dir ?? 'demo');
  const { files, skipped } = await writeDemoFiles(target);
  if (flags.json) printJson({ dir: target, files, skipped });
  else {
    for (const f of files) process.stdout.write(`${f.path}  (${f.format}, phantom ${f.view})\n`);
    for (const s of skipped) process.stderr.write(`skipped: ${s}\n`);
    process.stdout.write(`\nSynthetic phantoms, not patient data. Try: npx echo-cloud upload ${target}/demo-ap4.mat --wait\n`);
  }
  return 0;
}
