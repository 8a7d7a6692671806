import { type Kysely, type Selectable, sql } from 'kysely';
import type { AuditEntry, Catalog, Grant, Project, Role, Token } from '../../../ports/catalog.ts';
import type { CatalogDb } from './schema.ts';

type Guard = <T>(what: string, fn: () => Promise<T>) => Promise<T>;
type SecurityPart = Pick<
  Catalog,
  'listProjects' | 'getProject' | 'listTokens' | 'revokeToken' | 'putGrant' | 'findGrants' | 'listGrants' | 'appendAudit' | 'listAudit'
>;

/** How often appendAudit retries when another writer appended the same seq first (or the database was busy). */
const APPEND_ATTEMPTS = 20;

/** The security queries of the Catalog (migration 0002-security-auth), on any Kysely dialect. */
export function securityQueries(db: Kysely<CatalogDb>, guard: Guard, toToken: (r: Selectable<CatalogDb['tokens']>) => Token, backend: string): SecurityPart {
  return {
    listProjects: () => guard('listProjects', async () => (await db.selectFrom('projects').selectAll().orderBy('id').execute()).map(toProject)),

    getProject: (id) =>
      guard('getProject', async () => {
        const row = await db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirst();
        return row ? toProject(row) : null;
      }),

    listTokens: (projectId) =>
      guard('listTokens', async () => {
        let q = db.selectFrom('tokens').selectAll();
        if (projectId !== undefined) q = q.where('project_id', '=', projectId);
        return (await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute()).map(toToken);
      }),

    revokeToken: (id, projectId, at) =>
      guard('revokeToken', async () => {
        const r = await db
          .updateTable('tokens')
          .set({ revoked_at: at })
          .where('id', '=', id)
          .where('project_id', '=', projectId)
          .where('revoked_at', 'is', null)
          .executeTakeFirst();
        return Number(r.numUpdatedRows) > 0;
      }),

    putGrant: (g) =>
      guard('putGrant', async () => {
        await db
          .insertInto('grants')
          .values({ project_id: g.projectId, subject: g.subject, role: g.role, created_at: g.createdAt })
          .onConflict((oc) => oc.columns(['project_id', 'subject']).doUpdateSet({ role: g.role }))
          .execute();
      }),

    findGrants: (subjects) =>
      guard('findGrants', async () => {
        if (subjects.length === 0) return [];
        return (await db.selectFrom('grants').selectAll().where('subject', 'in', subjects).orderBy('project_id').execute()).map(toGrant);
      }),

    listGrants: (projectId) =>
      guard('listGrants', async () => {
        let q = db.selectFrom('grants').selectAll();
        if (projectId !== undefined) q = q.where('project_id', '=', projectId);
        return (await q.orderBy('project_id').orderBy('subject').execute()).map(toGrant);
      }),

    appendAudit: (make) =>
      guard('appendAudit', async () => {
        for (let attempt = 1; ; attempt++) {
          try {
            return await db.transaction().execute(async (tx) => {
              // PostgreSQL: appenders queue on a table lock instead of racing for the same seq (readers are
              // not blocked). SQLite has one writer at a time anyway; a lost race there is retried below.
              if (backend === 'postgres') await sql`LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE`.execute(tx);
              const last = await tx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
              const entries = make(last ? { seq: Number(last.seq), hash: last.hash } : null);
              if (entries.length === 0) return entries;
              await tx
                .insertInto('audit_log')
                .values(
                  entries.map((entry) => ({
                    seq: entry.seq,
                    at: entry.at,
                    actor: entry.actor,
                    project_id: entry.projectId,
                    action: entry.action,
                    object: entry.object,
                    ip: entry.ip,
                    outcome: entry.outcome,
                    detail: entry.detail,
                    prev_hash: entry.prevHash,
                    hash: entry.hash,
                  })),
                )
                .execute();
              return entries;
            });
          } catch (err) {
            // A concurrent writer took this seq (unique violation) or held the lock: read the head again.
            if (attempt >= APPEND_ATTEMPTS) throw err;
            await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
          }
        }
      }),

    listAudit: (query) =>
      guard('listAudit', async () => {
        let q = db.selectFrom('audit_log').selectAll();
        if (query.afterSeq !== undefined) q = q.where('seq', '>', query.afterSeq);
        if (query.since !== undefined) q = q.where('at', '>=', query.since);
        return (await q.orderBy('seq', 'asc').limit(query.limit).execute()).map(toAudit);
      }),
  };
}

function toProject(r: Selectable<CatalogDb['projects']>): Project {
  return { id: r.id, name: r.name, createdAt: Number(r.created_at) };
}

function toGrant(r: Selectable<CatalogDb['grants']>): Grant {
  return { projectId: r.project_id, subject: r.subject, role: r.role as Role, createdAt: Number(r.created_at) };
}

function toAudit(r: Selectable<CatalogDb['audit_log']>): AuditEntry {
  return {
    seq: Number(r.seq),
    at: Number(r.at),
    actor: r.actor,
    projectId: r.project_id,
    action: r.action,
    object: r.object,
    ip: r.ip,
    outcome: Number(r.outcome),
    detail: r.detail,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}
