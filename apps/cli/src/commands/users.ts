/** `windsock users create` (as `airflow users create`): a webserver user with one of Airflow's roles. */
import type { Command } from 'commander';
import { migrateToLatest, openMetastore } from '@windsock/metastore';
import { createUser, ROLES } from '@windsock/webserver';
import { loadCliEnv } from '../config.ts';
import { metastoreOf } from '../runtime/folder.ts';

export function registerUsers(program: Command, setExit: (code: number) => void): void {
  const users = program.command('users').description('Webserver users and roles');
  users.command('create').description('Create a user')
    .requiredOption('-u, --username <name>', 'user name')
    .requiredOption('-p, --password <password>', 'password (stored as an scrypt hash)')
    .requiredOption('-r, --role <role>', `role: ${ROLES.join(', ')}`)
    .option('-e, --email <email>', 'email address')
    .option('-f, --firstname <name>', 'first name')
    .option('-l, --lastname <name>', 'last name')
    .action(async (o: { username: string; password: string; role: string; email?: string; firstname?: string; lastname?: string }) => {
      const env = loadCliEnv();
      const store = await openMetastore(metastoreOf(env));
      try {
        await migrateToLatest(store.db);
        const u = await createUser(store.db, { username: o.username, password: o.password, role: o.role, email: o.email, firstName: o.firstname, lastName: o.lastname });
        process.stdout.write(`User "${u.username}" created with role ${u.role}\n`);
      } catch (err) {
        const e = err as Error & { code?: string };
        if (e.code === 'ALREADY_EXISTS' || e.code === 'BAD_REQUEST') { process.stderr.write(`windsock: ${e.message}\n`); setExit(1); return; }
        throw err;
      } finally {
        await store.close();
      }
    });
}
