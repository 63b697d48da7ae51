/**
 * The first step of a try: its task from the cached DAG, the opening lines of its log, its context, its templates
 * rendered (masked copies stored for the UI) and its XCom arguments resolved — everything an executor is given.
 * Every connection and sensitive variable the try reads joins its secrets masker on the way.
 */
import type { Kysely } from 'kysely';
import type { CachedDag, Database } from '@windsock/metastore';
import type { TaskLaunch } from '@windsock/executors';
import { addConnectionSecrets, addVariableSecret, ts as pyIso, type SecretsMasker } from '@windsock/dag-model';
import type { Claimed } from './sql/claim-try.ts';
import { storeRenderedFields } from './sql/try-fields.ts';
import type { TryLogWriter } from './log-writer.ts';
import { buildContext, resolveXComArgs, type ContextDeps } from './context.ts';
import type { TemplateRenderer } from './templates.ts';
import { templateDataFetcher } from './template-data.ts';

export interface PrepareDeps {
  db: Kysely<Database>;
  readConnection: ContextDeps['readConnection'];
  templates: TemplateRenderer;
  workerId: string;
  executorName: string;
  /** Rides out a short metastore outage. */
  retryDb<T>(fn: () => Promise<T>): Promise<T>;
}

/**
 * `cached`: the try's DAG from the cache (null when it is gone); `after`: the task whose end started this one as a
 * follow-on. Throws when the try cannot start.
 */
export async function prepareTry(d: PrepareDeps, claimed: Claimed, cached: CachedDag | null, after: string | null, secrets: SecretsMasker, logs: TryLogWriter): Promise<TaskLaunch> {
  const { ti, run } = claimed;
  const task = cached?.tasks.get(ti.task_id);
  if (!cached || !task) throw new Error(`task ${ti.task_id} is no longer in DAG ${ti.dag_id}`);
  const adoptFrom = ti.external_executor_id;
  // The worker's own opening lines wait up to a second for the task's output or end, which store them with it.
  if (adoptFrom === null) logs.write(`Starting attempt ${ti.try_number} of ${ti.max_tries + 1}${after !== null ? ` (started by its worker as soon as ${after} ended)` : ''}`, { lazy: true });
  else logs.write(`Adopting attempt ${ti.try_number}, still running as ${adoptFrom} (worker ${d.workerId})`, { lazy: true });
  logs.write(`Executing <Task(${task.operator}): ${task.task_id}> on ${run.logical_date ? pyIso(run.logical_date) : run.run_id} (worker ${d.workerId}, executor ${d.executorName})`, { lazy: true });
  // Every connection and variable the try reads has its secrets masked in its log and rendered fields.
  const readConnection = async (connId: string) => {
    const c = await d.readConnection(connId);
    if (c) addConnectionSecrets(secrets, c);
    return c;
  };
  const ctx = await d.retryDb(() => buildContext({ db: d.db, readConnection }, cached.dag, task, run, ti.try_number, ti.map_index));
  const { rendered: templated, renderedFields, read } = await d.templates.renderArgs(task.args, task.template_fields, {
    context: ctx.json, native: cached.dag.render_template_as_native_obj,
    ti: { dag_id: ti.dag_id, task_id: ti.task_id, run_id: ti.run_id, try_number: ti.try_number, map_index: ti.map_index },
  }, templateDataFetcher({ db: d.db, readConnection }, run.id));
  for (const [key, value] of Object.entries(read.variables)) addVariableSecret(secrets, key, value);
  const rendered = resolveXComArgs(templated, ctx.xcoms, ti.dag_id) as Record<string, unknown>;
  if (Object.keys(renderedFields).length > 0) {
    const masked = secrets.redact(renderedFields);
    await d.retryDb(() => storeRenderedFields(d.db, ti.id, masked));
  }
  const launch: TaskLaunch = {
    key: { tiId: ti.id, dagId: ti.dag_id, taskId: ti.task_id, runId: ti.run_id, mapIndex: ti.map_index, tryNumber: ti.try_number },
    dag: cached.dag, task, rendered, workerId: d.workerId, context: ctx.json, xcoms: ctx.xcoms,
    timeoutMs: task.execution_timeout !== null ? task.execution_timeout * 1000 : null,
    env: airflowContextEnv(ti.dag_id, ti.task_id, run.run_id, run.logical_date, ti.try_number, task.owner),
    maskLine: (l: string) => secrets.redactText(l),
  };
  return launch;
}

/** The AIRFLOW_CTX_* variables Airflow gives every task (context_to_airflow_vars; no DAG_EMAIL: emails are not kept). */
function airflowContextEnv(dagId: string, taskId: string, runId: string, logicalDate: Date | null, tryNumber: number, owner: string | null): Record<string, string> {
  return {
    ...(owner ? { AIRFLOW_CTX_DAG_OWNER: owner } : {}),
    AIRFLOW_CTX_DAG_ID: dagId, AIRFLOW_CTX_TASK_ID: taskId, AIRFLOW_CTX_DAG_RUN_ID: runId,
    AIRFLOW_CTX_LOGICAL_DATE: logicalDate ? pyIso(logicalDate) : '', AIRFLOW_CTX_EXECUTION_DATE: logicalDate ? pyIso(logicalDate) : '',
    AIRFLOW_CTX_TRY_NUMBER: String(tryNumber),
  };
}
