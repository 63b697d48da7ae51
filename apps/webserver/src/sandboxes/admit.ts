/**
 * Who may use a sandbox, and with which rights: its owner and the platform's admins (`admin:sandbox`), each with
 * the Admin role's rights inside it (it is their own Airflow) except managing the platform's users and roles.
 * Anyone else is told it does not exist.
 */
import type { SandboxRow } from '@windsock/sandboxes/store';
import { ApiError } from '../errors.ts';
import type { Principal, WebDb } from '../types.ts';

/** The Admin role's permissions, read at most once a minute per metastore. */
const adminPerms = new WeakMap<WebDb, { at: number; perms: Promise<string[]> }>();

async function adminPermissions(db: WebDb): Promise<string[]> {
  let hit = adminPerms.get(db);
  if (!hit || Date.now() - hit.at > 60_000) {
    hit = { at: Date.now(), perms: db.selectFrom('ab_role').select('permissions').where('name', '=', 'Admin').executeTakeFirst().then((r) => r?.permissions ?? []) };
    adminPerms.set(db, hit);
  }
  return hit.perms;
}

export async function sandboxPrincipal(db: WebDb, row: SandboxRow, p: Principal): Promise<Principal> {
  if (row.owner !== p.username && !p.permissions.has('admin:sandbox')) {
    throw new ApiError('NOT_FOUND', 'Sandbox not found', `No sandbox named ${row.name}`);
  }
  const perms = (await adminPermissions(db)).filter((x) => !/:(user|role)$/.test(x) && !x.endsWith(':sandbox'));
  return { ...p, permissions: new Set(perms) };
}
