/** The CLI's configuration: the only place that reads process.env. */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileConfig, ConfigError, type WindsockConfig } from '@windsock/config';

export interface CliEnv {
  config: WindsockConfig;
  /** $WINDSOCK_HOME: standalone's data folder (PGlite database, generated secrets). Default ~/windsock. */
  home: string;
}

/** $WINDSOCK_HOME, default ~/windsock. */
export function windsockHome(): string {
  return resolve(process.env.WINDSOCK_HOME ?? join(homedir(), 'windsock'));
}

export function loadCliEnv(overrides: Partial<Record<string, Record<string, unknown>>> = {}): CliEnv {
  const env = process.env;
  const home = windsockHome();
  const file = env.WINDSOCK_CONFIG;
  let text: string | undefined;
  if (file) {
    try { text = readFileSync(file, 'utf8'); } catch (e) { throw new ConfigError(`WINDSOCK_CONFIG=${file}: ${(e as Error).message}`); }
  }
  return { config: compileConfig(env, text, overrides), home };
}
