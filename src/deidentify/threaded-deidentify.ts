import { rm } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { codeFromWire, EchoError } from '../errors/catalogue.ts';
import { fifo } from '../util/fifo.ts';
import type { DicomDeidOptions, DicomDeidSummary } from './deidentify-dicom.ts';

const THREAD = new URL('./deidentify-thread.ts', import.meta.url);

type Reply = { summary?: DicomDeidSummary; error?: { code: string; message: string } };

let thread: Worker | null = null;
/** Files are de-identified one at a time, in turn. */
const inTurn = fifo();

/**
 * deidentifyDicomFile in a worker thread, stopped after `timeoutMs`. De-identification runs in the API
 * process at upload time and decodes with WebAssembly codecs that JavaScript cannot interrupt: a crafted
 * file could otherwise hang the API. One thread is kept and reused (starting one costs ~0.2 s); files are
 * de-identified one at a time. A stopped or crashed thread is replaced, the call answers
 * ECHO_ERR_CINE_CORRUPT and leaves no output file.
 */
export function deidentifyDicomThreaded(inPath: string, outPath: string, name: string, options: DicomDeidOptions, timeoutMs: number): Promise<DicomDeidSummary> {
  return inTurn(() => runOne(inPath, outPath, name, options, timeoutMs));
}

function runOne(inPath: string, outPath: string, name: string, options: DicomDeidOptions, timeoutMs: number): Promise<DicomDeidSummary> {
  thread ??= new Worker(THREAD);
  const worker = thread;
  worker.unref();
  return new Promise<DicomDeidSummary>((resolve, reject) => {
    let settled = false;
    const finish = (err: EchoError | null, summary?: DicomDeidSummary, kill = false): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      if (kill) {
        if (thread === worker) thread = null;
        void worker.terminate();
      }
      if (err) void rm(outPath, { force: true }).finally(() => reject(err));
      else resolve(summary!);
    };
    const onMessage = (reply: Reply): void => {
      if (reply.error) finish(new EchoError(codeFromWire(reply.error.code), reply.error.message, { details: { file: name } }));
      else finish(null, reply.summary);
    };
    const onError = (err: Error): void => finish(new EchoError('CINE_CORRUPT', `DICOM file "${name}": de-identification failed: ${err.message}`, { details: { file: name } }), undefined, true);
    const onExit = (): void => finish(new EchoError('CINE_CORRUPT', `DICOM file "${name}": de-identification stopped unexpectedly`, { details: { file: name } }), undefined, true);
    const timer = setTimeout(
      () => finish(new EchoError('CINE_CORRUPT', `DICOM file "${name}": de-identification took longer than ${timeoutMs / 1000} s and was stopped (the file is damaged or crafted)`, { details: { file: name } }), undefined, true),
      timeoutMs,
    );
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    worker.postMessage({ inPath, outPath, name, options: { ...options, projectSecret: new Uint8Array(options.projectSecret) } });
  });
}
