/** What the AWS SDK's errors carry that the adapters read. */
export interface AwsError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/** `Name: message (HTTP n)`, for the coded errors the S3 and SQS adapters raise. */
export function awsErrorText(err: unknown): string {
  const e = err as AwsError;
  const status = e?.$metadata?.httpStatusCode;
  return `${e?.name ?? 'Error'}: ${e?.message ?? String(err)}${status ? ` (HTTP ${status})` : ''}`;
}
