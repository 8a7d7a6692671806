import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { EchoError } from '../../errors/catalogue.ts';

export interface RateLimits {
  /** Refuses a client address that is over its failed-authentication allowance (429 + Retry-After). */
  refuseIfBlocked(request: FastifyRequest, reply: FastifyReply): void;
  /** Counts one failed authentication of this client address; over the allowance returns the 429 to answer instead. */
  failedAuthentication(request: FastifyRequest, reply: FastifyReply): Promise<EchoError | null>;
  /** Counts one upload; over the allowance answers 429 + Retry-After. */
  upload(request: FastifyRequest, reply: FastifyReply): Promise<void>;
}

function limited(reply: FastifyReply, ttlMs: number, what: string): EchoError {
  const seconds = Math.max(1, Math.ceil(ttlMs / 1000));
  reply.header('retry-after', String(seconds));
  return new EchoError('RATE_LIMITED', `${what}; retry in ${seconds} s`);
}

/**
 * Rate limits on the two things worth limiting per client address: failed authentications (token guessing,
 * and the catalog and audit load they cause) and uploads. Counted with @fastify/rate-limit's in-memory store
 * (per API process; replicas each count their own).
 */
export async function registerRateLimits(app: FastifyInstance, options: { authFailures: number; uploads: number; windowSeconds: number }): Promise<RateLimits> {
  await app.register(rateLimit, { global: false, timeWindow: options.windowSeconds * 1000 });
  const windowMs = options.windowSeconds * 1000;
  const authFailures = app.createRateLimit({ max: options.authFailures, timeWindow: windowMs, keyGenerator: (r) => `auth-failure:${r.ip}` });
  const uploads = app.createRateLimit({ max: options.uploads, timeWindow: windowMs, keyGenerator: (r) => `upload:${r.ip}` });
  // Addresses over the failure allowance, until when: refused before their token is even looked at.
  const blocked = new Map<string, number>();
  return {
    refuseIfBlocked(request, reply) {
      const until = blocked.get(request.ip);
      if (until === undefined) return;
      const left = until - Date.now();
      if (left <= 0) blocked.delete(request.ip);
      else throw limited(reply, left, `too many failed authentications from ${request.ip}`);
    },
    async failedAuthentication(request, reply) {
      const limit = await authFailures(request);
      if (limit.isAllowed || !limit.isExceeded) return null;
      if (blocked.size > 100_000) blocked.clear();
      blocked.set(request.ip, Date.now() + limit.ttl);
      return limited(reply, limit.ttl, `too many failed authentications from ${request.ip}`);
    },
    async upload(request, reply) {
      const limit = await uploads(request);
      if (!limit.isAllowed && limit.isExceeded) throw limited(reply, limit.ttl, `more than ${options.uploads} uploads in ${options.windowSeconds} s from ${request.ip}`);
    },
  };
}
