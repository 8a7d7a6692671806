import type { Config } from '../../config/load.ts';
import { EchoError } from '../../errors/catalogue.ts';
import { issueToken, listTokenInfo, revokeProjectToken } from '../../security/token-service.ts';
import { DEFAULT_PROJECT } from '../../security/tokens.ts';
import { printJson } from '../output.ts';
import { withSecurityContext } from './security-context.ts';

export interface TokenFlags {
  project?: string | undefined;
  role?: string | undefined;
  label?: string | undefined;
  days?: string | undefined;
  json: boolean;
}

/** `echo-cloud token create|list|revoke`: API tokens on the configured catalog. A new token is printed once. */
export async function tokenCommand(sub: string | undefined, args: string[], config: Config, flags: TokenFlags): Promise<number> {
  return withSecurityContext(config, async ({ catalog, record }) => {
    switch (sub) {
      case 'create': {
        if (!flags.role) throw new EchoError('BAD_REQUEST', 'token create needs --role admin|uploader|viewer');
        if (!flags.label) throw new EchoError('BAD_REQUEST', 'token create needs --label TEXT (who or what uses the token)');
        const days = flags.days === undefined ? null : Number(flags.days);
        if (days !== null && !Number.isInteger(days)) throw new EchoError('BAD_REQUEST', `--days ${flags.days}: expected whole days`);
        const projectId = flags.project ?? DEFAULT_PROJECT.id;
        const { token, info } = await issueToken(catalog, { projectId, role: flags.role, label: flags.label, expiresInDays: days });
        await record({ projectId, action: 'token.create', object: info.id, detail: `role=${info.role}` });
        if (flags.json) printJson({ token, ...info });
        else process.stdout.write(`${token}\n`);
        process.stderr.write(`token ${info.id} (${info.role} in ${info.project}${info.expires_at ? `, expires ${info.expires_at}` : ''}): shown once, only its hash is stored\n`);
        return 0;
      }
      case 'list': {
        const tokens = await listTokenInfo(catalog, flags.project);
        if (flags.json) printJson({ tokens });
        else for (const t of tokens) process.stdout.write(`${t.id}  ${t.project}  ${t.role.padEnd(8)}  ${t.state.padEnd(7)}  ${t.expires_at ?? 'no expiry'}  ${t.label}\n`);
        return 0;
      }
      case 'revoke': {
        if (args.length !== 1) throw new EchoError('BAD_REQUEST', `token revoke takes exactly one token id (got ${args.length})`);
        const id = args[0]!;
        const token = (await listTokenInfo(catalog, flags.project)).find((t) => t.id === id);
        if (!token) throw new EchoError('NOT_FOUND', `no token ${id}${flags.project ? ` in project ${flags.project}` : ''}; see echo-cloud token list`);
        await revokeProjectToken(catalog, id, token.project);
        await record({ projectId: token.project, action: 'token.revoke', object: id, detail: null });
        if (flags.json) printJson({ id, revoked: true });
        else process.stdout.write(`revoked ${id}\n`);
        return 0;
      }
      default:
        throw new EchoError('BAD_REQUEST', `token ${sub ?? ''}: unknown subcommand; accepted: create, list, revoke`);
    }
  });
}
