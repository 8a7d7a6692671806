import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBody } from '../../../src/adapters/queue/sqs/s3-events.ts';
import { s3EventBody } from '../../helpers/s3-event.ts';

/** An S3 event notification body exactly as S3 delivers it to SQS (event version 2.1). */
function s3Event(key: string, options: { bucket?: string; eventName?: string; size?: number } = {}): string {
  return s3EventBody(options.bucket ?? 'echo-bucket', key, options.size ?? 1024, options.eventName, '2026-11-26T12:00:00.123Z');
}

const SOURCE = { bucket: 'echo-bucket', prefix: 'site/a' };

test('an ObjectCreated record becomes an object-created body with the key decoded (+ is a space) below the prefix', () => {
  const parsed = parseBody(s3Event('site/a/inputs/study+7/A4C%C3%A9+clip%2B1.mat', { size: 5000 }), SOURCE);
  assert.deepEqual(parsed, {
    kind: 'object-created',
    body: { kind: 'object-created', key: 'inputs/study 7/A4Cé clip+1.mat', size: 5000, eventTime: Date.parse('2026-11-26T12:00:00.123Z') },
  });
  for (const eventName of ['ObjectCreated:CompleteMultipartUpload', 'ObjectCreated:Copy', 'ObjectCreated:Post']) {
    assert.equal(parseBody(s3Event('site/a/inputs/x.mat', { eventName }), SOURCE).kind, 'object-created', eventName);
  }
});

test('the s3:TestEvent, removals, other buckets, keys outside the prefix or inputs/ are ignored', () => {
  const testEvent = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Time: '2026-11-26T12:00:00.000Z', Bucket: 'echo-bucket', RequestId: '5582815E1AEA5ADF', HostId: '8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE' });
  assert.equal(parseBody(testEvent, SOURCE).kind, 'ignore');
  assert.equal(parseBody(s3Event('site/a/inputs/x.mat', { eventName: 'ObjectRemoved:Delete' }), SOURCE).kind, 'ignore');
  assert.equal(parseBody(s3Event('site/a/inputs/x.mat', { bucket: 'other' }), SOURCE).kind, 'ignore');
  assert.equal(parseBody(s3Event('site/b/inputs/x.mat'), SOURCE).kind, 'ignore');
  assert.equal(parseBody(s3Event('site/a/outputs/x.json'), SOURCE).kind, 'ignore');
  assert.equal(parseBody(s3Event('inputs/x.mat'), null).kind, 'ignore', 'no S3 store configured');
  assert.equal(parseBody(s3Event('inputs/x.mat'), { bucket: 'echo-bucket', prefix: '' }).kind, 'object-created');
});

test('several records are split; a job body passes through; anything else is poison', () => {
  const two = JSON.parse(s3Event('site/a/inputs/a.mat')) as { Records: unknown[] };
  two.Records.push(two.Records[0]);
  const split = parseBody(JSON.stringify(two), SOURCE);
  assert.equal(split.kind, 'split');
  assert.equal(split.kind === 'split' && split.records.length, 2);
  const job = { jobId: 'job_1', clipId: 'clip_1', model: { name: 'm', version: '1' }, queuedAt: 5 };
  assert.deepEqual(parseBody(JSON.stringify(job), SOURCE), { kind: 'job', body: job });
  for (const bad of ['not json', '42', '{"jobId":1}', '{"Records":[{"eventSource":"aws:sns"}]}', s3Event('site/a/inputs/%E0%A4%A.mat')]) {
    assert.equal(parseBody(bad, SOURCE).kind, 'poison', bad);
  }
});
