import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
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

/** A body whose content type no parser accepts: name the type sent and the ones accepted. */
function unsupportedMediaType(request: FastifyRequest): EchoError {
  const sent = request.headers['content-type'];
  return new EchoError(
    'BAD_REQUEST',
    `content-type ${sent ? JSON.stringify(sent.slice(0, 100)) : '(none)'} is not accepted by ${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}; accepted: application/json for JSON bodies, multipart/form-data for POST /v1/clips, application/octet-stream for upload chunks (see /openapi.json)`,
  );
}

/** Every error answers `{ error: { code, message } }` with the catalogue's status; never a stack trace. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const echo = (err as FastifyError).code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? unsupportedMediaType(request) : toHttpError(err);
    if (echo.status >= 500) request.log.error({ err }, echo.message);
    else request.log.info({ code: echo.wireCode }, echo.message);
    reply.status(echo.status).send({ error: echo.toJSON() });
  });
  app.setNotFoundHandler((request, reply) => {
    const echo = new EchoError('NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}; see /openapi.json`);
    reply.status(404).send({ error: echo.toJSON() });
  });
}

/** Longest path parameter the router accepts (Fastify's default); longer ones answer a coded 400. */
export const MAX_PARAM_LENGTH = 100;

/**
 * Errors the router raises before any route runs (a URL that is not valid percent-encoding, a path
 * parameter over MAX_PARAM_LENGTH characters): the same coded JSON as every other error.
 */
export function frameworkErrors(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const echo =
    err.code === 'FST_ERR_BAD_URL'
      ? new EchoError('BAD_REQUEST', 'the URL path is not valid percent-encoding (such as %ZZ or an invalid UTF-8 sequence); encode each path segment as UTF-8 with encodeURIComponent')
      : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? new EchoError('BAD_REQUEST', `a path parameter is longer than ${MAX_PARAM_LENGTH} characters; no id is that long (clip and upload ids are under 50)`)
        : toHttpError(err);
  reply.status(echo.status).send({ error: echo.toJSON() });
}

/**
 * A request Node's HTTP parser refuses before Fastify sees it (headers or URL over the header size limit,
 * a malformed request line): answer the coded JSON error instead of Fastify's uncoded default, then close.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  // The parser reports again as more of the refused request arrives: the answer is out, the linger timer
  // closes the connection (destroying it now would reset a client still sending before it reads the answer).
  if (err.code === 'ECONNRESET' || socket.destroyed || answered.has(socket)) return;
  answered.add(socket);
  const message =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? 'the URL and headers are over the HTTP header size limit (16 KiB); send a shorter URL and fewer or shorter headers'
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 'the request was not received completely in time; send it again'
        : 'the request is not valid HTTP/1.1; send a well-formed request line, headers and body';
  const body = JSON.stringify({ error: new EchoError('BAD_REQUEST', message).toJSON() });
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  // End (not destroy) after the answer, and discard what the client is still sending (a request body), so
  // it reads the answer instead of a reset; a client that keeps sending is cut off after a few seconds.
  socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  socket.resume();
  setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS).unref();
}

/** Connections refused by the HTTP parser that have had their answer. */
const answered = new WeakSet<Duplex>();

/** How long a connection refused by the HTTP parser may keep sending before it is cut off. */
const CLIENT_ERROR_LINGER_MS = 5000;
