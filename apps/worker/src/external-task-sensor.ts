/**
 * ExternalTaskSensor, poked by the worker itself since it reads the metastore (Airflow 2.10's
 * airflow/sensors/external_task.py): done when every external task (or the external DAG run) at the run's logical
 * date minus execution_delta is in allowed_states; an external failure (failed_states) fails it, or skips it with
 * soft_fail; one in skipped_states skips it. Poke mode pokes inside the try; reschedule mode pokes once and names
 * the next poke's date. The timeout is BaseSensorOperator's, counted from `startedAt`.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { SensorSettings, SerializedTask } from '@windsock/dag-model';
import { externalTaskCounts } from './sql/external-task-counts.ts';

export type ExternalPokeEnd =
  | { outcome: 'success' }
  | { outcome: 'failed'; message: string; retry: boolean }
  | { outcome: 'skipped'; message: string }
  | { outcome: 'up_for_reschedule'; at: Date };

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export async function runExternalTaskSensor(db: Kysely<Database>, o: {
  task: SerializedTask; rendered: Record<string, unknown>; sensor: SensorSettings; logicalDate: Date | null; startedAt: Date;
  log: (line: string) => void; cancelled: () => boolean;
}): Promise<ExternalPokeEnd> {
  const { rendered, sensor } = o;
  const dagId = String(rendered.external_dag_id);
  const taskIds = Array.isArray(rendered.external_task_ids) ? strings(rendered.external_task_ids) : null;
  const groupId = typeof rendered.external_task_group_id === 'string' ? rendered.external_task_group_id : null;
  const delta = rendered.execution_delta as { seconds?: number } | undefined;
  if (o.logicalDate === null) return { outcome: 'failed', message: 'ExternalTaskSensor needs a run with a logical date', retry: false };
  const target = new Date(o.logicalDate.getTime() - (delta?.seconds ?? 0) * 1000);
  const allowed = strings(rendered.allowed_states);
  const failed = strings(rendered.failed_states);
  const skipped = strings(rendered.skipped_states);
  const what = taskIds !== null ? `${dagId}.${JSON.stringify(taskIds)}` : groupId !== null ? `${dagId}.${groupId}` : `DAG ${dagId}`;
  for (;;) {
    o.log(`Poking for ${what} on ${target.toISOString()} ...`);
    const [countAllowed, countFailed, countSkipped] = await externalTaskCounts(db, { dagId, taskIds, groupId, logicalDate: target }, [allowed, failed, skipped]);
    if (countFailed! > 0) {
      const message = taskIds !== null ? `Some of the external tasks ${JSON.stringify(taskIds)} in DAG ${dagId} failed.` : `The external DAG ${dagId} failed.`;
      if (sensor.softFail) return { outcome: 'skipped', message: `${message} Skipping due to soft_fail.` };
      return { outcome: 'failed', message, retry: true };
    }
    if (countSkipped! > 0) return { outcome: 'skipped', message: `${what} reached a skipped state; skipping.` };
    if (countAllowed === 1) return { outcome: 'success' };
    const duration = (Date.now() - o.startedAt.getTime()) / 1000;
    if (duration > sensor.timeout) {
      const message = `Sensor has timed out; run duration of ${duration} seconds exceeds the specified timeout of ${sensor.timeout}.`;
      return sensor.softFail || sensor.neverFail ? { outcome: 'skipped', message: `${message} Skipping due to soft_fail.` } : { outcome: 'failed', message: `AirflowSensorTimeout: ${message}`, retry: false };
    }
    if (sensor.mode === 'reschedule') return { outcome: 'up_for_reschedule', at: new Date(Date.now() + sensor.pokeInterval * 1000) };
    await new Promise((r) => setTimeout(r, sensor.pokeInterval * 1000));
    if (o.cancelled()) return { outcome: 'failed', message: 'stopped', retry: true };
  }
}
