/**
 * The CLI's configuration (../config.ts), imported when a command runs: `--help` and `--version` need neither
 * the configuration nor its YAML parser.
 */
import type { CliEnv } from '../config.ts';

export async function loadCliEnv(overrides: Partial<Record<string, Record<string, unknown>>> = {}): Promise<CliEnv> {
  return (await import('../config.ts')).loadCliEnv(overrides);
}
