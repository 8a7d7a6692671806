import { EchoError } from '../errors/catalogue.ts';
import type { Setting } from './schema.ts';

/** Reading one setting from the environment and refusing a bad value with ECHO_ERR_CONFIG_INVALID. */
export type Env = Record<string, string | undefined>;

export function raw(env: Env, s: Setting): string | null {
  const v = env[s.env];
  return v === undefined || v === '' ? s.default : v;
}

export function bad(s: Setting, value: string, accepted: string): EchoError {
  const shown = s.secret ? '<hidden>' : JSON.stringify(value);
  return new EchoError('CONFIG_INVALID', `${s.env}=${shown} is invalid: expected ${accepted}`, {
    details: { variable: s.env },
  });
}

export function integer(env: Env, s: Setting): number {
  const v = raw(env, s) as string;
  const n = Number(v);
  const range = `an integer${s.min !== undefined ? ` >= ${s.min}` : ''}${s.max !== undefined ? ` and <= ${s.max}` : ''}`;
  if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw bad(s, v, range + (s.unit ? ` (${s.unit})` : ''));
  if ((s.min !== undefined && n < s.min) || (s.max !== undefined && n > s.max)) throw bad(s, v, range);
  return n;
}

export function boolean(env: Env, s: Setting): boolean {
  const v = (raw(env, s) as string).toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw bad(s, v, 'true or false');
}

export function oneOf<T extends string>(env: Env, s: Setting): T {
  const v = raw(env, s) as string;
  if (!s.values?.includes(v)) throw bad(s, v, `one of ${s.values?.join(', ')}`);
  return v as T;
}

export function url(env: Env, s: Setting, fallback: string, schemes: string[]): string {
  const v = raw(env, s) ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw bad(s, v, `a URL with scheme ${schemes.join(' or ')}`);
  }
  if (!schemes.includes(parsed.protocol.replace(/:$/, ''))) throw bad(s, v, `a URL with scheme ${schemes.join(' or ')}`);
  return v;
}

/** An http(s) URL setting that may be unset. */
export function optionalUrl(env: Env, s: Setting): string | null {
  const v = raw(env, s);
  if (v === null) return null;
  return url(env, s, v, ['http', 'https']);
}
