import { link, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { keyring, type MasterKey } from '../adapters/store/encrypted/keyring.ts';
import { type RewrapReport, rewrapObjects } from '../adapters/store/encrypted/rewrap.ts';
import { EchoError } from '../errors/catalogue.ts';
import type { ObjectStore } from '../ports/object-store.ts';
import { createKeyFile, KEY_FILE, NEXT_KEY_FILE, parseMasterKey, PREVIOUS_KEY_FILE, readKeyFile } from './master-key.ts';
import { syncDir } from '../util/sync-dir.ts';

export interface RotationReport {
  oldKeyId: string | null;
  newKeyId: string;
  /** Where the new key is: `<data>/master-key`, or the --new-key-file the operator must now configure. */
  newKeyLocation: string;
  added: RewrapReport;
  dropped: RewrapReport;
}

/**
 * `echo-cloud keys rotate`: re-wraps every object's data key under a new master key, payloads untouched.
 * Steps (each one safe to interrupt; running the command again resumes):
 * 1. the new key is written to `<data>/master-key.next` (or read from/created at `newKeyFile` when the key
 *    comes from ECHO_CLOUD_MASTER_KEY);
 * 2. every object gains a slot wrapped by the new key (old slot kept);
 * 3. key files only: `master-key` is kept as `master-key.previous` and `master-key.next` becomes `master-key`;
 * 4. every object's other slots are cleared; 5. `master-key.previous` is deleted.
 * Any object that fails (altered, unknown key) stops the rotation before the old key is retired.
 */
export async function rotateMasterKey(inner: ObjectStore, options: { dataDir: string; envKey: string | null; newKeyFile?: string }): Promise<RotationReport> {
  const { dataDir } = options;
  const path = (name: string) => join(dataDir, name);
  if (options.envKey) {
    if (!options.newKeyFile) {
      throw new EchoError('BAD_REQUEST', 'the master key comes from ECHO_CLOUD_MASTER_KEY: give --new-key-file PATH (the new key is read from it, or created there with mode 0600)');
    }
    const old = parseMasterKey(options.envKey, 'ECHO_CLOUD_MASTER_KEY');
    const next = (await readKeyFile(options.newKeyFile)) ?? (await createKeyFile(options.newKeyFile));
    const added = await pass(inner, old, next, 'add');
    const dropped = await pass(inner, old, next, 'drop');
    return { oldKeyId: old.id, newKeyId: next.id, newKeyLocation: options.newKeyFile, added, dropped };
  }
  if (options.newKeyFile) throw new EchoError('BAD_REQUEST', '--new-key-file is for keys given in ECHO_CLOUD_MASTER_KEY; with <data>/master-key the new key is made there');
  const current = await readKeyFile(path(KEY_FILE));
  if (!current) throw new EchoError('CONFIG_INVALID', `no master key at ${path(KEY_FILE)} and ECHO_CLOUD_MASTER_KEY is unset: nothing to rotate (start the server once to create one)`);
  let previous = await readKeyFile(path(PREVIOUS_KEY_FILE));
  let pending = await readKeyFile(path(NEXT_KEY_FILE));
  let added: RewrapReport = { objects: 0, changed: 0, failed: [] };
  let oldKeyId: string | null = previous?.id ?? current.id;
  if (pending || !previous) {
    // Steps 1–3 (a rotation that stopped after step 3 has no .next file and resumes at step 4).
    pending ??= await createKeyFile(path(NEXT_KEY_FILE));
    oldKeyId = current.id;
    added = await pass(inner, current, pending, 'add', previous ? [previous] : []);
    await link(path(KEY_FILE), path(PREVIOUS_KEY_FILE)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await rename(path(NEXT_KEY_FILE), path(KEY_FILE));
    await syncDir(dataDir);
    previous = current;
  }
  const active = (await readKeyFile(path(KEY_FILE)))!;
  const dropped = await pass(inner, previous!, active, 'drop');
  await rm(path(PREVIOUS_KEY_FILE), { force: true });
  await syncDir(dataDir);
  return { oldKeyId, newKeyId: active.id, newKeyLocation: path(KEY_FILE), added, dropped };
}

async function pass(inner: ObjectStore, old: MasterKey, target: MasterKey, mode: 'add' | 'drop', extra: MasterKey[] = []): Promise<RewrapReport> {
  const report = await rewrapObjects(inner, keyring(old, [target, ...extra]), target, mode);
  if (report.failed.length > 0) {
    const first = report.failed.slice(0, 3).map((f) => `${f.key}: ${f.error.code} ${f.error.message}`).join('; ');
    throw new EchoError('INTEGRITY', `key rotation stopped at the ${mode === 'add' ? 're-wrap' : 'retire'} step: ${report.failed.length} of ${report.objects} objects failed (${first}); the old key is still in use. Fix or remove those objects and run the command again`, {
      details: { failed: report.failed.map((f) => f.key) },
    });
  }
  return report;
}
