/**
 * Who may use a sandbox, and with which rights: its owner and the platform's admins (`admin:sandbox`), each with
 * the Admin role's rights inside it (it is their own Airflow) except managing the platform's users and roles.
 * Anyone else is told it does not exist.
 */
import type { SandboxRow } from '@windsock/sandboxes/store';
import { ApiError } from '../errors.ts';
import type { Principal, WebDb } from '../types.ts';

let adminPerms: { at: number; perms: Promise<string[]> } | null = null;

async function adminPermissions(db: WebDb): Promise<string[]> {
  if (!adminPerms || Date.now() - adminPerms.at > 60_000) {
    adminPerms = { at: Date.now(), perms: db.selectFrom('ab_role').select('permissions').where('name', '=', 'Admin').executeTakeFirst().then((r) => r?.permissions ?? []) };
  }
  return adminPerms.perms;
}

export async function sandboxPrincipal(db: WebDb, row: SandboxRow, p: Principal): Promise<Principal> {
  if (row.owner !== p.username && !p.permissions.has('admin:sandbox')) {
    throw new ApiError('NOT_FOUND', 'Sandbox not found', `No sandbox named ${row.name}`);
  }
  const perms = (await adminPermissions(db)).filter((x) => !/:(user|role)$/.test(x) && !x.endsWith(':sandbox'));
  return { ...p, permissions: new Set(perms) };
}
