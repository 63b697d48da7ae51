/**
 * DAG run ids as Airflow generates them (`DagRun.generate_run_id`): `<run_type>__<logical date
 * isoformat>`, e.g. `scheduled__2024-01-01T00:00:00+00:00` or
 * `manual__2024-05-03T10:11:12.123000+00:00`. Users may also choose their own run ids through the
 * API; those do not parse.
 */
import { pythonIsoformat, utcMs } from './python-datetime.ts';
import type { DagRunType } from './states.ts';

const RUN_TYPES: readonly DagRunType[] = ['scheduled', 'manual', 'backfill', 'asset_triggered'];

export function generateRunId(type: DagRunType, logicalDate: Date): string {
  return `${type}__${pythonIsoformat(logicalDate)}`;
}

export interface ParsedRunId {
  runType: DagRunType;
  logicalDate: Date;
}

const RUN_ID = /^([a-z_]+?)__(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{6}))?([+-])(\d{2}):(\d{2})$/;

/**
 * The run type and logical date of a generated run id; null for a run id chosen by a user.
 * Airflow 2's `dataset_triggered__…` ids parse as `asset_triggered` (Airflow 3's name).
 */
export function parseRunId(runId: string): ParsedRunId | null {
  const m = RUN_ID.exec(runId);
  if (m === null) return null;
  const rawType = m[1] === 'dataset_triggered' ? 'asset_triggered' : m[1]!;
  const runType = RUN_TYPES.find((t) => t === rawType);
  if (runType === undefined) return null;
  const [year, month, day, hour, minute, second] = m.slice(2, 8).map(Number) as [number, number, number, number, number, number];
  const micro = m[8] === undefined ? 0 : Number(m[8]);
  const offsetMinutes = (Number(m[10]) * 60 + Number(m[11])) * (m[9] === '-' ? -1 : 1);
  const local = utcMs(year, month, day, hour, minute, second, Math.floor(micro / 1000));
  const check = new Date(local);
  if (check.getUTCMonth() + 1 !== month || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  return { runType, logicalDate: new Date(local - offsetMinutes * 60_000) };
}
