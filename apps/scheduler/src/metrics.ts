/**
 * What a scheduler reports (Airflow's names): a heartbeat per pass, the tries a pass queued, how long finished
 * runs took and how late scheduled runs started, and — at most every few seconds — the pools' slots, the tasks
 * starving for them and the depth of each named queue. Reading for metrics never fails a pass: errors are logged.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import { NO_METRICS, type Metrics } from '@windsock/metrics';
import type { Logger } from '@windsock/config';
import { runTimings } from './sql/run-timings.ts';
import { poolUsage } from './sql/pool-usage.ts';

const GAUGES_EVERY_MS = 5000;

export class SchedulerMetrics {
  private readonly db: Kysely<Database>;
  private readonly metrics: Metrics;
  private readonly log: Logger;
  /** With every backend off nothing is read for metrics: the reads cost the database. */
  private readonly on: boolean;
  private lastGauges = 0;
  private gauging = false;
  /** Queues reported last time: one that emptied is reported at 0 once, not left at its last depth. */
  private queuesSeen = new Set<string>();

  constructor(db: Kysely<Database>, metrics: Metrics, log: Logger) { this.db = db; this.metrics = metrics; this.log = log; this.on = metrics !== NO_METRICS; }

  passDone(queued: number): void {
    if (!this.on) return;
    this.metrics.incr('scheduler_heartbeat');
    this.metrics.gauge('scheduler.tasks.executable', queued);
    if (Date.now() - this.lastGauges >= GAUGES_EVERY_MS && !this.gauging) {
      this.lastGauges = Date.now();
      this.gauging = true;
      void this.gauges().catch((err: unknown) => this.log.warn({ err }, 'could not read pool and queue gauges'))
        .finally(() => { this.gauging = false; });
    }
  }

  runsStarted(ids: number[]): void {
    if (!this.on || ids.length === 0) return;
    void runTimings(this.db, ids).then((runs) => {
      for (const r of runs) {
        if (r.runType !== 'scheduled' || !r.startDate || !r.dataIntervalEnd) continue;
        this.metrics.timing('dagrun.schedule_delay', Math.max(0, r.startDate.getTime() - r.dataIntervalEnd.getTime()), { dag_id: r.dagId });
      }
    }, (err: unknown) => this.log.warn({ err }, 'could not read started runs for dagrun.schedule_delay'));
  }

  runsFinished(ids: number[]): void {
    if (!this.on || ids.length === 0) return;
    void runTimings(this.db, ids).then((runs) => {
      for (const r of runs) {
        if (!r.startDate || !r.endDate || (r.state !== 'success' && r.state !== 'failed')) continue;
        this.metrics.timing(r.state === 'success' ? 'dagrun.duration.success' : 'dagrun.duration.failed', r.endDate.getTime() - r.startDate.getTime(), { dag_id: r.dagId });
      }
    }, (err: unknown) => this.log.warn({ err }, 'could not read finished runs for dagrun.duration'));
  }

  private async gauges(): Promise<void> {
    const { pools, queues } = await poolUsage(this.db);
    let starving = 0;
    for (const p of pools) {
      const open = p.slots - p.running - p.queued;
      const tags = { pool: p.pool };
      // slots -1 is an unlimited pool (as in Airflow): it has no open-slot count and starves nothing.
      if (p.slots >= 0) this.metrics.gauge('pool.open_slots', Math.max(0, open), tags);
      this.metrics.gauge('pool.running_slots', p.running, tags);
      this.metrics.gauge('pool.queued_slots', p.queued, tags);
      const starved = p.slots >= 0 && open <= 0 ? p.scheduled : 0;
      this.metrics.gauge('pool.starving_tasks', starved, tags);
      starving += starved;
    }
    this.metrics.gauge('scheduler.tasks.starving', starving);
    const seen = new Set<string>();
    for (const q of queues) { seen.add(q.queue); this.metrics.gauge('windsock.queue.depth', q.depth, { queue: q.queue }); }
    for (const q of this.queuesSeen) if (!seen.has(q)) this.metrics.gauge('windsock.queue.depth', 0, { queue: q });
    this.queuesSeen = new Set([...seen, 'default']);
  }
}
