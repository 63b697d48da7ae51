/** Reading a DAG folder without a metastore (for `dags list` and friends), and where the metastore lives. */
import { join, resolve } from 'node:path';
import { DagFolderProcessor, PythonDagLoader, type DagFileLoader, type FileParseResult, type IgnoreSyntax } from '@windsock/dag-parser';
import { operatorAliases, type WindsockConfig } from '@windsock/config';
import type { MetastoreOptions } from '@windsock/metastore';
import type { CliEnv } from '../config.ts';
import { dagSourcesOf, dagSourcesRoot } from './dag-sources.ts';

export function normalizeOptions(config: WindsockConfig) {
  return {
    defaultTimezone: config.core.default_timezone, catchupByDefault: config.scheduler.catchup_by_default,
    defaultRetries: config.core.default_task_retries, operatorAliases: operatorAliases(config),
    maxActiveRunsPerDag: config.core.max_active_runs_per_dag, maxActiveTasksPerDag: config.core.max_active_tasks_per_dag,
  };
}

/** The Python DAG loader as the configuration sets it; `variables` is what `Variable.get` in a DAG file reads. */
/** `snapshotDir`: where interpreters' memory snapshots are kept (they boot from one instead of from nothing). */
export function pythonLoaderOf(config: WindsockConfig, dagsFolder: string, variables: () => Record<string, string>, snapshotDir?: string): PythonDagLoader {
  const normalize = normalizeOptions(config);
  return new PythonDagLoader({
    dagFolder: dagsFolder, timeoutSeconds: config.core.dagbag_import_timeout, maxMemoryMb: config.dag_processor.parser_max_memory_mb,
    idleReleaseSeconds: config.dag_processor.parser_idle_release_sec, operatorAliases: normalize.operatorAliases, parserOptions: normalize, variables,
    ...(snapshotDir ? { snapshotDir } : {}),
  });
}

/** How the configuration says DAG files are found ([core] dag_discovery_safe_mode, dag_ignore_file_syntax). */
export function discoveryOf(config: WindsockConfig): { safeMode: boolean; ignoreSyntax: IgnoreSyntax } {
  return { safeMode: config.core.dag_discovery_safe_mode, ignoreSyntax: config.core.dag_ignore_file_syntax as IgnoreSyntax };
}

/** The folder processor over `dagsFolder`, Python files read by `python`; `include` narrows it to some files. */
export function folderProcessorOf(config: WindsockConfig, dagsFolder: string, python: DagFileLoader, include?: (relPath: string) => boolean): DagFolderProcessor {
  return new DagFolderProcessor({ folder: dagsFolder, ...discoveryOf(config), loaders: { '.py': python }, parserOptions: normalizeOptions(config), include });
}

export async function parseFolder(config: WindsockConfig, dagsFolder: string): Promise<FileParseResult[]> {
  const python = pythonLoaderOf(config, dagsFolder, () => ({}));
  try {
    return (await folderProcessorOf(config, dagsFolder, python).scan()).changed;
  } finally {
    await python.close();
  }
}

/** `subdir` when given; else the `[dag_sources]` root when sources are configured; else `[core] dags_folder`. */
export function dagsFolderOf(env: CliEnv, subdir?: string): string {
  if (subdir === undefined && dagSourcesOf(env.config).length > 0) return dagSourcesRoot(env.config, env.home);
  return resolve(subdir ?? env.config.core.dags_folder);
}

/**
 * Postgres when [database] url is set; otherwise the embedded PGlite database in $WINDSOCK_HOME/db, which a new
 * home starts as a copy of the migrated image in $WINDSOCK_HOME/cache.
 */
export function metastoreOf(env: CliEnv): MetastoreOptions {
  const { database } = env.config;
  if (database.url) return { kind: 'postgres', url: database.url, poolSize: database.pool_size, schema: database.schema || undefined };
  return { kind: 'pglite', dataDir: join(env.home, 'db'), imageCacheDir: join(env.home, 'cache') };
}
