import { randomBytes } from 'node:crypto';
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Keyring, keyring, type MasterKey, masterKey } from '../adapters/store/encrypted/keyring.ts';
import { EchoError } from '../errors/catalogue.ts';

/**
 * Where the master key of encryption at rest comes from: ECHO_CLOUD_MASTER_KEY (32 bytes as base64 or
 * 64 hex digits), else `<data>/master-key` (created with mode 0600 on first start, holding the key as
 * base64). During a rotation `<data>/master-key.next` (the new key) and `<data>/master-key.previous`
 * (the old one) may also exist: they are loaded as extra unwrapping keys so that every object stays
 * readable whatever step a rotation stopped at. Procedure: docs/security.md.
 */
export const KEY_FILE = 'master-key';
export const NEXT_KEY_FILE = 'master-key.next';
export const PREVIOUS_KEY_FILE = 'master-key.previous';

export function parseMasterKey(text: string, where: string): MasterKey {
  const t = text.trim();
  let bytes: Buffer | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(t)) bytes = Buffer.from(t, 'hex');
  else if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) bytes = Buffer.from(t.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes?.length !== 32) {
    throw new EchoError('CONFIG_INVALID', `${where} is not a master key: expected 32 bytes written as 44 base64 characters or 64 hex digits`, {
      details: { variable: where },
    });
  }
  return masterKey(bytes);
}

/** The key in a key file, or null when the file does not exist. */
export async function readKeyFile(path: string): Promise<MasterKey | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new EchoError('CONFIG_INVALID', `master key file ${path} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  return parseMasterKey(text, path);
}

/**
 * Creates a key file holding a fresh random key, atomically and only if none exists (several processes
 * may start at once: the one that links first wins, the others read its key). Mode 0600.
 */
export async function createKeyFile(path: string): Promise<MasterKey> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const key = randomBytes(32);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(`${key.toString('base64')}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  const stored = await readKeyFile(path);
  if (!stored) throw new EchoError('CONFIG_INVALID', `master key file ${path} vanished right after it was created`);
  return stored;
}

export async function hasKeyFile(dataDir: string): Promise<boolean> {
  return (await readKeyFile(join(dataDir, KEY_FILE))) !== null;
}

/** The keyring of this process: the configured (or created) active key, plus any rotation leftovers. */
export async function loadKeyring(dataDir: string, envKey: string | null): Promise<Keyring> {
  if (!envKey) await mkdir(dataDir, { recursive: true });
  const active = envKey ? parseMasterKey(envKey, 'ECHO_CLOUD_MASTER_KEY') : ((await readKeyFile(join(dataDir, KEY_FILE))) ?? (await createKeyFile(join(dataDir, KEY_FILE))));
  const extras: MasterKey[] = [];
  for (const name of [PREVIOUS_KEY_FILE, NEXT_KEY_FILE]) {
    const k = await readKeyFile(join(dataDir, name));
    if (k) extras.push(k);
  }
  return keyring(active, extras);
}
