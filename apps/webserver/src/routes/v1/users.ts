/**
 * `POST /api/v1/users` (Airflow 2's API, forwarded there to FAB): an Admin creates a webserver user. Windsock
 * gives each user one role, so `roles` names exactly one. `windsock users create` uses it to create a user
 * through a running standalone that holds the embedded store (one writer per store).
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { ApiError } from '../../errors.ts';
import { audit } from '../../audit.ts';
import { createUser } from '../../users.ts';
import type { ApiContext } from '../../types.ts';

const UserBody = Type.Object({
  username: Type.String({ minLength: 1 }),
  password: Type.String({ minLength: 1 }),
  email: Type.Optional(Type.String({ minLength: 1 })),
  first_name: Type.Optional(Type.String()),
  last_name: Type.Optional(Type.String()),
  roles: Type.Array(Type.Object({ name: Type.String() }), { minItems: 1 }),
});

export const userRoutesV1 = (ctx: ApiContext): FastifyPluginAsync => async (app) => {
  const { db } = ctx;
  app.post('/users', { config: { perm: 'create:user' }, schema: { body: UserBody } }, async (req) => {
    const b = req.body as { username: string; password: string; email?: string; first_name?: string; last_name?: string; roles: { name: string }[] };
    if (b.roles.length !== 1) throw new ApiError('BAD_REQUEST', 'Bad Request', 'roles: a Windsock user has exactly one role');
    const made = await createUser(db as unknown as Kysely<Database>, {
      username: b.username, password: b.password, role: b.roles[0]!.name, email: b.email, firstName: b.first_name, lastName: b.last_name,
    });
    const u = await db.selectFrom('ab_user').select(['username', 'email', 'first_name', 'last_name', 'active', 'last_login', 'created_on', 'role'])
      .where('id', '=', made.id).executeTakeFirstOrThrow();
    await audit(db, req, { event: 'user.create', extra: { username: u.username, role: u.role } });
    return {
      username: u.username, email: u.email, first_name: u.first_name ?? '', last_name: u.last_name ?? '', active: u.active,
      last_login: u.last_login?.toISOString() ?? null, login_count: null, failed_login_count: null, roles: [{ name: u.role }],
      created_on: u.created_on.toISOString(), changed_on: null,
    };
  });
};
