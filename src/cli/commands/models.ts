import type { Config } from '../../config/load.ts';
import { EchoError } from '../../errors/catalogue.ts';
import { listDeployedModels } from '../../models/registry.ts';
import { printJson } from '../output.ts';

/**
 * `echo-cloud models list [--json]`: the deployed models under ECHO_CLOUD_MODELS_DIR, verified, with the
 * one new uploads are routed to (ECHO_CLOUD_MODEL) marked active.
 */
export async function modelsCommand(sub: string | undefined, config: Config, flags: { json: boolean }): Promise<number> {
  if (sub !== 'list') {
    throw new EchoError('BAD_REQUEST', `models ${sub ?? ''}: unknown subcommand; accepted: list (add, activate and remove are not built yet)`);
  }
  const entries = await listDeployedModels(config.modelsDir);
  const versionsOf = (name: string) => entries.filter((e) => e.name === name && e.model).map((e) => e.version);
  const activeVersion = config.model.version ?? versionsOf(config.model.name).at(-1) ?? null;
  const rows = entries.map((e) => ({
    name: e.name,
    version: e.version,
    active: e.name === config.model.name && e.version === activeVersion,
    runtime: e.model?.manifest.runtime ?? null,
    sha256: e.model?.weightsSha256 ?? null,
    dir: e.dir,
    error: e.error ?? null,
  }));
  if (flags.json) printJson({ modelsDir: config.modelsDir, models: rows });
  else if (rows.length === 0) process.stdout.write(`no models under ${config.modelsDir}\n`);
  else {
    for (const r of rows) {
      const state = r.error ? `INVALID ${r.error.code}: ${r.error.message}` : `${r.runtime}, sha256 ${r.sha256?.slice(0, 12)}…`;
      process.stdout.write(`${r.active ? '*' : ' '} ${r.name}@${r.version}  ${state}\n`);
    }
  }
  return rows.some((r) => r.active) ? 0 : 1;
}
