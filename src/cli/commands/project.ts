import type { Config } from '../../config/load.ts';
import { EchoError } from '../../errors/catalogue.ts';
import { createProject, grantRole, grantSubject } from '../../security/project-service.ts';
import { printJson } from '../output.ts';
import { withSecurityContext } from './security-context.ts';

export interface ProjectFlags {
  name?: string | undefined;
  role?: string | undefined;
  subject?: string | undefined;
  email?: string | undefined;
  json: boolean;
}

/** `echo-cloud project create|list|grant`: projects (tenants) and the OIDC subjects' roles in them. */
export async function projectCommand(sub: string | undefined, args: string[], config: Config, flags: ProjectFlags): Promise<number> {
  return withSecurityContext(config, async ({ catalog, record }) => {
    const one = (what: string) => {
      if (args.length !== 1) throw new EchoError('BAD_REQUEST', `project ${what} takes exactly one PROJECT id (got ${args.length})`);
      return args[0]!;
    };
    switch (sub) {
      case 'create': {
        const { project, created } = await createProject(catalog, one('create'), flags.name ?? null);
        if (created) await record({ projectId: project.id, action: 'project.create', object: project.id, detail: null });
        if (flags.json) printJson({ id: project.id, name: project.name, created });
        else process.stdout.write(`${created ? 'created' : 'exists'} ${project.id} (${project.name})\n`);
        return 0;
      }
      case 'list': {
        const projects = await catalog.listProjects();
        const grants = await catalog.listGrants();
        const rows = projects.map((p) => ({
          id: p.id,
          name: p.name,
          created_at: new Date(p.createdAt).toISOString(),
          grants: grants.filter((g) => g.projectId === p.id).map((g) => ({ subject: g.subject, role: g.role })),
        }));
        if (flags.json) printJson({ projects: rows });
        else for (const r of rows) process.stdout.write(`${r.id}  ${r.name}  ${r.grants.map((g) => `${g.subject}=${g.role}`).join(' ')}\n`);
        return 0;
      }
      case 'grant': {
        const projectId = one('grant');
        if (!flags.role) throw new EchoError('BAD_REQUEST', 'project grant needs --role admin|uploader|viewer');
        if ((flags.subject === undefined) === (flags.email === undefined)) throw new EchoError('BAD_REQUEST', 'project grant needs exactly one of --subject SUB (the JWT sub claim) or --email ADDRESS (a verified email claim)');
        const subject = flags.subject !== undefined ? grantSubject('sub', flags.subject) : grantSubject('email', flags.email!);
        const grant = await grantRole(catalog, projectId, subject, flags.role);
        await record({ projectId, action: 'project.grant', object: subject, detail: `role=${grant.role}` });
        if (flags.json) printJson({ project: projectId, subject, role: grant.role });
        else process.stdout.write(`${subject} is ${grant.role} in ${projectId}\n`);
        return 0;
      }
      default:
        throw new EchoError('BAD_REQUEST', `project ${sub ?? ''}: unknown subcommand; accepted: create, list, grant`);
    }
  });
}
