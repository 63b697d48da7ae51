/** `windsock db migrate`. The metastore is imported when the command runs (see dags.ts). */
import type { Command } from 'commander';
import { loadCliEnv } from './env.ts';

export function registerDb(program: Command, _setExit: (code: number) => void): void {
  const db = program.command('db').description('Database operations');
  db.command('migrate').description('Create or upgrade the metastore tables (safe to run again, or from several processes)')
    .action(async () => {
      const env = await loadCliEnv();
      const [{ migrateToLatest, openMetastore, redactUrl }, { metastoreOf }, { acquireStoreLock }] = await Promise.all([
        import('@windsock/metastore'), import('../runtime/folder.ts'), import('../runtime/store-lock.ts'),
      ]);
      const opts = metastoreOf(env);
      // A running standalone migrated its store when it started; it must not be written behind its back.
      const lock = opts.kind === 'pglite' && opts.dataDir ? acquireStoreLock(opts.dataDir, { command: 'db migrate', serving: false }) : null;
      try {
        const store = await openMetastore(opts);
        try {
          const applied = await migrateToLatest(store.db);
          const where = opts.kind === 'postgres' ? redactUrl(opts.url) : `PGlite at ${opts.dataDir}`;
          process.stdout.write(applied.length ? `Applied ${applied.join(', ')} to ${where}\n` : `${where} is up to date\n`);
        } finally {
          await store.close();
        }
      } finally {
        lock?.release();
      }
    });
}
