import type { IngestDeps, IngestOutcome, IngestRequest } from './ingest-file.ts';
import { ingestFile } from './ingest-file.ts';
import { peekStream } from './peek-stream.ts';
import { ingestZipStudy, ZIP_MAGIC, type ZipOutcome } from './zip-study.ts';

export type UploadDeps = IngestDeps & { spoolDir: string; maxUnzippedBytes: number };
export type UploadOutcome = ({ kind: 'clip' } & IngestOutcome) | ({ kind: 'study' } & ZipOutcome);

/** One uploaded file: a cine becomes one clip; a zip (by content) becomes a study of clips. */
export async function ingestUpload(deps: UploadDeps, req: IngestRequest): Promise<UploadOutcome> {
  const { head, stream } = await peekStream(req.body, ZIP_MAGIC.length);
  if (Buffer.from(head).equals(ZIP_MAGIC)) return { kind: 'study', ...(await ingestZipStudy(deps, { ...req, body: stream })) };
  return { kind: 'clip', ...(await ingestFile(deps, { ...req, body: stream })) };
}
