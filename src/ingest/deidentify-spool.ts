import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { EchoError } from '../errors/catalogue.ts';
import { randomId } from '../util/ids.ts';
import { sniffStream } from './sniff-stream.ts';

/**
 * De-identification on ingest (ECHO_CLOUD_DEIDENTIFY=basic). `file` turns a spooled upload of a known
 * format into the file to store: a de-identified copy written under `spoolDir`, or the upload itself for a
 * format that passes through; it throws a coded error to refuse the upload.
 */
export interface IngestDeidentifier {
  spoolDir: string;
  file(input: { path: string; outPath: string; name: string; format: string; projectId: string }): Promise<string>;
}

export interface Spooled {
  body: AsyncIterable<Uint8Array>;
  format: string;
  cleanup(): Promise<void>;
}

/**
 * Spools an upload to a private file (mode 0600; the sniffer and size cap run on the way), de-identifies
 * it, and returns the bytes to store. The identified upload never reaches the object store; `cleanup`
 * deletes both spool files and must be called whatever happens.
 */
export async function spoolDeidentified(
  deid: IngestDeidentifier,
  body: AsyncIterable<Uint8Array>,
  options: { name: string; projectId: string; maxBytes: number; detect: (head: Uint8Array, name: string) => string | null; supportedFormats: () => string },
): Promise<Spooled> {
  await mkdir(deid.spoolDir, { recursive: true, mode: 0o700 });
  const id = randomId('deid');
  const inPath = join(deid.spoolDir, `${id}.in`);
  const outPath = join(deid.spoolDir, `${id}.out`);
  const cleanup = async (): Promise<void> => {
    await rm(inPath, { force: true });
    await rm(outPath, { force: true });
  };
  try {
    let format = '';
    let size = 0;
    await pipeline(
      sniffStream(body, options.name, options.detect, options.supportedFormats, (f) => {
        format = f;
      }),
      async function* (source: AsyncIterable<Uint8Array>) {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > options.maxBytes) throw new EchoError('UPLOAD_TOO_LARGE', `file ${options.name} is over the upload limit of ${options.maxBytes} bytes`, { details: { limit: options.maxBytes } });
          yield chunk;
        }
      },
      createWriteStream(inPath, { mode: 0o600 }),
    );
    const path = await deid.file({ path: inPath, outPath, name: options.name, format, projectId: options.projectId });
    return { body: createReadStream(path), format, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}
