import type { FastifyPluginAsync } from 'fastify';
import type { WebSignIn } from '../../security/web-sign-in.ts';

/**
 * `GET /auth/config`, unauthenticated (the sign-in page reads it before anyone is signed in): whether the
 * web app may sign in through OIDC, and the public facts it needs (issuer, client id, scopes, endpoints,
 * which token to send). No secret and no data: a public client has no secret.
 */
export const authConfigRoutes: FastifyPluginAsync<{ signIn: WebSignIn | null }> = async (app, { signIn }) => {
  app.get('/auth/config', { schema: { hide: true } }, async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return { oidc: signIn ? await signIn.config() : null };
  });
};
