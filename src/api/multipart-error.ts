import type { FastifyError } from 'fastify';
import { EchoError, isEchoError } from '../errors/catalogue.ts';

/**
 * The multipart parser (busboy) throws plain errors when the content type names no usable boundary
 * (`multipart/form-data` alone, `boundary=` empty or over 70 characters): those are the client's fault, a
 * coded 400. Coded errors (EchoError, Fastify's FST_*) pass through for the error handler.
 */
export function multipartError(err: unknown): unknown {
  if (isEchoError(err) || typeof (err as FastifyError)?.code === 'string') return err;
  return new EchoError(
    'BAD_REQUEST',
    `the multipart body cannot be read (${(err as Error)?.message ?? String(err)}); send content-type multipart/form-data; boundary=… (1 to 70 characters) with the cine in the field "file", as curl -F file=@clip.mat does`,
    { cause: err },
  );
}
