/** Standalone's generated secrets, kept in $WINDSOCK_HOME (as `airflow standalone` keeps its own). */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateFernetKey } from '@windsock/metastore';
import type { CliEnv } from '../config.ts';

/** The configured fernet key, or the one generated on first start and kept in $WINDSOCK_HOME/fernet.key. */
export async function ensureFernetKey(env: CliEnv): Promise<string> {
  if (env.config.core.fernet_key) return env.config.core.fernet_key;
  const file = join(env.home, 'fernet.key');
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    const key = generateFernetKey();
    await writeFile(file, key + '\n', { mode: 0o600, flag: 'wx' }).catch(() => {});
    return (await readFile(file, 'utf8')).trim();
  }
}
