import { EchoError } from '../../../errors/catalogue.ts';

/**
 * Argument checks. The ranges mirror Amazon SQS (delay up to 900 s, visibility up to 12 h, 1-10 messages
 * per receive) so that worker settings which run on the embedded queue also run on SQS. Fractions of a
 * second are accepted here (SQS rounds to whole seconds).
 */
export function checkNumber(name: string, value: unknown, min: number, max: number, unit: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new EchoError('BAD_REQUEST', `job queue: ${name} must be a number from ${min} to ${max} ${unit}, got ${String(value)}`, {
      details: { option: name, value, min, max },
    });
  }
  return value;
}

export function checkInteger(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new EchoError('BAD_REQUEST', `job queue: ${name} must be an integer from ${min} to ${max}, got ${String(value)}`, {
      details: { option: name, value, min, max },
    });
  }
  return value;
}

export function checkReceipt(receipt: unknown): string {
  if (typeof receipt !== 'string' || receipt.length === 0) {
    throw new EchoError('BAD_REQUEST', `job queue: receipt must be a non-empty string, got ${String(receipt)}`);
  }
  return receipt;
}

export const MAX_DELAY_SECONDS = 900;
export const MAX_VISIBILITY_SECONDS = 43_200;
export const MAX_BATCH = 10;
