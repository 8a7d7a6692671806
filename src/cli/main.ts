/**
 * The `echo-cloud` command line. It only parses flags and delegates to the library; see docs/cli.md.
 * Exit codes: 0 success; 2 the input cannot be read or is not supported; 1 any other failure.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.ts';
import { EchoError } from '../errors/catalogue.ts';
import { localToken } from '../security/bootstrap-admin.ts';
import { auditCommand } from './commands/audit.ts';
import { demoCommand } from './commands/demo.ts';
import { inspectCommand } from './commands/inspect.ts';
import { keysCommand } from './commands/keys.ts';
import { modelsCommand } from './commands/models.ts';
import { projectCommand } from './commands/project.ts';
import { runCommand } from './commands/run.ts';
import { serveCommand } from './commands/serve.ts';
import { tokenCommand } from './commands/token.ts';
import { uploadCommand } from './commands/upload.ts';
import { printError } from './output.ts';

const USAGE = `usage: echo-cloud <command> [options]

commands:
  serve                         run the API, the inbox watcher and the workers (what npm start runs)
  inspect FILE [--json]         read a cine and print format, frames, height, width, channels, fps
          [--variable PATH]       MAT: the variable holding the cine (default Patient.DicomImage, resized)
  run FILE [--model NAME[@V]]   run the deployed model on FILE locally, no server; prints the result
          [--json]                document with --json
  models list [--json]          the deployed models (verified), the active one marked *
  models add DIR|MANIFEST       copy a model folder in as <name>/<version>/ (manifest and weights verified)
  models activate NAME@V        new uploads run NAME@V from now on (no restart); rollback = activate the old one
  models deactivate             clear the activation: ECHO_CLOUD_MODEL decides again
  models remove NAME@V          delete a deployed version (refused for the active or a routed model)
  models route list             the routing rules, in order
  models route add ID NAME@V    run NAME@V on uploads matching [--format mat,dicom,video] [--name GLOB]
          [--key PREFIX] [--study GLOB] [--tag T,..]; with --shadow in addition to the primary model
  models route remove ID        delete a routing rule
  models backfill NAME@V        queue NAME@V on every stored clip lacking its result [--project P]
          [--since DATE] [--dry-run]
  demo [DIR]                    write phantom cines (.mat, .dcm, .avi) to DIR (default ./demo) to try
  upload FILE... [--server URL] upload through the API (default http://127.0.0.1:8080)
          [--token T]             bearer token (default ECHO_CLOUD_TOKEN or <data>/admin-token)
          [--study NAME]          group the files into a study
          [--tag T,..]            tags for routing rules
          [--wait] [--timeout S]  wait for each result (default timeout 600 s) and print it
          [--json]                JSON output
  token create --role R --label L   issue an API token (printed once; only its hash is stored)
          [--project P] [--days N]  in project P (default: default), expiring after N days
  token list [--project P]      tokens with role, state and expiry (never the token)
  token revoke ID               revoke a token
  project create ID [--name N]  create a project (tenant)
  project list                  projects and their OIDC grants
  project grant P --role R      give an OIDC subject a role in project P:
          --subject SUB | --email ADDRESS   the JWT sub claim, or a verified email claim
  audit verify [--json]         check the audit trail's hash chain and signed head (exit 1 on damage)
  audit export [--since T]      the audit trail as JSON lines (T: ISO 8601 time or epoch ms)
  keys rotate [--json]          re-wrap every stored object's data key under a new master key (stop the
          [--new-key-file PATH]   server first); PATH: the new key when ECHO_CLOUD_MASTER_KEY is used
  keys migrate [--json]         encrypt the objects of a store written before encryption at rest

global options:
  --debug                       print stack traces with errors
  --help                        this text

Settings come from ECHO_CLOUD_* environment variables: see docs/configuration.md.`;

const OPTIONS = {
  json: { type: 'boolean', default: false },
  debug: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  variable: { type: 'string' },
  model: { type: 'string' },
  server: { type: 'string' },
  token: { type: 'string' },
  study: { type: 'string' },
  wait: { type: 'boolean', default: false },
  timeout: { type: 'string', default: '600' },
  project: { type: 'string' },
  role: { type: 'string' },
  label: { type: 'string' },
  days: { type: 'string' },
  name: { type: 'string' },
  subject: { type: 'string' },
  email: { type: 'string' },
  since: { type: 'string' },
  shadow: { type: 'boolean', default: false },
  format: { type: 'string' },
  key: { type: 'string' },
  tag: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  'new-key-file': { type: 'string' },
} as const;

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new EchoError('BAD_REQUEST', `${(err as Error).message}; see echo-cloud --help`);
  }
  const { values: flags, positionals } = parsed;
  const [command, ...args] = positionals;
  if (flags.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return command || flags.help ? 0 : 1;
  }
  const needFile = (what: string): string => {
    if (args.length !== 1) throw new EchoError('BAD_REQUEST', `${what} takes exactly one FILE (got ${args.length}); see echo-cloud --help`);
    return args[0]!;
  };
  switch (command) {
    case 'serve':
      return serveCommand(loadConfig());
    case 'inspect':
      return inspectCommand(needFile('inspect'), { json: flags.json, maxDecodedBytes: loadConfig().maxDecodedBytes, ...(flags.variable ? { variable: flags.variable } : {}) });
    case 'run': {
      const file = needFile('run');
      const config = loadConfig(flags.model ? { ...process.env, ECHO_CLOUD_MODEL: flags.model } : process.env);
      return runCommand(file, config, { json: flags.json, pinned: flags.model !== undefined });
    }
    case 'models':
      return modelsCommand(
        args[0],
        loadConfig(),
        {
          json: flags.json,
          shadow: flags.shadow,
          dryRun: flags['dry-run'],
          format: flags.format,
          name: flags.name,
          key: flags.key,
          study: flags.study,
          tag: flags.tag,
          project: flags.project,
          since: flags.since,
        },
        args.slice(1),
      );
    case 'demo':
      if (args.length > 1) throw new EchoError('BAD_REQUEST', `demo takes at most one DIR (got ${args.length}); see echo-cloud --help`);
      return demoCommand(args[0], { json: flags.json });
    case 'upload': {
      if (args.length === 0) throw new EchoError('BAD_REQUEST', 'upload needs at least one FILE; see echo-cloud --help');
      const timeout = Number(flags.timeout);
      if (!Number.isInteger(timeout) || timeout < 1) throw new EchoError('BAD_REQUEST', `--timeout ${flags.timeout}: expected whole seconds >= 1`);
      const config = loadConfig();
      const server = flags.server ?? `${config.security.tls ? 'https' : 'http'}://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${config.port}`;
      return uploadCommand(args, {
        server,
        token: flags.token ?? (await localToken(config.dataDir)),
        wait: flags.wait,
        json: flags.json,
        timeoutSeconds: timeout,
        ...(flags.study ? { study: flags.study } : {}),
        ...(flags.tag ? { tags: flags.tag } : {}),
      });
    }
    case 'token':
      return tokenCommand(args[0], args.slice(1), loadConfig(), { project: flags.project, role: flags.role, label: flags.label, days: flags.days, json: flags.json });
    case 'project':
      return projectCommand(args[0], args.slice(1), loadConfig(), { name: flags.name, role: flags.role, subject: flags.subject, email: flags.email, json: flags.json });
    case 'audit':
      return auditCommand(args[0], loadConfig(), { since: flags.since, json: flags.json });
    case 'keys':
      return keysCommand(args[0], loadConfig(), { json: flags.json, ...(flags['new-key-file'] ? { newKeyFile: flags['new-key-file'] } : {}) });
    default:
      throw new EchoError('BAD_REQUEST', `unknown command ${JSON.stringify(command)}; accepted: serve, inspect, run, upload, models, demo, token, project, audit, keys (see echo-cloud --help)`);
  }
}

const debug = process.argv.includes('--debug');
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.exitCode = printError(err, debug);
  },
);
