import { join } from 'node:path';
import type { FastifyPluginAsync } from 'fastify';
import { createFrameCache } from '../../derived/frame-cache.ts';
import type { AppDeps } from '../build-app.ts';
import { errorResponses } from '../schemas.ts';
import { clipIdParams, ownClip } from './caller.ts';

const security = [{ bearer: [] }];

const regionSchema = {
  type: 'object',
  properties: {
    x0: { type: 'number' },
    y0: { type: 'number' },
    x1: { type: 'number' },
    y1: { type: 'number' },
    spatialFormat: { type: 'number' },
    dataType: { type: 'number' },
    physicalDeltaX: { type: 'number' },
    physicalDeltaY: { type: 'number' },
    physicalUnitsX: { type: 'number' },
    physicalUnitsY: { type: 'number' },
  },
} as const;

const framesIndexSchema = {
  type: 'object',
  description: 'Index of the frame pack: byte offsets of each JPEG, true fps, sizes, ultrasound regions (sector) when known',
  required: ['frames', 'fps', 'width', 'height', 'offsets'],
  properties: {
    version: { type: 'integer' },
    content_type: { type: 'string' },
    frames: { type: 'integer' },
    fps: { type: 'number' },
    fps_known: { type: 'boolean', description: 'False when the source states no frame rate (30 is used)' },
    width: { type: 'integer', description: 'Width of the rendered JPEGs' },
    height: { type: 'integer' },
    source_width: { type: 'integer', description: 'Width of the source frames; regions are in source pixels' },
    source_height: { type: 'integer' },
    format: { type: 'string' },
    regions: { type: 'array', items: regionSchema },
    offsets: { type: 'array', items: { type: 'integer' }, description: 'frames + 1 byte offsets into the pack' },
  },
} as const;

/**
 * The viewer's frames: the cine rendered once server-side into a pack of JPEGs (derived/<clip id>/...),
 * its index as JSON, and the pack itself. Both render on first request and are cached in the object store.
 */
export const frameRoutes: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  // The same scratch area and decode cap as uploads (data/work/frames beside data/work/uploads).
  const cache = createFrameCache({ store: deps.store, workDir: join(deps.ingest.spoolDir, '..', 'frames'), maxDecodedBytes: deps.ingest.maxUnzippedBytes });

  app.get<{ Params: { id: string } }>(
    '/clips/:id/frames.json',
    {
      config: { role: 'viewer', audit: 'clip.frames-index' },
      schema: {
        summary: 'Index of the clip’s frame pack (rendered on first request, then cached): fps, frame count, sizes, byte offsets, sector',
        security,
        params: clipIdParams,
        response: { 200: framesIndexSchema, 422: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const index = await cache.index(await ownClip(deps.catalog, request));
      reply.header('cache-control', 'private, max-age=3600');
      return index;
    },
  );

  app.get<{ Params: { id: string } }>(
    '/clips/:id/frames',
    {
      config: { role: 'viewer', audit: 'clip.frames' },
      schema: {
        summary: 'The clip’s frames as concatenated JPEGs (split them with the offsets of frames.json)',
        security,
        params: clipIdParams,
        produces: ['application/octet-stream'],
        response: { 422: { $ref: 'Error#' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const clip = await ownClip(deps.catalog, request);
      const index = await cache.index(clip);
      reply.header('content-type', 'application/octet-stream');
      reply.header('content-length', String(index.offsets[index.offsets.length - 1]));
      reply.header('cache-control', 'private, max-age=3600');
      return reply.send(await cache.pack(clip));
    },
  );
};
