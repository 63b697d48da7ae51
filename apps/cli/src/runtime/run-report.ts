/** What `dags test` and `tasks test` print about a run: states, durations and each task's log tail. */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { readRunForReport, readTryLog } from './sql/run-report.ts';

export interface TiReport { task_id: string; map_index: number; state: string | null; try_number: number; start_date: string | null; end_date: string | null; duration: number | null; log: string }

export async function runReport(db: Kysely<Database>, dagRunId: number, taskIds?: string[]): Promise<{ dag_id: string; run_id: string; state: string; logical_date: string | null; task_instances: TiReport[] }> {
  const { run, tis } = await readRunForReport(db, dagRunId, taskIds);
  const out: TiReport[] = [];
  for (const ti of tis) {
    const log = await readTryLog(db, ti.id, ti.try_number);
    out.push({
      task_id: ti.task_id, map_index: ti.map_index, state: ti.state, try_number: ti.try_number,
      start_date: ti.start_date?.toISOString() ?? null, end_date: ti.end_date?.toISOString() ?? null,
      duration: ti.duration, log,
    });
  }
  return { dag_id: run.dag_id, run_id: run.run_id, state: run.state, logical_date: run.logical_date?.toISOString() ?? null, task_instances: out };
}

export function printReport(r: Awaited<ReturnType<typeof runReport>>, tailLines: number): void {
  const w = (s: string) => process.stdout.write(s);
  for (const ti of r.task_instances) {
    const dur = ti.duration !== null ? `${ti.duration.toFixed(2)} s` : '-';
    w(`[${(ti.state ?? 'no status').toUpperCase()}] ${ti.task_id}${ti.map_index >= 0 ? `[${ti.map_index}]` : ''}  try ${ti.try_number}  ${dur}\n`);
    const lines = ti.log.split('\n').filter((l) => l.length > 0);
    for (const l of lines.slice(-tailLines)) w(`    | ${l}\n`);
  }
  w(`DAG run ${r.run_id} of ${r.dag_id}: ${r.state.toUpperCase()}\n`);
}

/** A date argument: `2024-01-01` or a full ISO datetime; dates without an offset are UTC. */
export function parseLogicalDate(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : /[zZ]|[+-]\d{2}:?\d{2}$/.test(s) ? s : `${s}Z`;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new Error(`"${s}" is not a date (use YYYY-MM-DD or an ISO 8601 datetime)`);
  return d;
}
