/**
 * Users and their roles (ab_user / ab_role, migration 0002). `createUser` is what `windsock users create` and
 * standalone call; the webserver only reads.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { ApiError } from './errors.ts';
import { hashPassword } from './auth/password.ts';
import type { WebDatabase } from './types.ts';

export const ROLES = ['Admin', 'Op', 'User', 'Viewer'] as const;

export interface NewUser { username: string; password: string; role: string; email?: string; firstName?: string; lastName?: string }

export async function createUser(db: Kysely<Database>, u: NewUser): Promise<{ id: number; username: string; role: string }> {
  const wdb = db as unknown as Kysely<WebDatabase>;
  if (!/^[\w.@+-]{1,256}$/.test(u.username)) throw new ApiError('BAD_REQUEST', 'Bad Request', 'username: letters, digits and . @ + - _ only');
  if (u.password.length < 1) throw new ApiError('BAD_REQUEST', 'Bad Request', 'password: must not be empty');
  const role = await wdb.selectFrom('ab_role').select('name').where('name', '=', u.role).executeTakeFirst();
  if (!role) throw new ApiError('BAD_REQUEST', 'Bad Request', `role: "${u.role}" is not a role (${ROLES.join(', ')})`);
  const row = await wdb.insertInto('ab_user').values({
    username: u.username, password_hash: await hashPassword(u.password), role: u.role,
    email: u.email ?? null, first_name: u.firstName ?? null, last_name: u.lastName ?? null, last_login: null,
  }).onConflict((oc) => oc.column('username').doNothing()).returning(['id', 'username', 'role']).executeTakeFirst();
  if (!row) throw new ApiError('ALREADY_EXISTS', 'Conflict', `user "${u.username}" already exists`);
  return row;
}

export async function userExists(db: Kysely<Database>, username: string): Promise<boolean> {
  const wdb = db as unknown as Kysely<WebDatabase>;
  return !!(await wdb.selectFrom('ab_user').select('id').where('username', '=', username).executeTakeFirst());
}
