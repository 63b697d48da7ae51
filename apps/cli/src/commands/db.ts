import type { Command } from 'commander';
import { migrateToLatest, openMetastore, redactUrl } from '@windsock/metastore';
import { loadCliEnv } from '../config.ts';
import { metastoreOf } from '../runtime/folder.ts';

export function registerDb(program: Command, _setExit: (code: number) => void): void {
  const db = program.command('db').description('Database operations');
  db.command('migrate').description('Create or upgrade the metastore tables (safe to run again, or from several processes)')
    .action(async () => {
      const env = loadCliEnv();
      const opts = metastoreOf(env);
      const store = await openMetastore(opts);
      try {
        const applied = await migrateToLatest(store.db);
        const where = opts.kind === 'postgres' ? redactUrl(opts.url) : `PGlite at ${opts.dataDir}`;
        process.stdout.write(applied.length ? `Applied ${applied.join(', ')} to ${where}\n` : `${where} is up to date\n`);
      } finally {
        await store.close();
      }
    });
}
