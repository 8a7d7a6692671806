import type { Kysely, Selectable } from 'kysely';
import type { Catalog, Clip, LackingModelQuery } from '../../../ports/catalog.ts';
import type { CatalogDb } from './schema.ts';

type Guard = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

/** The queries of several deployed models (migration 0003-model-routing: backfill), on any Kysely dialect. */
export function modelQueries(db: Kysely<CatalogDb>, guard: Guard, toClip: (r: Selectable<CatalogDb['clips']>) => Clip): Pick<Catalog, 'listClipsLackingModel'> {
  return {
    listClipsLackingModel: (query: LackingModelQuery) =>
      guard('listClipsLackingModel', async () => {
        const m = query.model;
        let q = db
          .selectFrom('clips')
          .selectAll('clips')
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('jobs')
                  .leftJoin('results', 'results.id', 'jobs.result_id')
                  .select('jobs.id')
                  .whereRef('jobs.clip_id', '=', 'clips.id')
                  .where('jobs.model_name', '=', m.name)
                  .where('jobs.model_version', '=', m.version)
                  .where((eb) => eb.or([eb('jobs.status', 'in', ['queued', 'processing']), eb.and([eb('jobs.status', '=', 'done'), eb('results.weights_sha256', '=', m.weightsSha256)])])),
              ),
            ),
          );
        if (query.projectId !== undefined) q = q.where('clips.project_id', '=', query.projectId);
        if (query.since !== undefined) q = q.where('clips.created_at', '>=', query.since);
        const after = query.after;
        if (after) q = q.where((eb) => eb.or([eb('clips.created_at', '>', after.createdAt), eb.and([eb('clips.created_at', '=', after.createdAt), eb('clips.id', '>', after.id)])]));
        const rows = await q.orderBy('clips.created_at').orderBy('clips.id').limit(query.limit).execute();
        return rows.map(toClip);
      }),
  };
}
