import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { EchoError } from '../../../errors/catalogue.ts';
import { KEY_ID_BYTES, type KeySlot } from './format.ts';

/** A 32-byte AES-256 master key and its id (the first 8 bytes of a SHA-256 of it, hex). */
export interface MasterKey {
  readonly id: string;
  readonly key: Buffer;
}

/**
 * The master keys a store may use: `active` wraps the data keys of new objects; every key in `all`
 * (the active one included) may unwrap. More than one key is only present during a rotation.
 */
export interface Keyring {
  readonly active: MasterKey;
  readonly all: readonly MasterKey[];
}

export function masterKey(key: Buffer): MasterKey {
  if (key.length !== 32) throw new EchoError('CONFIG_INVALID', `a master key must be 32 bytes, got ${key.length}`);
  const id = createHash('sha256').update('echo-cloud master key id\0').update(key).digest().subarray(0, KEY_ID_BYTES).toString('hex');
  return { id, key: Buffer.from(key) };
}

export function keyring(active: MasterKey, others: readonly MasterKey[] = []): Keyring {
  const all = [active, ...others.filter((k, i) => k.id !== active.id && others.findIndex((o) => o.id === k.id) === i)];
  return { active, all };
}

/** Wraps a data key with a master key; the object's fixed header and the key id are bound as additional data. */
export function wrapKey(master: MasterKey, dataKey: Buffer, fixed: Buffer): KeySlot {
  const wrapNonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', master.key, wrapNonce);
  cipher.setAAD(wrapAad(fixed, master.id));
  const wrappedKey = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return { keyId: master.id, wrapNonce, wrappedKey, wrapTag: cipher.getAuthTag() };
}

/** The data key from a slot, or null when the slot fails authentication (wrong key or tampered bytes). */
export function unwrapKey(master: MasterKey, slot: KeySlot, fixed: Buffer): Buffer | null {
  try {
    const decipher = createDecipheriv('aes-256-gcm', master.key, slot.wrapNonce);
    decipher.setAAD(wrapAad(fixed, master.id));
    decipher.setAuthTag(slot.wrapTag);
    return Buffer.concat([decipher.update(slot.wrappedKey), decipher.final()]);
  } catch {
    return null;
  }
}

function wrapAad(fixed: Buffer, keyId: string): Buffer {
  return Buffer.concat([Buffer.from('echo-cloud data key\0'), fixed, Buffer.from(keyId, 'hex')]);
}

/**
 * The data key of an object: the first slot wrapped by a key of the ring. A slot naming a key of the ring
 * that fails to unwrap is tampering (ECHO_ERR_INTEGRITY); no slot naming a key of the ring is
 * ECHO_ERR_KEY_UNAVAILABLE, with the key ids on both sides.
 */
export function findDataKey(ring: Keyring, slots: readonly (KeySlot | null)[], fixed: Buffer, objectKey: string): { dataKey: Buffer; keyId: string } {
  for (const slot of slots) {
    if (!slot) continue;
    const master = ring.all.find((k) => k.id === slot.keyId);
    if (!master) continue;
    const dataKey = unwrapKey(master, slot, fixed);
    if (!dataKey) {
      throw new EchoError('INTEGRITY', `stored object ${objectKey}: its data key wrapped by master key ${slot.keyId} fails authentication (the object header was altered)`, {
        details: { key: objectKey, keyId: slot.keyId },
      });
    }
    return { dataKey, keyId: slot.keyId };
  }
  const found = slots.filter((s) => s !== null).map((s) => s.keyId);
  throw new EchoError(
    'KEY_UNAVAILABLE',
    `stored object ${objectKey} is encrypted under master key ${found.join(' or ') || '(none: its key slots are empty)'}; this process has ${ring.all.map((k) => k.id).join(', ')} (see ECHO_CLOUD_MASTER_KEY and <data>/master-key)`,
    { details: { key: objectKey, objectKeyIds: found, availableKeyIds: ring.all.map((k) => k.id) } },
  );
}
