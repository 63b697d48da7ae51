/**
 * `windsock dags …`. Only commander and the CLI's own small modules are imported here: what a command needs (the
 * parser, an embedded store, the scheduler) is imported when it runs, so `--help` and `dags list` stay light.
 */
import type { Command } from 'commander';
import { loadCliEnv } from './env.ts';
import { parseOutput, printRows, type OutputFormat } from '../output.ts';
import { remoteOptions, type RemoteOpts } from './remote-options.ts';
import { runsListOptions } from './runs.ts';
import type { PauseOpts, RunsListOpts } from '../remote/dag-verbs.ts';

export function registerDags(program: Command, setExit: (code: number) => void): void {
  const dags = program.command('dags').description('Manage DAGs');

  dags.command('list').description('List the DAGs in the DAG folder')
    .option('-S, --subdir <dir>', 'DAG folder').option('-o, --output <format>', 'table, json or plain', 'table')
    .action(async (opts: { subdir?: string; output: string }) => {
      const format = parseOutput(opts.output);
      const env = await loadCliEnv();
      const { dagsFolderOf, parseFolder } = await import('../runtime/folder.ts');
      const results = await parseFolder(env.config, dagsFolderOf(env, opts.subdir));
      const rows = results.flatMap((r) => (r.ok ? r.dags : []).map((d) => ({
        dag_id: d.dag_id, fileloc: d.fileloc, owners: d.owners, is_paused: d.is_paused_upon_creation ?? env.config.core.dags_are_paused_at_creation,
        tags: d.tags.map((name) => ({ name })), timetable_summary: d.schedule.kind === 'cron' ? d.schedule.raw : d.schedule.kind === 'none' ? null : d.schedule.kind === 'once' ? '@once' : `${d.schedule.seconds} seconds`,
        description: d.description, max_active_runs: d.max_active_runs, max_active_tasks: d.max_active_tasks,
      }))).sort((a, b) => a.dag_id.localeCompare(b.dag_id));
      printRows(format === 'json' ? rows : rows.map((r) => ({ ...r, owners: r.owners.join(',') })), ['dag_id', 'fileloc', 'owners', 'is_paused'], format);
      const errors = results.filter((r) => !r.ok).length;
      if (errors > 0 && format !== 'json') process.stderr.write(`${errors} file(s) could not be imported: see \`windsock dags list-import-errors\`\n`);
    });

  dags.command('list-import-errors').description('List the DAG files that could not be imported')
    .option('-S, --subdir <dir>', 'DAG folder').option('-o, --output <format>', 'table, json or plain', 'table')
    .action(async (opts: { subdir?: string; output: string }) => {
      const format = parseOutput(opts.output);
      const env = await loadCliEnv();
      const { dagsFolderOf, parseFolder } = await import('../runtime/folder.ts');
      const results = await parseFolder(env.config, dagsFolderOf(env, opts.subdir));
      const rows = results.flatMap((r) => (r.ok ? [] : [{ filename: r.error.filename, line: r.error.line, error: r.error.message, stack_trace: r.error.stacktrace }]));
      printRows(rows, ['filename', 'line', 'error'], format);
      if (rows.length > 0) setExit(1);
    });

  remoteOptions(dags.command('trigger <dag_id>'))
    .description('Trigger a DAG run on a running Windsock (POST /api/v2/dags/{dag_id}/dagRuns) and print it')
    .option('-c, --conf <json>', 'the run\'s conf (JSON object)')
    .option('-l, --logical-date <iso>', 'the run\'s logical date (ISO 8601)')
    .option('-r, --run-id <id>', 'the run\'s id (default: the server\'s manual__<date>)')
    .option('--wait', 'follow the run until it ends (progress on stderr); exit 1 unless it succeeded')
    .option('--timeout <seconds>', 'with --wait: give up after this long')
    .action(async (dagId: string, opts: RemoteOpts & { conf?: string; logicalDate?: string; runId?: string; wait?: boolean; timeout?: string }) => {
      const { trigger } = await import('../remote/runs.ts');
      await trigger(dagId, opts);
    });

  // Airflow's `dags pause` writes to its database; these ask a running Windsock's API (as `airflowctl` does).
  for (const [verb, paused] of [['pause', true], ['unpause', false]] as const) {
    remoteOptions(dags.command(`${verb} <dag_id>`))
      .description(`${paused ? 'Pause' : 'Unpause'} a DAG on a running Windsock (PATCH /api/v2/dags/{dag_id})`)
      .option('--treat-dag-id-as-regex', `${verb} every DAG whose id the regular expression matches`)
      .option('-y, --yes', 'with --treat-dag-id-as-regex: do not ask for confirmation')
      .action(async (dagId: string, opts: PauseOpts) => {
        const { setPaused } = await import('../remote/dag-verbs.ts');
        await setPaused(dagId, paused, opts);
      });
  }

  runsListOptions(dags.command('list-runs [dag_id]').alias('runs'))
    .description('List the runs of a DAG on a running Windsock, newest first (the same as windsock runs list)')
    .option('-d, --dag-id <dag_id>', 'the DAG (Airflow 2\'s spelling; or give it as the argument)')
    .action(async (dagId: string | undefined, opts: RunsListOpts) => {
      const { listRuns } = await import('../remote/dag-verbs.ts');
      await listRuns(dagId, opts);
    });

  dags.command('test <dag_id> [logical_date]')
    .description('Run one DAG run to completion in a throwaway embedded store, printing each task\'s state and log tail')
    .option('-S, --subdir <dir>', 'DAG folder').option('-o, --output <format>', 'table or json', 'table')
    .option('--conf <json>', 'the run\'s conf (JSON object)')
    .option('--tail <n>', 'log lines to print per task', '10')
    .action(async (dagId: string, logicalDate: string | undefined, opts: { subdir?: string; output: string; conf?: string; tail: string }) => {
      const format: OutputFormat = parseOutput(opts.output);
      const env = await loadCliEnv({ core: { dags_are_paused_at_creation: true } });
      const conf = opts.conf ? parseConf(opts.conf) : {};
      const [{ waitForEvent }, { createManualRun }, { startEmbedded }, { dagsFolderOf }, { parseLogicalDate, printReport, runReport }] = await Promise.all([
        import('@windsock/queue/local'), import('@windsock/scheduler'), import('../runtime/embedded.ts'), import('../runtime/folder.ts'), import('../runtime/run-report.ts'),
      ]);
      const app = await startEmbedded({ config: env.config, metastore: { kind: 'pglite', dataDir: null }, dagsFolder: dagsFolderOf(env, opts.subdir), watch: false, autoStart: false, focusDagId: dagId });
      try {
        const db = app.store.db;
        const dag = await db.selectFrom('dag').select('dag_id').where('dag_id', '=', dagId).executeTakeFirst();
        if (!dag) {
          const errs = await db.selectFrom('import_error').select(['filename', 'message']).execute();
          throw new Error(`DAG "${dagId}" not found in the DAG folder${errs.length ? `; files with import errors: ${errs.map((e) => `${e.filename} (${e.message})`).join('; ')}` : ''}`);
        }
        // Only this DAG, only this run: nothing scheduled by timetable.
        await db.updateTable('dag').set({ is_paused: true, next_dagrun_create_after: null }).execute();
        await db.updateTable('dag').set({ is_paused: false }).where('dag_id', '=', dagId).execute();
        const run = await createManualRun(db, { dagId, logicalDate: parseLogicalDate(logicalDate), conf, triggeredBy: 'test' });
        const finished = waitForEvent(app.events, 'dagrun:finished', (e) => e.dagRunId === run.id, 24 * 3600 * 1000);
        app.run();
        await finished;
        const report = await runReport(db, run.id);
        if (format === 'json') process.stdout.write(JSON.stringify({ ...report, task_instances: report.task_instances.map(({ log: _log, ...ti }) => ti) }, null, 2) + '\n');
        else printReport(report, Number(opts.tail));
        if (report.state !== 'success') setExit(1);
      } finally {
        await app.stop();
      }
    });
}

export function parseConf(text: string): Record<string, unknown> {
  let v: unknown;
  try { v = JSON.parse(text); } catch (e) { throw new Error(`--conf is not valid JSON: ${(e as Error).message}`, { cause: e }); }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('--conf must be a JSON object');
  return v as Record<string, unknown>;
}
