import { EchoError, isEchoError } from '../../../errors/catalogue.ts';
import { type AwsError, awsErrorText } from '../../aws-errors.ts';

/** True for the SDK's "no such object" answers (GetObject: NoSuchKey; HeadObject: NotFound / bare 404). */
export function isMissing(err: unknown): boolean {
  const e = err as AwsError;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/** Any driver failure as ECHO_ERR_STORE_FAILED naming the bucket, the key and the operation. */
export function storeFailed(bucket: string, operation: string, key: string, err: unknown): EchoError {
  if (isEchoError(err)) return err;
  return new EchoError('STORE_FAILED', `s3 store (bucket ${bucket}): ${operation} ${key}: ${awsErrorText(err)}`, {
    cause: err,
    details: { bucket, key, operation },
  });
}
