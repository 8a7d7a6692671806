/**
 * Worker-thread entry of threaded-deidentify.ts: de-identifies one DICOM file and replies with the summary
 * or the coded error. Runs in its own thread so that a codec looping on a crafted file can be stopped.
 */
import { parentPort } from 'node:worker_threads';
import { toEchoError } from '../errors/catalogue.ts';
import { type DicomDeidOptions, deidentifyDicomFile } from './deidentify-dicom.ts';

interface Request {
  inPath: string;
  outPath: string;
  name: string;
  options: Omit<DicomDeidOptions, 'projectSecret'> & { projectSecret: Uint8Array };
}

parentPort!.on('message', async (req: Request) => {
  try {
    const summary = await deidentifyDicomFile(req.inPath, req.outPath, req.name, { ...req.options, projectSecret: Buffer.from(req.options.projectSecret) });
    parentPort!.postMessage({ summary });
  } catch (err) {
    parentPort!.postMessage({ error: toEchoError(err, 'INTERNAL', `de-identifying "${req.name}"`).toJSON() });
  }
});
