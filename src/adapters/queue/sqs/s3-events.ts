import type { JobBody, ObjectCreatedBody } from '../../../ports/job-queue.ts';

/** Where the store's objects live: events for other buckets or keys outside the prefix are not ours. */
export interface ObjectEventSource {
  bucket: string;
  /** The store's key prefix in the bucket ('' or `a/b`). */
  prefix: string;
}

/** What one SQS message body turned out to be. */
export type ParsedBody =
  | { kind: 'job'; body: JobBody }
  | { kind: 'object-created'; body: ObjectCreatedBody }
  /** An S3 event holding several records: re-sent one record per message, then deleted. */
  | { kind: 'split'; records: unknown[] }
  /** Nothing to run (s3:TestEvent, ObjectRemoved, another bucket, outside inputs/): deleted. */
  | { kind: 'ignore'; reason: string }
  /** Not a message this system understands: left alone, so the redrive policy dead-letters it. */
  | { kind: 'poison'; reason: string };

interface S3Record {
  eventSource?: string;
  eventName?: string;
  eventTime?: string;
  s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number } };
}

/**
 * Reads a message body: a job sent by ingest (JSON JobBody), or an S3 event notification exactly as AWS
 * delivers it (`{"Records":[{"eventSource":"aws:s3","eventName":"ObjectCreated:Put","s3":{...}}]}` with the
 * object key URL-encoded, spaces as `+`), or the `s3:TestEvent` S3 sends when notifications are configured.
 */
export function parseBody(text: string, source: ObjectEventSource | null): ParsedBody {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: 'poison', reason: 'the body is not JSON' };
  }
  if (typeof value !== 'object' || value === null) return { kind: 'poison', reason: 'the body is not a JSON object' };
  const v = value as Record<string, unknown>;
  if (v.Event === 's3:TestEvent') return { kind: 'ignore', reason: 's3:TestEvent (sent when bucket notifications are configured)' };
  if (Array.isArray(v.Records)) {
    if (v.Records.length === 0) return { kind: 'ignore', reason: 'an S3 event with no records' };
    if (v.Records.length > 1) return { kind: 'split', records: v.Records };
    return parseRecord(v.Records[0] as S3Record, source);
  }
  if (isJobBody(v)) return { kind: 'job', body: v };
  return { kind: 'poison', reason: 'neither a job nor an S3 event notification' };
}

function parseRecord(record: S3Record, source: ObjectEventSource | null): ParsedBody {
  if (record?.eventSource !== 'aws:s3') return { kind: 'poison', reason: `an event record from ${String(record?.eventSource)}, not aws:s3` };
  if (!record.eventName?.startsWith('ObjectCreated:')) return { kind: 'ignore', reason: `S3 event ${record.eventName}` };
  const bucket = record.s3?.bucket?.name;
  const rawKey = record.s3?.object?.key;
  if (typeof bucket !== 'string' || typeof rawKey !== 'string') return { kind: 'poison', reason: 'an S3 record without bucket name or object key' };
  if (!source) return { kind: 'ignore', reason: `an S3 event for s3://${bucket}, but the object store is not on S3` };
  if (bucket !== source.bucket) return { kind: 'ignore', reason: `an S3 event for bucket ${bucket}, not the store's bucket ${source.bucket}` };
  let objectKey: string;
  try {
    // S3 URL-encodes keys in notifications, with spaces as '+'.
    objectKey = decodeURIComponent(rawKey.replace(/\+/g, ' '));
  } catch {
    return { kind: 'poison', reason: `an S3 record whose key is not URL-encoded: ${rawKey.slice(0, 200)}` };
  }
  const base = source.prefix ? `${source.prefix}/` : '';
  if (!objectKey.startsWith(base)) return { kind: 'ignore', reason: `object ${objectKey} is outside the store's prefix ${base}` };
  const key = objectKey.slice(base.length);
  if (!key.startsWith('inputs/')) return { kind: 'ignore', reason: `object ${key} is not under inputs/` };
  const eventTime = Date.parse(record.eventTime ?? '');
  return {
    kind: 'object-created',
    body: { kind: 'object-created', key, size: Number(record.s3?.object?.size ?? 0), eventTime: Number.isFinite(eventTime) ? eventTime : Date.now() },
  };
}

function isJobBody(v: Record<string, unknown>): v is Record<string, unknown> & JobBody {
  const model = v.model as Record<string, unknown> | undefined;
  return (
    typeof v.jobId === 'string' &&
    typeof v.clipId === 'string' &&
    typeof v.queuedAt === 'number' &&
    typeof model === 'object' &&
    model !== null &&
    typeof model.name === 'string' &&
    typeof model.version === 'string'
  );
}

/** One record as its own S3 event message body (what `split` re-sends). */
export function singleRecordBody(record: unknown): string {
  return JSON.stringify({ Records: [record] });
}
