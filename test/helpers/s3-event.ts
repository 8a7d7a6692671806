/**
 * The body of an S3 event notification as S3 delivers it to SQS (event version 2.1, one record): the object
 * key URL-encoded with spaces as '+'. Pass `objectKey` already encoded, or use `encodeS3Key`.
 */
export function s3EventBody(bucket: string, objectKey: string, size: number, eventName = 'ObjectCreated:Put', eventTime = new Date().toISOString()): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime,
        eventName,
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'C3D13FE58DE4C810', 'x-amz-id-2': 'FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'inputs-to-queue',
          bucket: { name: bucket, ownerIdentity: { principalId: 'A3NL1KOZZKExample' }, arn: `arn:aws:s3:::${bucket}` },
          object: { key: objectKey, size, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: '0055AED6DCD90281E5' },
        },
      },
    ],
  });
}

/** How S3 writes a key into a notification: URL-encoded, '/' kept, spaces as '+'. */
export function encodeS3Key(key: string): string {
  return key
    .split('/')
    .map((s) => encodeURIComponent(s).replace(/%20/g, '+'))
    .join('/');
}
