/**
 * `POST /auth/token` (Airflow 3): `{username, password}` → 201 `{access_token}`, a JWT for the Authorization
 * header. Failed attempts are throttled per username and client address (auth/throttle.ts).
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Authenticator } from '../auth/guard.ts';

export const authTokenRoutes = (auth: Authenticator): FastifyPluginAsync => async (app) => {
  app.post('/auth/token', {
    config: { public: true },
    schema: { body: Type.Object({ username: Type.String({ minLength: 1 }), password: Type.String({ minLength: 1 }) }) },
  }, async (req, reply) => {
    const { username, password } = req.body as { username: string; password: string };
    const user = await auth.login(username, password, req.ip);
    // In a sandbox: only its owner and admins get a token, and it is good for that sandbox only.
    if (auth.scope.name !== null) await auth.scope.admit({ userId: user.id, username: user.username, role: user.role, permissions: new Set() });
    return reply.code(201).send({ access_token: await auth.tokens.sign(user, Date.now(), auth.scope.name), token_type: 'bearer', expires_in: auth.tokens.expiresInSec });
  });
};
