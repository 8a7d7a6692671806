import { EchoError, isEchoError } from '../../../errors/catalogue.ts';
import { type AwsError, awsErrorText } from '../../aws-errors.ts';

/** SQS's answers for a receipt handle that is no longer the current delivery (or never was). */
export function isStaleReceipt(err: unknown): boolean {
  const e = err as AwsError;
  return (
    e?.name === 'MessageNotInflight' ||
    e?.name === 'ReceiptHandleIsInvalid' ||
    ((e?.name === 'InvalidParameterValue' || e?.name === 'InvalidParameterValueException') && /receipt|not available|does not exist/i.test(e.message ?? ''))
  );
}

export function queueFailed(queue: string, operation: string, err: unknown): EchoError {
  if (isEchoError(err)) return err;
  return new EchoError('QUEUE_FAILED', `sqs queue ${queue}: ${operation}: ${awsErrorText(err)}`, {
    cause: err,
    details: { queue, operation },
  });
}

export function staleReceipt(queue: string, operation: string, receipt: string): EchoError {
  return new EchoError('NOT_FOUND', `sqs queue ${queue}: ${operation}: receipt is stale (the message was redelivered, deleted or dead-lettered)`, {
    details: { queue, operation, receipt: receipt.slice(0, 64) },
  });
}
