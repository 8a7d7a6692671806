import type { FastifyRequest } from 'fastify';
import { EchoError } from '../../errors/catalogue.ts';
import type { Catalog, Clip } from '../../ports/catalog.ts';
import type { Principal } from '../../security/tokens.ts';

/** Path parameters of the routes under /clips/:id. */
export const clipIdParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^[a-z]+_[a-z0-9]{8,40}$' } } } as const;

/** The caller of a /v1 route; the access-control hook has already checked the route's declared role. */
export function principal(request: FastifyRequest): Principal {
  if (!request.principal) throw new EchoError('UNAUTHORIZED', 'a valid bearer token is required');
  return request.principal;
}

/** The clip named in the path, if it belongs to the caller's project: another project's clip is NOT_FOUND. */
export async function ownClip(catalog: Catalog, request: FastifyRequest<{ Params: { id: string } }>): Promise<Clip> {
  const clip = await catalog.getClip(request.params.id, principal(request).projectId);
  if (!clip) throw new EchoError('NOT_FOUND', `no clip ${request.params.id}`);
  return clip;
}
