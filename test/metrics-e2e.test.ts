/**
 * Metrics during a real run: a `windsock scheduler` and a `windsock worker` process (local executor) on Postgres
 * and Redis, with Prometheus on and StatsD on with DogStatsD tags sent to a UDP listener here. After runs of a
 * DAG that succeeds, one that fails, and one created by its schedule, /metrics on both processes holds Airflow's
 * metrics with their labels and plausible values, and the StatsD packets carry the names, tags and types.
 * The webserver serves /metrics too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metastore } from '@windsock/metastore';
import { compileConfig, silentLogger } from '@windsock/config';
import { LocalEventBus } from '@windsock/queue';
import { startWebserver } from '@windsock/webserver';
import { freshDatabase, REDIS_URL, type TestDatabase } from './support/db.ts';
import { startCluster, type Cluster, type Proc } from './distributed-cluster.ts';
import { parsePrometheus, pick, statsdListener, total, until, type Sample } from './support/metrics.ts';

const bash = (id: string, cmd: string, deps?: string[]) => `    - task_id: ${id}
      operator: airflow.operators.bash.BashOperator
      bash_command: '${cmd}'${deps ? `\n      dependencies: [${deps.join(', ')}]` : ''}`;

const DAGS = {
  'metrics_ok.yaml': `metrics_ok:
  schedule: null
  tags: ['repo:analytics']
  default_args: {start_date: 2024-01-01}
  tasks:
${bash('extract', 'sleep 0.2')}
${bash('transform', 'echo t', ['extract'])}
${bash('load', 'echo l', ['transform'])}
`,
  'metrics_fail.yaml': `metrics_fail:
  schedule: null
  default_args: {start_date: 2024-01-01}
  tasks:
${bash('boom', 'exit 3')}
`,
  'metrics_sched.yaml': `metrics_sched:
  schedule: '@daily'
  catchup: false
  default_args: {start_date: 2024-01-01}
  tasks:
${bash('tick', 'echo tick')}
`,
  'broken.yaml': 'broken: [this is not a DAG\n',
};

let tdb: TestDatabase;
let store: Metastore;
let cluster: Cluster;
let statsd: Awaited<ReturnType<typeof statsdListener>>;
let scheduler: Proc;
let worker: Proc;

async function scrape(p: Proc): Promise<Sample[]> {
  const res = await fetch(`http://127.0.0.1:${await p.healthPort}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  return parsePrometheus(await res.text());
}

beforeAll(async () => {
  statsd = await statsdListener();
  tdb = await freshDatabase();
  store = await tdb.open(4);
  cluster = await startCluster({
    store, databaseUrl: tdb.url, redisUrl: REDIS_URL, dags: () => DAGS,
    env: {
      WINDSOCK__METRICS__STATSD_ON: 'true', WINDSOCK__METRICS__STATSD_HOST: '127.0.0.1', WINDSOCK__METRICS__STATSD_PORT: String(statsd.port),
      WINDSOCK__METRICS__STATSD_DATADOG_ENABLED: 'true', WINDSOCK__METRICS__STATSD_DATADOG_TAGS: 'env:test,team:data',
      WINDSOCK__WORKER__CONCURRENCY: '4',
    },
  });
  scheduler = cluster.spawn('scheduler', 's1');
  worker = cluster.spawn('worker', 'w1');
  await Promise.all([scheduler.healthPort, worker.healthPort]);
}, 60_000);
afterAll(async () => { await cluster?.stopAll(); await store?.close(); await tdb?.drop(); await statsd?.close(); });

describe('metrics of a real run', () => {
  it('scheduler and worker /metrics hold Airflow\'s metrics with labels and plausible values', async () => {
    const ids = [...await cluster.trigger('metrics_ok', 2), ...await cluster.trigger('metrics_fail', 1, 10)];
    const runs = await cluster.waitForRuns(ids, 60_000);
    expect(runs.map((r) => r.state).sort()).toEqual(['failed', 'success', 'success']);
    const sched = await until('the scheduled run', async () => (await store.db.selectFrom('dag_run').select(['id', 'state']).where('dag_id', '=', 'metrics_sched').executeTakeFirst()) ?? undefined);
    await cluster.waitForRuns([sched.id], 30_000);
    const tasks = 2 * 3 + 1 + 1;

    // The worker's counters are recorded as each try ends; its gauges are set every second.
    const w = await until('the worker\'s ti.finish and idle slots', async () => {
      const s = await scrape(worker);
      return total(s, 'airflow_ti_finish') === tasks && total(s, 'airflow_executor_running_tasks') === 0 ? s : undefined;
    });
    expect(total(w, 'airflow_ti_start')).toBe(tasks);
    expect(pick(w, 'airflow_ti_finish', { dag_id: 'metrics_ok', task_id: 'load', state: 'success' })[0]?.value).toBe(2);
    expect(pick(w, 'airflow_ti_finish', { dag_id: 'metrics_fail', task_id: 'boom', state: 'failed' })[0]?.value).toBe(1);
    expect(total(w, 'airflow_ti_successes')).toBe(tasks - 1);
    expect(total(w, 'airflow_ti_failures')).toBe(1);
    expect(total(w, 'airflow_executor_running_tasks')).toBe(0);
    expect(total(w, 'airflow_executor_open_slots')).toBe(4);
    expect(pick(w, 'process_resident_memory_bytes')[0]?.value).toBeGreaterThan(10e6);

    // The scheduler's: heartbeats, run durations, the pool and DAG processing gauges (read every 5 s).
    const s = await until('the scheduler\'s pool gauges', async () => {
      const got = await scrape(scheduler);
      return total(got, 'airflow_pool_open_slots', { pool: 'default_pool' }) === 128 && total(got, 'airflow_dagrun_duration_success_count') === 3 ? got : undefined;
    });
    expect(total(s, 'airflow_scheduler_heartbeat')).toBeGreaterThan(3);
    expect(total(s, 'airflow_dagrun_duration_success_count', { dag_id: 'metrics_ok' })).toBe(2);
    const okSeconds = total(s, 'airflow_dagrun_duration_success_sum', { dag_id: 'metrics_ok' });
    expect(okSeconds).toBeGreaterThan(0.4); // two runs, each a 0.2 s task and two more after it
    expect(okSeconds).toBeLessThan(60);
    expect(total(s, 'airflow_dagrun_duration_failed_count', { dag_id: 'metrics_fail' })).toBe(1);
    // The scheduled run's data interval ended at midnight: it started up to a day later.
    expect(total(s, 'airflow_dagrun_schedule_delay_count', { dag_id: 'metrics_sched' })).toBe(1);
    const delay = total(s, 'airflow_dagrun_schedule_delay_sum', { dag_id: 'metrics_sched' });
    expect(delay).toBeGreaterThanOrEqual(0);
    expect(delay).toBeLessThanOrEqual(86_400 + 60);
    expect(pick(s, 'airflow_pool_open_slots', { pool: 'default_pool' })[0]!.value).toBe(128);
    expect(pick(s, 'airflow_pool_running_slots', { pool: 'default_pool' })[0]!.value).toBe(0);
    expect(pick(s, 'airflow_pool_queued_slots', { pool: 'default_pool' })[0]!.value).toBe(0);
    expect(total(s, 'airflow_scheduler_tasks_starving')).toBe(0);
    expect(pick(s, 'airflow_scheduler_tasks_executable')).toHaveLength(1);
    expect(pick(s, 'airflow_windsock_queue_depth', { queue: 'default' })[0]?.value).toBe(0);
    expect(total(s, 'airflow_dag_processing_import_errors')).toBe(1);
    expect(total(s, 'airflow_dag_processing_total_parse_time')).toBeGreaterThan(0);
    expect(pick(s, 'airflow_dag_processing_last_duration_count', { file_name: 'metrics_ok' })[0]?.value).toBeGreaterThanOrEqual(1);
  }, 120_000);

  it('StatsD gets DogStatsD packets: Airflow\'s names under the prefix, typed, tagged, with the global tags', async () => {
    const got = await until('the StatsD packets', async () => {
      const p = statsd.packets;
      const ended = p.filter((x) => x.name === 'airflow.ti.finish').reduce((a, x) => a + x.value, 0);
      return ended === 8 && p.some((x) => x.name === 'airflow.dagrun.duration.failed') && p.some((x) => x.name === 'airflow.pool.open_slots') ? p : undefined;
    });
    const of = (name: string) => got.filter((p) => p.name === name);
    const finish = of('airflow.ti.finish');
    // Counters are summed in the process and sent once a second: the values add up to the 8 tries.
    expect(finish.reduce((a, p) => a + p.value, 0)).toBe(8);
    expect(finish.every((p) => p.type === 'c' && p.tags.env === 'test' && p.tags.team === 'data')).toBe(true);
    expect(finish).toContainEqual(expect.objectContaining({ value: 1, tags: expect.objectContaining({ dag_id: 'metrics_fail', task_id: 'boom', state: 'failed' }) }));
    expect(of('airflow.ti.start')).toContainEqual(expect.objectContaining({ type: 'c', tags: expect.objectContaining({ dag_id: 'metrics_ok', task_id: 'extract' }) }));
    expect(of('airflow.ti_failures').every((p) => p.type === 'c')).toBe(true);
    expect(of('airflow.scheduler_heartbeat').length).toBeGreaterThan(0);
    expect(of('airflow.scheduler.heartbeat').length).toBeGreaterThan(0);
    const durations = of('airflow.dagrun.duration.success');
    expect(durations.length).toBe(3);
    expect(durations.every((p) => p.type === 'ms' && p.value > 0)).toBe(true);
    expect(durations.map((p) => p.tags.dag_id).sort()).toEqual(['metrics_ok', 'metrics_ok', 'metrics_sched']);
    expect(of('airflow.dagrun.schedule_delay')).toContainEqual(expect.objectContaining({ type: 'ms', tags: expect.objectContaining({ dag_id: 'metrics_sched' }) }));
    expect(of('airflow.executor.open_slots').every((p) => p.type === 'g')).toBe(true);
    const open = of('airflow.pool.open_slots');
    expect(open.length).toBeGreaterThan(0);
    expect(open.every((p) => p.type === 'g' && p.tags.pool === 'default_pool' && p.value <= 128 && p.value >= 124)).toBe(true);
    expect(of('airflow.dag_processing.import_errors')).toContainEqual(expect.objectContaining({ type: 'g', value: 1 }));
    // With DogStatsD, no classic name-with-dag forms.
    expect(got.some((p) => p.name.startsWith('airflow.dagrun.duration.success.'))).toBe(false);
  }, 60_000);

  it('the webserver serves /metrics without a token', async () => {
    const web = await startWebserver({ db: store.db, events: new LocalEventBus(), config: compileConfig({}), logger: silentLogger, fernetKey: '', port: 0, host: '127.0.0.1', uiDir: '/nonexistent' });
    try {
      const res = await fetch(`${web.url}/metrics`);
      expect(res.status).toBe(200);
      const samples = parsePrometheus(await res.text());
      expect(pick(samples, 'process_cpu_user_seconds_total')).toHaveLength(1);
      expect((await fetch(`${web.url}/api/v2/dags`)).status).toBe(401);
    } finally { await web.close(); }
  }, 30_000);
});
