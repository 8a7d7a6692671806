import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3Client,
  type ServerSideEncryption,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { EchoError } from '../../../errors/catalogue.ts';
import { validateKey } from '../../../ports/object-keys.ts';
import type { ObjectInfo, ObjectStore, PresignedRequest, PresignOptions, PutOptions, PutResult } from '../../../ports/object-store.ts';
import { isMissing, storeFailed } from './s3-errors.ts';

export interface S3StoreOptions {
  bucket: string;
  /** Key prefix inside the bucket ('' or `a/b`, without slashes at either end); store keys live below it. */
  prefix: string;
  /** AWS region; unset: the SDK's default chain (AWS_REGION, profile, instance metadata). */
  region?: string | null;
  /** Endpoint override (an emulator such as fauxqs); path-style addressing is used with it. */
  endpoint?: string | null;
  /** KMS key id or ARN: every put is encrypted with SSE-KMS under it. Unset: the bucket's default encryption. */
  kmsKeyId?: string | null;
  /** Multipart part size (bytes, ≥ 5 MiB). Objects smaller than one part go up in one PutObject. */
  partSizeBytes?: number;
  /** Parts uploaded at once; memory held by one put is at most partSizeBytes × (queueSize + 1). */
  queueSize?: number;
  /** A client to use instead of building one (tests); the store does not destroy it on close. */
  client?: S3Client;
}

export const MIN_PART_BYTES = 5 * 1024 * 1024;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/**
 * ObjectStore on Amazon S3 (or an S3-compatible endpoint). Puts stream through lib-storage's Upload:
 * one PutObject below a part, multipart above it; the sha256 and size are computed as the bytes flow, and a
 * failed put aborts the multipart upload, so nothing appears under the key (S3 makes an object visible
 * only when its PutObject or CompleteMultipartUpload succeeds: atomic by nature). No local file exists,
 * so `localPath` is null and workers spool inputs to their work dir.
 */
export function createS3ObjectStore(options: S3StoreOptions): ObjectStore {
  const { bucket } = options;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new EchoError('CONFIG_INVALID', `s3 store: bucket name ${JSON.stringify(bucket)} is not a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)`);
  }
  const prefix = options.prefix.replace(/^\/+|\/+$/g, '');
  if (prefix !== '') validateKey(prefix);
  const partSize = Math.max(MIN_PART_BYTES, options.partSizeBytes ?? 8 * 1024 * 1024);
  const queueSize = Math.max(1, options.queueSize ?? 4);
  const ownsClient = options.client === undefined;
  const client =
    options.client ??
    new S3Client({
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint, forcePathStyle: true } : {}),
    });
  const encryption: { ServerSideEncryption?: ServerSideEncryption; SSEKMSKeyId?: string } = options.kmsKeyId
    ? { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: options.kmsKeyId }
    : {};
  const full = (key: string): string => (prefix ? `${prefix}/${validateKey(key)}` : validateKey(key));

  async function put(key: string, body: Readable | AsyncIterable<Uint8Array>, putOptions: PutOptions = {}): Promise<PutResult> {
    const objectKey = full(key);
    const hash = putOptions.skipSha256 ? null : createHash('sha256');
    let size = 0;
    let refused: EchoError | null = null;
    async function* counted(): AsyncIterable<Uint8Array> {
      for await (const raw of body) {
        // Streams made from strings yield strings: hash and send their UTF-8 bytes.
        const chunk: Uint8Array = typeof raw === 'string' ? Buffer.from(raw) : raw;
        size += chunk.length;
        if (putOptions.maxBytes !== undefined && size > putOptions.maxBytes) {
          refused = new EchoError('UPLOAD_TOO_LARGE', `object ${key} is over the limit of ${putOptions.maxBytes} bytes`, { details: { limit: putOptions.maxBytes } });
          throw refused;
        }
        hash?.update(chunk);
        yield chunk;
      }
    }
    const upload = new Upload({
      client,
      partSize,
      queueSize,
      leavePartsOnError: false,
      params: { Bucket: bucket, Key: objectKey, Body: Readable.from(counted()), ContentType: putOptions.contentType, ...encryption },
    });
    try {
      await upload.done();
    } catch (err) {
      throw refused ?? storeFailed(bucket, 'put', key, err);
    }
    return { key, size, sha256: hash ? hash.digest('hex') : null };
  }

  async function get(key: string): Promise<Readable> {
    const objectKey = full(key);
    try {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: objectKey }));
      if (!(out.Body instanceof Readable)) throw new Error('GetObject returned no readable body');
      return out.Body;
    } catch (err) {
      if (isMissing(err)) throw new EchoError('NOT_FOUND', `no object at ${key}`);
      throw storeFailed(bucket, 'get', key, err);
    }
  }

  async function head(key: string): Promise<ObjectInfo | null> {
    const objectKey = full(key);
    try {
      const out = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey }));
      return { key, size: out.ContentLength ?? 0 };
    } catch (err) {
      if (isMissing(err)) return null;
      throw storeFailed(bucket, 'head', key, err);
    }
  }

  async function remove(key: string): Promise<void> {
    const objectKey = full(key);
    try {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey }));
    } catch (err) {
      if (isMissing(err)) return;
      throw storeFailed(bucket, 'delete', key, err);
    }
  }

  async function* list(listPrefix: string): AsyncIterable<string> {
    const base = prefix ? `${prefix}/` : '';
    let token: string | undefined;
    do {
      let page: ListObjectsV2CommandOutput;
      try {
        page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: base + listPrefix, ContinuationToken: token }));
      } catch (err) {
        throw storeFailed(bucket, 'list', listPrefix, err);
      }
      // S3 lists in UTF-8 byte order, which is lexical order for the keys this store accepts.
      for (const object of page.Contents ?? []) if (object.Key) yield object.Key.slice(base.length);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  function expiry(presign: PresignOptions): number {
    const seconds = presign.expiresInSeconds;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS) {
      throw new EchoError('BAD_REQUEST', `expiresInSeconds must be an integer from 1 to ${MAX_PRESIGN_SECONDS} (7 days), got ${seconds}`);
    }
    return seconds;
  }

  async function presignGet(key: string, presign: PresignOptions): Promise<PresignedRequest> {
    const objectKey = full(key);
    const expiresIn = expiry(presign);
    const disposition = presign.downloadName ? `attachment; filename*=UTF-8''${encodeURIComponent(presign.downloadName)}` : undefined;
    try {
      const url = await getSignedUrl(client, new GetObjectCommand({ Bucket: bucket, Key: objectKey, ResponseContentDisposition: disposition }), { expiresIn });
      return { method: 'GET', url, headers: {}, expiresAt: Date.now() + expiresIn * 1000 };
    } catch (err) {
      throw storeFailed(bucket, 'presign get', key, err);
    }
  }

  async function presignPut(key: string, presign: PresignOptions & { contentType?: string; createOnly?: boolean }): Promise<PresignedRequest> {
    const objectKey = full(key);
    const expiresIn = expiry(presign);
    const headers: Record<string, string> = {};
    if (encryption.ServerSideEncryption) headers['x-amz-server-side-encryption'] = encryption.ServerSideEncryption;
    if (encryption.SSEKMSKeyId) headers['x-amz-server-side-encryption-aws-kms-key-id'] = encryption.SSEKMSKeyId;
    if (presign.contentType) headers['content-type'] = presign.contentType;
    if (presign.createOnly) headers['if-none-match'] = '*';
    try {
      const command = new PutObjectCommand({ Bucket: bucket, Key: objectKey, ContentType: presign.contentType, ...(presign.createOnly ? { IfNoneMatch: '*' } : {}), ...encryption });
      withoutPresignedChecksum(command);
      const url = await getSignedUrl(client, command, { expiresIn });
      return { method: 'PUT', url, headers, expiresAt: Date.now() + expiresIn * 1000 };
    } catch (err) {
      throw storeFailed(bucket, 'presign put', key, err);
    }
  }

  return {
    put,
    get,
    head,
    delete: remove,
    list,
    // S3 objects have no local file: workers spool them (see process-job.ts).
    localPath: async () => null,
    presignGet,
    presignPut,
    close: async () => {
      if (ownsClient) client.destroy();
    },
  };
}

/**
 * The SDK adds a CRC32 checksum to every PutObject by default (since client-s3 3.729). At presign time
 * there is no body, so it would sign `x-amz-checksum-crc32` of the EMPTY body into the URL, and S3 refuses
 * every real upload to it (checksum mismatch). Drop the checksum headers before the URL is signed; the
 * worker computes the sha256 of what arrived anyway.
 */
function withoutPresignedChecksum(command: PutObjectCommand): void {
  command.middlewareStack.add(
    (next) => (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers;
      if (headers) for (const name of Object.keys(headers)) if (/^x-amz-(checksum-|sdk-checksum-algorithm$)/i.test(name)) delete headers[name];
      return next(args);
    },
    { step: 'build', priority: 'low', name: 'echoPresignWithoutChecksum' },
  );
}
