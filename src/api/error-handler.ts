import type { FastifyError, FastifyInstance } from 'fastify';
import { EchoError, type ErrorCode, isEchoError } from '../errors/catalogue.ts';

/** Fastify and plugin error codes we translate into the catalogue, so clients only ever see ECHO_ERR_*. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_REQ_FILE_TOO_LARGE: 'UPLOAD_TOO_LARGE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'UPLOAD_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'BAD_REQUEST',
  FST_FILES_LIMIT: 'BAD_REQUEST',
  FST_PARTS_LIMIT: 'BAD_REQUEST',
  FST_FIELDS_LIMIT: 'BAD_REQUEST',
  FST_PROTO_VIOLATION: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
};

export function toHttpError(err: unknown): EchoError {
  if (isEchoError(err)) return err;
  const e = err as FastifyError;
  if (e.validation) return new EchoError('BAD_REQUEST', `invalid request: ${e.message}`, { cause: err });
  const mapped = e.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped) return new EchoError(mapped, e.message, { cause: err });
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new EchoError('BAD_REQUEST', e.message, { cause: err });
  }
  return new EchoError('INTERNAL', 'an unexpected internal error; see the server log', { cause: err });
}

/** Every error answers `{ error: { code, message } }` with the catalogue's status; never a stack trace. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const echo = toHttpError(err);
    if (echo.status >= 500) request.log.error({ err }, echo.message);
    else request.log.info({ code: echo.wireCode }, echo.message);
    reply.status(echo.status).send({ error: echo.toJSON() });
  });
  app.setNotFoundHandler((request, reply) => {
    const echo = new EchoError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}; see /openapi.json`);
    reply.status(404).send({ error: echo.toJSON() });
  });
}
