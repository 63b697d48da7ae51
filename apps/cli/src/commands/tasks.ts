/** `windsock tasks …`. What a command needs is imported when it runs (see dags.ts). */
import type { Command } from 'commander';
import { loadCliEnv } from './env.ts';
import { parseOutput, printRows } from '../output.ts';
import type { LogsOpts } from '../remote/runs.ts';
import type { ClearOpts, MarkOpts, TiOpts } from '../remote/task-verbs.ts';
import { remoteOptions } from './remote-options.ts';

export function registerTasks(program: Command, setExit: (code: number) => void): void {
  const tasks = program.command('tasks').description('Manage tasks');

  tasks.command('list <dag_id>').description('List the tasks of a DAG (as the REST API\'s Task objects with --output json)')
    .option('-S, --subdir <dir>', 'DAG folder').option('-o, --output <format>', 'table, json or plain', 'table')
    .action(async (dagId: string, opts: { subdir?: string; output: string }) => {
      const format = parseOutput(opts.output);
      const env = await loadCliEnv();
      const { dagsFolderOf, parseFolder } = await import('../runtime/folder.ts');
      const dag = (await parseFolder(env.config, dagsFolderOf(env, opts.subdir))).flatMap((r) => (r.ok ? r.dags : [])).find((d) => d.dag_id === dagId);
      if (!dag) throw new Error(`DAG "${dagId}" not found in the DAG folder`);
      const rows = dag.tasks.map((t) => ({
        task_id: t.task_id, task_display_name: t.task_id, owner: t.owner, operator_name: t.operator, class_ref: { module_path: t.operator_path.split('.').slice(0, -1).join('.'), class_name: t.operator },
        downstream_task_ids: t.downstream_task_ids, trigger_rule: t.trigger_rule, retries: t.retries,
        retry_delay: timeDelta(t.retry_delay), retry_exponential_backoff: t.retry_exponential_backoff,
        execution_timeout: t.execution_timeout === null ? null : timeDelta(t.execution_timeout),
        depends_on_past: t.depends_on_past, wait_for_downstream: t.wait_for_downstream, pool: t.pool, pool_slots: t.pool_slots,
        queue: t.queue, priority_weight: t.priority_weight, weight_rule: t.weight_rule, template_fields: t.template_fields,
        doc_md: t.doc_md, is_mapped: false, ui_color: '#fff', ui_fgcolor: '#000', extra_links: [], params: {},
        start_date: dag.start_date, end_date: dag.end_date,
      }));
      printRows(rows, ['task_id', 'operator_name', 'trigger_rule', 'downstream_task_ids'], format);
    });

  remoteOptions(tasks.command('logs <dag_id> <run_id> <task_id>'))
    .description('Print a task instance\'s log from a running Windsock; --follow prints new lines until the try ends')
    .option('-t, --try <n>', 'try number (default: the latest)')
    .option('-m, --map-index <n>', 'map index of a mapped task', '-1')
    .option('-f, --follow', 'keep printing new lines until the task instance has finished')
    .action(async (dagId: string, runId: string, taskId: string, opts: LogsOpts) => {
      const { logs } = await import('../remote/runs.ts');
      await logs(dagId, runId, taskId, opts);
    });

  remoteOptions(tasks.command('clear <dag_id>'))
    .description('Clear task instances on a running Windsock so that they run again: lists them, then asks (unless --yes)')
    .option('-t, --task-regex <regex>', 'only the tasks whose id this regular expression matches')
    .option('-s, --start-date <date>', 'only runs with a logical date at or after this')
    .option('-e, --end-date <date>', 'only runs with a logical date at or before this')
    .option('--run-id <run_id>', 'only this run')
    .option('-f, --only-failed', 'only failed task instances (and upstream_failed)')
    .option('-r, --only-running', 'only running task instances')
    .option('-d, --downstream', 'also the tasks downstream of those matched')
    .option('-u, --upstream', 'also the tasks upstream of those matched')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'only list what would be cleared')
    .action(async (dagId: string, opts: ClearOpts) => {
      const { clear } = await import('../remote/task-verbs.ts');
      await clear(dagId, opts);
    });

  remoteOptions(tasks.command('state <dag_id> <task_id> <run_id_or_logical_date>'))
    .description('Print a task instance\'s state on a running Windsock (of the run with that id, or that logical date)')
    .option('-m, --map-index <n>', 'map index of a mapped task', '-1')
    .action(async (dagId: string, taskId: string, runId: string, opts: TiOpts) => {
      const { state } = await import('../remote/task-verbs.ts');
      await state(dagId, taskId, runId, opts);
    });

  remoteOptions(tasks.command('mark <dag_id> <run_id> <task_id>'))
    .description('Set a task instance\'s state on a running Windsock (a running one is stopped)')
    .requiredOption('--state <state>', 'success, failed or skipped')
    .option('-m, --map-index <n>', 'map index of a mapped task', '-1')
    .option('-d, --downstream', 'also the tasks downstream of it')
    .option('-u, --upstream', 'also the tasks upstream of it')
    .option('--past', 'also this task in earlier runs')
    .option('--future', 'also this task in later runs')
    .option('--dry-run', 'only list what would be marked')
    .action(async (dagId: string, runId: string, taskId: string, opts: MarkOpts) => {
      const { mark } = await import('../remote/task-verbs.ts');
      await mark(dagId, runId, taskId, opts);
    });

  tasks.command('test <dag_id> <task_id> [logical_date]')
    .description('Run one task instance now, ignoring its dependencies, in a throwaway embedded store')
    .option('-S, --subdir <dir>', 'DAG folder').option('--tail <n>', 'log lines to print', '1000')
    .action(async (dagId: string, taskId: string, logicalDate: string | undefined, opts: { subdir?: string; tail: string }) => {
      const env = await loadCliEnv();
      const [{ waitForEvent }, { createManualRun, startQueuedRuns }, { startEmbedded }, { dagsFolderOf }, { parseLogicalDate, printReport, runReport }] = await Promise.all([
        import('@windsock/queue/local'), import('@windsock/scheduler'), import('../runtime/embedded.ts'), import('../runtime/folder.ts'), import('../runtime/run-report.ts'),
      ]);
      const app = await startEmbedded({ config: env.config, metastore: { kind: 'pglite', dataDir: null }, dagsFolder: dagsFolderOf(env, opts.subdir), watch: false, autoStart: false, focusDagId: dagId });
      try {
        const db = app.store.db;
        const cached = await app.scheduler.dags.get(dagId);
        if (!cached) throw new Error(`DAG "${dagId}" not found in the DAG folder`);
        if (!cached.tasks.has(taskId)) throw new Error(`task "${taskId}" not found in DAG "${dagId}" (it has: ${[...cached.tasks.keys()].join(', ')})`);
        await db.updateTable('dag').set({ is_paused: false }).where('dag_id', '=', dagId).execute();
        const run = await createManualRun(db, { dagId, logicalDate: parseLogicalDate(logicalDate), triggeredBy: 'test' });
        await startQueuedRuns(db, cached, new Date());
        const ti = await db.updateTable('task_instance').set({ state: 'queued', try_number: 1, max_tries: 0, queued_dttm: new Date() })
          .where('dag_run_id', '=', run.id).where('task_id', '=', taskId).returningAll().executeTakeFirstOrThrow();
        const done = waitForEvent(app.events, 'ti:finished', (e) => e.tiId === ti.id, 24 * 3600 * 1000);
        app.run({ scheduler: false });
        await app.queue.enqueue([{ tiId: ti.id, dagId, taskId, runId: run.run_id, mapIndex: ti.map_index, tryNumber: 1, queue: ti.queue, priority: ti.priority_weight }]);
        await done;
        const report = await runReport(db, run.id, [taskId]);
        printReport({ ...report, state: report.task_instances[0]?.state ?? 'failed' }, Number(opts.tail));
        if (report.task_instances[0]?.state !== 'success') setExit(1);
      } finally {
        await app.stop();
      }
    });
}

/** Airflow's TimeDelta object in the REST API. */
function timeDelta(seconds: number) {
  const days = Math.floor(seconds / 86400);
  const rest = seconds - days * 86400;
  return { __type: 'TimeDelta', days, seconds: Math.floor(rest), microseconds: Math.round((rest % 1) * 1e6) };
}
