import type { Config } from '../../config/load.ts';
import { EchoError } from '../../errors/catalogue.ts';
import { backfill } from '../../models/backfill.ts';
import { parseRef } from '../../models/deployment.ts';
import { activateModel, addModel, addRoute, deactivateModel, deploymentStatus, removeModel, removeRoute } from '../../models/model-service.ts';
import { listDeployedModels } from '../../models/registry.ts';
import type { RouteMatch } from '../../models/routing.ts';
import { createCatalog, createQueue } from '../../wiring/adapters.ts';
import { identityOf, modelDirectory } from '../../wiring/model.ts';
import { printJson } from '../output.ts';

export interface ModelsFlags {
  json: boolean;
  shadow?: boolean;
  format?: string;
  name?: string;
  key?: string;
  study?: string;
  tag?: string;
  project?: string;
  since?: string;
  dryRun?: boolean;
}

const SUBCOMMANDS = 'list, add DIR|MANIFEST, activate NAME@VERSION, deactivate, remove NAME@VERSION, route list|add|remove, backfill NAME@VERSION';

/**
 * `echo-cloud models ...`: parses and delegates to src/models (model-service, backfill). See docs/models.md.
 */
export async function modelsCommand(sub: string | undefined, config: Config, flags: ModelsFlags, args: string[] = []): Promise<number> {
  const one = (what: string): string => {
    if (args.length !== 1) throw new EchoError('BAD_REQUEST', `models ${sub} takes exactly one ${what} (got ${args.length}); see echo-cloud --help`);
    return args[0]!;
  };
  const say = (json: unknown, text: string) => (flags.json ? printJson(json) : process.stdout.write(`${text}\n`));
  switch (sub) {
    case 'list':
      return listCommand(config, flags);
    case 'add': {
      const model = await addModel(config.modelsDir, one('DIR or manifest.json'));
      const m = model.manifest;
      say({ added: `${m.name}@${m.version}`, dir: model.dir, runtime: m.runtime, sha256: model.weightsSha256 }, `added ${m.name}@${m.version} (${m.runtime}, sha256 ${model.weightsSha256.slice(0, 12)}…) at ${model.dir}`);
      return 0;
    }
    case 'activate': {
      const r = await activateModel(config.modelsDir, config.model, one('NAME@VERSION'));
      say(r, `active: ${r.active} (was ${r.previous}); new uploads run it from now on`);
      return 0;
    }
    case 'deactivate': {
      if (args.length > 0) throw new EchoError('BAD_REQUEST', 'models deactivate takes no arguments');
      const r = await deactivateModel(config.modelsDir);
      say(r, `activation cleared (was ${r.previous ?? 'none'}); ECHO_CLOUD_MODEL decides the active model again`);
      return 0;
    }
    case 'remove': {
      const r = await removeModel(config.modelsDir, config.model, one('NAME@VERSION'));
      say(r, `removed ${r.removed} (${r.dir})`);
      return 0;
    }
    case 'route':
      return routeCommand(config, flags, args);
    case 'backfill':
      return backfillCommand(config, flags, one('NAME@VERSION'));
    default:
      throw new EchoError('BAD_REQUEST', `models ${sub ?? ''}: unknown subcommand; accepted: ${SUBCOMMANDS}`);
  }
}

async function listCommand(config: Config, flags: ModelsFlags): Promise<number> {
  const entries = await listDeployedModels(config.modelsDir);
  const status = await deploymentStatus(config.modelsDir, config.model);
  const rows = entries.map((e) => ({
    name: e.name,
    version: e.version,
    active: `${e.name}@${e.version}` === status.resolvedActive,
    runtime: e.model?.manifest.runtime ?? null,
    sha256: e.model?.weightsSha256 ?? null,
    dir: e.dir,
    error: e.error ?? null,
  }));
  if (flags.json) printJson({ modelsDir: config.modelsDir, active: status.resolvedActive, activeSource: status.activeSource, models: rows, rules: status.rules });
  else if (rows.length === 0) process.stdout.write(`no models under ${config.modelsDir}\n`);
  else {
    for (const r of rows) {
      const state = r.error ? `INVALID ${r.error.code}: ${r.error.message}` : `${r.runtime}, sha256 ${r.sha256?.slice(0, 12)}…`;
      process.stdout.write(`${r.active ? '*' : ' '} ${r.name}@${r.version}  ${state}\n`);
    }
    if (status.resolvedActive) process.stdout.write(`(active from ${status.activeSource}; ${status.rules.length} routing rule(s))\n`);
  }
  return rows.some((r) => r.active && !r.error) ? 0 : 1;
}

async function routeCommand(config: Config, flags: ModelsFlags, args: string[]): Promise<number> {
  const [verb, ...rest] = args;
  if (verb === 'list') {
    const { rules } = await deploymentStatus(config.modelsDir, config.model);
    if (flags.json) printJson({ rules });
    else if (rules.length === 0) process.stdout.write('no routing rules: every upload runs the active model\n');
    else for (const r of rules) process.stdout.write(`${r.id}  ${r.shadow ? 'shadow ' : ''}${r.model}  ${JSON.stringify(r.match)}\n`);
    return 0;
  }
  if (verb === 'add') {
    if (rest.length !== 2) throw new EchoError('BAD_REQUEST', `models route add takes ID NAME@VERSION (got ${rest.length} arguments)`);
    const list = (s: string | undefined) => s?.split(',').map((x) => x.trim()).filter(Boolean);
    const match: RouteMatch = {};
    const format = list(flags.format);
    const tag = list(flags.tag);
    if (format) match.format = format;
    if (flags.name !== undefined) match.name = flags.name;
    if (flags.key !== undefined) match.key = flags.key;
    if (flags.study !== undefined) match.study = flags.study;
    if (tag) match.tag = tag;
    const rule = await addRoute(config.modelsDir, { id: rest[0]!, model: rest[1]!, shadow: flags.shadow === true, match });
    if (flags.json) printJson({ rule });
    else process.stdout.write(`added rule ${rule.id}: ${rule.shadow ? 'also run' : 'run'} ${rule.model} on uploads matching ${JSON.stringify(rule.match)}\n`);
    return 0;
  }
  if (verb === 'remove') {
    if (rest.length !== 1) throw new EchoError('BAD_REQUEST', 'models route remove takes one rule ID');
    const rule = await removeRoute(config.modelsDir, rest[0]!);
    if (flags.json) printJson({ removed: rule });
    else process.stdout.write(`removed rule ${rule.id}\n`);
    return 0;
  }
  throw new EchoError('BAD_REQUEST', `models route ${verb ?? ''}: accepted: list, add ID NAME@VERSION [--format F,..] [--name GLOB] [--key PREFIX] [--study GLOB] [--tag T,..] [--shadow], remove ID`);
}

async function backfillCommand(config: Config, flags: ModelsFlags, refText: string): Promise<number> {
  const ref = parseRef(refText);
  let since: number | undefined;
  if (flags.since !== undefined) {
    since = Date.parse(flags.since);
    if (!Number.isFinite(since)) throw new EchoError('BAD_REQUEST', `--since ${JSON.stringify(flags.since)}: expected a date such as 2026-11-01 or 2026-11-01T12:00:00Z`);
  }
  const model = await modelDirectory(config).resolve(ref);
  const catalog = await createCatalog(config);
  try {
    await catalog.migrate();
    const queue = await createQueue(config);
    try {
      const report = await backfill(
        { catalog, queue, model: identityOf(model) },
        { dryRun: flags.dryRun === true, ...(flags.project ? { projectId: flags.project } : {}), ...(since !== undefined ? { since } : {}) },
      );
      if (flags.json) printJson(report);
      else if (report.dryRun) process.stdout.write(`dry run: ${report.lacking} clip(s) lack a result from ${report.model}; nothing queued\n`);
      else process.stdout.write(`${report.model}: ${report.queued} job(s) queued, ${report.linked} clip(s) answered from stored results of the same bytes\n`);
      return 0;
    } finally {
      await queue.close();
    }
  } finally {
    await catalog.close();
  }
}
