/**
 * `windsock users create` (as `airflow users create`): a webserver user with one of Airflow's roles. On the
 * embedded store it takes the store's lock; when a running standalone holds the store, the user is created
 * through that instance's API (signed in as its admin) instead of writing behind its back.
 */
import type { Command } from 'commander';
import { ROLES, type NewUser } from '@windsock/webserver/users';
import { loadCliEnv } from './env.ts';

export function registerUsers(program: Command, setExit: (code: number) => void): void {
  const users = program.command('users').description('Webserver users and roles');
  users.command('create').description('Create a user (through the running standalone when one holds the embedded store)')
    .requiredOption('-u, --username <name>', 'user name')
    .requiredOption('-p, --password <password>', 'password (stored as an scrypt hash)')
    .requiredOption('-r, --role <role>', `role: ${ROLES.join(', ')}`)
    .option('-e, --email <email>', 'email address')
    .option('-f, --firstname <name>', 'first name')
    .option('-l, --lastname <name>', 'last name')
    .action(async (o: { username: string; password: string; role: string; email?: string; firstname?: string; lastname?: string }) => {
      const env = await loadCliEnv();
      const user: NewUser = { username: o.username, password: o.password, role: o.role, email: o.email, firstName: o.firstname, lastName: o.lastname };
      const [{ metastoreOf }, { acquireStoreLock, StoreLockedError }] = await Promise.all([import('../runtime/folder.ts'), import('../runtime/store-lock.ts')]);
      const opts = metastoreOf(env);
      let lock = null;
      if (opts.kind === 'pglite' && opts.dataDir) {
        try {
          lock = acquireStoreLock(opts.dataDir, { command: 'users create', serving: false });
        } catch (err) {
          if (!(err instanceof StoreLockedError)) throw err;
          const { createUserThroughInstance } = await import('../runtime/instance-client.ts');
          const r = await createUserThroughInstance(env, opts.dataDir, err.holder, user);
          if (!r.ok) { process.stderr.write(`windsock: ${r.message}\n`); setExit(r.exitCode); return; }
          process.stdout.write(`User "${r.username}" created with role ${r.role} (through the running instance at ${r.url})\n`);
          return;
        }
      }
      const [{ migrateToLatest, openMetastore }, { createUser }] = await Promise.all([import('@windsock/metastore'), import('@windsock/webserver/users')]);
      try {
        const store = await openMetastore(opts);
        try {
          await migrateToLatest(store.db);
          const u = await createUser(store.db, user);
          process.stdout.write(`User "${u.username}" created with role ${u.role}\n`);
        } catch (err) {
          const e = err as Error & { code?: string };
          if (e.code === 'ALREADY_EXISTS' || e.code === 'BAD_REQUEST') { process.stderr.write(`windsock: ${e.message}\n`); setExit(1); return; }
          throw err;
        } finally {
          await store.close();
        }
      } finally {
        lock?.release();
      }
    });
}
