import type { Config } from '../../config/load.ts';
import { EchoError } from '../../errors/catalogue.ts';
import { migrateStoreToEncryption, rotateStoreKeys } from '../../wiring/keys.ts';
import { printJson } from '../output.ts';

/**
 * `echo-cloud keys rotate [--new-key-file PATH] [--json]`: re-wraps every stored object's data key under a
 * new master key; `echo-cloud keys migrate [--json]`: encrypts the objects of a store from before
 * encryption at rest (docs/security.md). Stop the server and workers first.
 */
export async function keysCommand(sub: string | undefined, config: Config, flags: { json: boolean; newKeyFile?: string }): Promise<number> {
  if (sub === 'migrate') {
    const report = await migrateStoreToEncryption(config);
    if (flags.json) printJson(report);
    else process.stdout.write(`encrypted ${report.encrypted} of ${report.objects} objects under master key ${report.keyId}\n`);
    return 0;
  }
  if (sub !== 'rotate') throw new EchoError('BAD_REQUEST', `keys ${sub ?? ''}: unknown subcommand; accepted: rotate, migrate`);
  const report = await rotateStoreKeys(config, flags.newKeyFile);
  if (flags.json) {
    printJson({ oldKeyId: report.oldKeyId, newKeyId: report.newKeyId, newKeyLocation: report.newKeyLocation, objects: report.dropped.objects, rewrapped: report.added.changed, retired: report.dropped.changed });
    return 0;
  }
  process.stdout.write(
    `rotated master key ${report.oldKeyId ?? '?'} -> ${report.newKeyId}: ${report.dropped.objects} objects, ${report.added.changed} re-wrapped, ${report.dropped.changed} old slots cleared\n`,
  );
  if (config.masterKey) {
    process.stdout.write(`set ECHO_CLOUD_MASTER_KEY to the key in ${report.newKeyLocation} before starting the server again; the old key no longer opens any object\n`);
  } else {
    process.stdout.write(`the new key is in ${report.newKeyLocation}: back it up now; the old key no longer opens any object\n`);
  }
  return 0;
}
