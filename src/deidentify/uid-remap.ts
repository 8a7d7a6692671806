import { createHmac } from 'node:crypto';

/**
 * Consistent UID replacement (PS3.15 Annex E action U): `2.25.<decimal of the first 128 bits of
 * HMAC-SHA256(project secret, original UID)>` (a UUID-derived UID, PS3.5 B.2). The same UID maps to the
 * same replacement within a project, to different ones across projects, and cannot be reversed without
 * the secret.
 */
export function remapUid(projectSecret: Buffer, uid: string): string {
  const digest = createHmac('sha256', projectSecret).update(uid.replace(/[\0 ]+$/, '')).digest();
  return `2.25.${BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString()}`;
}

/** A project's UID secret, derived from the deployment's UID root secret. */
export function projectUidSecret(rootSecret: Buffer, projectId: string): Buffer {
  return createHmac('sha256', rootSecret).update(`echo-cloud uid remap\0${projectId}`).digest();
}
