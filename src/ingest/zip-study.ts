import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { EchoError, toEchoError } from '../errors/catalogue.ts';
import type { Study } from '../ports/catalog.ts';
import { randomId } from '../util/ids.ts';
import { stem, validateFileName } from './file-names.ts';
import { type IngestDeps, type IngestOutcome, type IngestRequest, ingestFile } from './ingest-file.ts';

export const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const MAX_ENTRIES = 10_000;

export interface ZipOutcome {
  study: Study;
  clips: IngestOutcome[];
  rejected: { name: string; error: { code: string; message: string } }[];
}

/**
 * A zip upload holding a study (e.g. a folder of DICOM files): each entry that is a supported cine becomes
 * its own clip in one study (named by the `study` field, else the zip's name). Entries that are not cines
 * (DICOMDIR, notes) are listed as rejected with their coded error; a zip with no cine at all is refused.
 * Bounded: the zip is spooled to disk under the upload limit, at most 10 000 entries, each entry under the
 * upload limit and all of them together under ECHO_CLOUD_MAX_DECODED_BYTES (checked from the central
 * directory before extracting, and again while inflating).
 */
export async function ingestZipStudy(deps: IngestDeps & { spoolDir: string; maxUnzippedBytes: number }, req: IngestRequest): Promise<ZipOutcome> {
  const zipName = validateFileName(req.name);
  await mkdir(deps.spoolDir, { recursive: true });
  const path = join(deps.spoolDir, `${randomId('zip')}.zip`);
  try {
    let size = 0;
    await pipeline(
      Readable.from(req.body),
      async function* (source: AsyncIterable<Uint8Array>) {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > deps.maxUploadBytes) throw new EchoError('UPLOAD_TOO_LARGE', `zip ${zipName} is over the upload limit of ${deps.maxUploadBytes} bytes`);
          yield chunk;
        }
      },
      createWriteStream(path, { mode: 0o600 }),
    );
    const zip = await openZip(path, zipName);
    try {
      const entries = await listEntries(zip, zipName);
      const files = entries.filter((e) => !e.fileName.endsWith('/') && !e.fileName.startsWith('__MACOSX/'));
      const total = files.reduce((sum, e) => sum + e.uncompressedSize, 0);
      if (total > deps.maxUnzippedBytes) {
        throw new EchoError('UPLOAD_TOO_LARGE', `zip ${zipName} unpacks to ${total} bytes, over the cap of ${deps.maxUnzippedBytes} (ECHO_CLOUD_MAX_DECODED_BYTES)`);
      }
      const study = await deps.catalog.findOrCreateStudy(req.projectId, req.study?.trim() || stem(zipName));
      const outcome: ZipOutcome = { study, clips: [], rejected: [] };
      for (const entry of files) {
        const name = entry.fileName.split('/').filter(Boolean).join('_');
        try {
          if (name.split('_').at(-1)?.startsWith('.')) continue;
          if (entry.uncompressedSize > deps.maxUploadBytes) throw new EchoError('UPLOAD_TOO_LARGE', `zip entry ${name} unpacks to ${entry.uncompressedSize} bytes, over the upload limit`);
          const body = await openEntry(zip, entry, zipName);
          outcome.clips.push(await ingestFile(deps, { ...req, name, body, study: study.name }));
        } catch (err) {
          outcome.rejected.push({ name, error: toEchoError(err).toJSON() });
        }
      }
      if (outcome.clips.length === 0) {
        const why = outcome.rejected.slice(0, 3).map((r) => `${r.name}: ${r.error.code}`).join('; ');
        throw new EchoError('UNSUPPORTED_FORMAT', `zip ${zipName} holds no supported cine (${files.length} entries${why ? `; ${why}` : ''}); supported: ${deps.supportedFormats()}`);
      }
      return outcome;
    } finally {
      zip.close();
    }
  } finally {
    await rm(path, { force: true });
  }
}

function openZip(path: string, zipName: string): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(path, { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false }, (err, zip) => {
      if (err || !zip) reject(new EchoError('CINE_CORRUPT', `zip ${zipName} cannot be read: ${err?.message ?? 'no archive'}`));
      else resolve(zip);
    });
  });
}

function listEntries(zip: yauzl.ZipFile, zipName: string): Promise<yauzl.Entry[]> {
  if (zip.entryCount > MAX_ENTRIES) {
    return Promise.reject(new EchoError('UPLOAD_TOO_LARGE', `zip ${zipName} has ${zip.entryCount} entries; at most ${MAX_ENTRIES} are accepted`));
  }
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      entries.push(e);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', (err: Error) =>
      reject(
        // yauzl refuses absolute and `..` entry names (zip slip) for the whole archive.
        /invalid relative path|absolute path/.test(err.message)
          ? new EchoError('INVALID_NAME', `zip ${zipName} has an entry that climbs out of its folder (${err.message}); the zip is refused whole`)
          : new EchoError('CINE_CORRUPT', `zip ${zipName} is damaged: ${err.message}`),
      ),
    );
    zip.readEntry();
  });
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry, zipName: string): Promise<AsyncIterable<Uint8Array>> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err || !stream) reject(new EchoError('CINE_CORRUPT', `zip ${zipName}: entry ${entry.fileName} cannot be read: ${err?.message ?? 'no stream'}`));
      else {
        // yauzl reports a size mismatch or bad data as a stream error; make it a coded one.
        resolve(
          (async function* () {
            try {
              for await (const chunk of stream) yield chunk as Uint8Array;
            } catch (e) {
              throw new EchoError('CINE_CORRUPT', `zip ${zipName}: entry ${entry.fileName} is damaged: ${(e as Error).message}`);
            }
          })(),
        );
      }
    });
  });
}
