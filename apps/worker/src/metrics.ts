/**
 * What a worker reports (Airflow's names): tries started and ended by dag, task and state, its executor's slots,
 * and Windsock's cost metric — the CPU and memory a try requested times its run time, tagged with the DAG's
 * repository (its `repo:<name>` tag) and, through the process's default tags, the sandbox.
 */
import type { CachedDag } from '@windsock/metastore';
import { NO_METRICS, repoOf, requestedResources, type Metrics } from '@windsock/metrics';

const GAUGE_EVERY_MS = 1000;

export class WorkerMetrics {
  private timer: NodeJS.Timeout | null = null;
  private readonly metrics: Metrics;
  constructor(metrics: Metrics) { this.metrics = metrics; }

  tryStarted(ti: { dag_id: string; task_id: string }): void {
    this.metrics.incr('ti.start', { dag_id: ti.dag_id, task_id: ti.task_id });
  }

  tryEnded(ti: { dag_id: string; task_id: string }, state: string | null, startedMs: number, dag: CachedDag | null): void {
    const tags = { dag_id: ti.dag_id, task_id: ti.task_id };
    this.metrics.incr('ti.finish', { ...tags, state: state ?? 'none' });
    // Airflow counts a try that failed into ti_failures whether or not it is retried.
    if (state === 'failed' || state === 'up_for_retry') this.metrics.incr('ti_failures');
    else if (state === 'success') this.metrics.incr('ti_successes');
    const task = dag?.tasks.get(ti.task_id);
    if (!task) return;
    const { cpu, memoryBytes } = requestedResources(task.args);
    if (cpu === 0 && memoryBytes === 0) return;
    const seconds = Math.max(0, Date.now() - startedMs) / 1000;
    const costTags = { ...tags, repo: repoOf(dag!.dag.tags ?? []) };
    if (cpu > 0) this.metrics.incr('windsock.task.requested_cpu_seconds', costTags, cpu * seconds);
    if (memoryBytes > 0) this.metrics.incr('windsock.task.requested_memory_byte_seconds', costTags, memoryBytes * seconds);
  }

  /** Reports the executor's slots every second: `running` tries, `waiting` ones claimed but not yet started. */
  start(slots: () => { running: number; waiting: number; concurrency: number }): void {
    if (this.metrics === NO_METRICS) return;
    const report = (): void => {
      const s = slots();
      this.metrics.gauge('executor.running_tasks', s.running);
      this.metrics.gauge('executor.queued_tasks', s.waiting);
      this.metrics.gauge('executor.open_slots', Math.max(0, s.concurrency - s.running - s.waiting));
    };
    report();
    this.timer = setInterval(report, GAUGE_EVERY_MS);
    this.timer.unref();
  }

  stop(): void { if (this.timer) clearInterval(this.timer); this.timer = null; }
}
