/**
 * Sensors (Airflow's airflow/sensors/base.py): which operators are sensors and their settings, as the worker hands
 * them to the Python runner's poke loop. Poke mode pokes inside the try until true or the timeout; reschedule mode
 * pokes once per try and, when false, ends it `up_for_reschedule` until the next poke's date, keeping the try number
 * (Airflow's task_reschedule rows), and counts the timeout from the first poke of the task instance's current tries.
 */
import type { SerializedTask } from './serialized.ts';

export const SENSOR_OPERATORS: ReadonlySet<string> = new Set(['PythonSensor', '@task.sensor', 'TimeDeltaSensor', 'TimeDeltaSensorAsync',
  'DateTimeSensor', 'DateTimeSensorAsync', 'TimeSensor', 'TimeSensorAsync', 'FileSensor', 'BashSensor', 'DayOfWeekSensor', 'ExternalTaskSensor']);

export type SensorMode = 'poke' | 'reschedule';

export interface SensorSettings {
  mode: SensorMode;
  /** Seconds between pokes (poke_interval; 60 by default). */
  pokeInterval: number;
  /** Seconds the sensor may wait in all (timeout; seven days by default). */
  timeout: number;
  softFail: boolean;
  /** never_fail (Airflow 2.10+): any failure or timeout skips. */
  neverFail: boolean;
  exponentialBackoff: boolean;
  /** Upper bound of an exponentially backed-off interval, seconds; null = none. */
  maxWait: number | null;
}

/** A number of seconds, or the parser's `{__type: 'timedelta', seconds}`. */
function seconds(value: unknown, fallback: number | null): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (value && typeof value === 'object' && (value as { __type?: unknown }).__type === 'timedelta') {
    const s = (value as { seconds?: unknown }).seconds;
    if (typeof s === 'number') return s;
  }
  return fallback;
}

/** The sensor settings of a task, or null when it is no sensor. */
export function sensorSettings(task: Pick<SerializedTask, 'operator' | 'args'>): SensorSettings | null {
  if (!SENSOR_OPERATORS.has(task.operator)) return null;
  const a = task.args;
  return {
    mode: a.mode === 'reschedule' ? 'reschedule' : 'poke',
    pokeInterval: seconds(a.poke_interval, 60) ?? 60,
    timeout: seconds(a.timeout, 60 * 60 * 24 * 7) ?? 60 * 60 * 24 * 7,
    softFail: a.soft_fail === true,
    neverFail: a.never_fail === true,
    exponentialBackoff: a.exponential_backoff === true,
    maxWait: seconds(a.max_wait, null),
  };
}
