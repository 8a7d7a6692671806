/**
 * Hand-written JSON checks for the model manifest: every failure names the field, the value found and
 * what is accepted, as ECHO_ERR_MODEL_INVALID prefixed with the manifest's path.
 */
import { EchoError } from '../errors/catalogue.ts';

export type Json = unknown;

export class Checker {
  readonly source: string;

  constructor(source: string) {
    this.source = source;
  }

  fail(field: string, problem: string): never {
    throw new EchoError('MODEL_INVALID', `${this.source}: field "${field}" ${problem}`, { details: { field, source: this.source } });
  }

  /** An object whose keys are exactly `required` plus any of `optional`; unknown keys are refused by name. */
  object(value: Json, field: string, keys: { required: string[]; optional?: string[] }): Record<string, Json> {
    const obj = this.plainObject(value, field);
    const allowed = new Set([...keys.required, ...(keys.optional ?? [])]);
    for (const key of Object.keys(obj)) {
      if (!allowed.has(key)) this.fail(join(field, key), `is not a known field; accepted: ${[...allowed].join(', ')}`);
    }
    for (const key of keys.required) if (!(key in obj)) this.fail(join(field, key), 'is missing');
    return obj;
  }

  plainObject(value: Json, field: string): Record<string, Json> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail(field, `must be an object, got ${describe(value)}`);
    return value as Record<string, Json>;
  }

  string(value: Json, field: string, pattern?: RegExp, what?: string): string {
    if (typeof value !== 'string') this.fail(field, `must be a string, got ${describe(value)}`);
    if (pattern && !pattern.test(value)) this.fail(field, `must be ${what ?? `a string matching ${pattern}`}, got ${JSON.stringify(value)}`);
    return value;
  }

  oneOf<T extends string | number | boolean>(value: Json, field: string, accepted: readonly T[]): T {
    if (!accepted.includes(value as T)) this.fail(field, `must be one of ${accepted.map((a) => JSON.stringify(a)).join(', ')}, got ${describe(value)}`);
    return value as T;
  }

  number(value: Json, field: string, range: { min: number; max: number; integer?: boolean; maxExclusive?: boolean }): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) this.fail(field, `must be a finite number, got ${describe(value)}`);
    if (range.integer && !Number.isInteger(value)) this.fail(field, `must be an integer, got ${value}`);
    const tooHigh = range.maxExclusive ? value >= range.max : value > range.max;
    if (value < range.min || tooHigh) {
      this.fail(field, `must be in [${range.min}, ${range.max}${range.maxExclusive ? ')' : ']'}, got ${value}`);
    }
    return value;
  }

  boolean(value: Json, field: string): boolean {
    if (typeof value !== 'boolean') this.fail(field, `must be true or false, got ${describe(value)}`);
    return value;
  }

  /** An object mapping names matching `keyPattern` to strings matching `valuePattern`. */
  stringMap(value: Json, field: string, keyPattern: RegExp, keyWhat: string, valuePattern: RegExp, valueWhat: string): Record<string, string> {
    const obj = this.plainObject(value, field);
    const out: Record<string, string> = {};
    for (const [key, v] of Object.entries(obj)) {
      if (!keyPattern.test(key)) this.fail(join(field, key), `is not ${keyWhat}`);
      out[key] = this.string(v, join(field, key), valuePattern, valueWhat);
    }
    return out;
  }
}

export function join(parent: string, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

export function describe(value: Json): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
