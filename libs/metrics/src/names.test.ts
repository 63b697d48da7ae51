import { describe, expect, it } from 'vitest';
import { classicStatsdName, dogstatsdTags, exportedPrometheusNames, prometheusName } from './names.ts';
import { METRICS } from './catalog.ts';
import { openMetrics } from './open.ts';

describe('metric names', () => {
  it('maps Airflow names to the statsd_exporter Prometheus names', () => {
    expect(prometheusName('ti.finish')).toBe('airflow_ti_finish');
    expect(prometheusName('ti_failures')).toBe('airflow_ti_failures');
    expect(prometheusName('dagrun.duration.success')).toBe('airflow_dagrun_duration_success');
    expect(prometheusName('dag_processing.total_parse_time')).toBe('airflow_dag_processing_total_parse_time');
    expect(prometheusName('windsock.kubernetes.api_requests')).toBe('airflow_windsock_kubernetes_api_requests');
    expect(prometheusName('a-b.c')).toBe('airflow_a_b_c');
  });

  it('builds Airflow\'s classic StatsD names when tags are off, sanitising the values', () => {
    expect(classicStatsdName('dagrun.duration.success', { dag_id: 'etl' })).toBe('dagrun.duration.success.etl');
    expect(classicStatsdName('ti.finish', { dag_id: 'etl', task_id: 'load', state: 'success' })).toBe('ti.finish.etl.load.success');
    expect(classicStatsdName('pool.open_slots', { pool: 'default_pool' })).toBe('pool.open_slots.default_pool');
    expect(classicStatsdName('ti.start', { dag_id: 'a b', task_id: 'g/x' })).toBe('ti.start.a_b.g_x');
    // Windsock's own: the cost keeps repo and sandbox out of the name (tags only).
    expect(classicStatsdName('windsock.queue.depth', { queue: 'q' })).toBe('windsock.queue.depth.q');
    expect(classicStatsdName('windsock.task.requested_cpu_seconds', { dag_id: 'd', task_id: 't', repo: 'r' })).toBe('windsock.task.requested_cpu_seconds.d.t');
    expect(classicStatsdName('ti_failures')).toBe('ti_failures');
  });

  it('gives DogStatsD tags in the metric\'s order, every declared tag present', () => {
    expect(dogstatsdTags('ti.finish', { state: 'failed', dag_id: 'd', task_id: 't' })).toEqual(['dag_id:d', 'task_id:t', 'state:failed']);
    expect(dogstatsdTags('windsock.task.requested_cpu_seconds', { dag_id: 'd', task_id: 't' })).toEqual(['dag_id:d', 'task_id:t', 'repo:', 'sandbox:']);
    expect(dogstatsdTags('windsock.queue.depth', { queue: 'a,b|c' })).toEqual(['queue:a_b_c']);
  });

  it('lists every exported Prometheus series, timers with their histogram suffixes', () => {
    const names = exportedPrometheusNames();
    expect(names.has('airflow_scheduler_heartbeat')).toBe(true);
    expect(names.has('airflow_dagrun_duration_success_bucket')).toBe(true);
    expect(names.has('airflow_ti_finish_bucket')).toBe(false);
    // No two catalog names collide once mapped.
    const mapped = Object.keys(METRICS).map((n) => prometheusName(n));
    expect(new Set(mapped).size).toBe(mapped.length);
  });

  it('serves what was recorded in the Prometheus text format, labels exactly as declared', async () => {
    const m = await openMetrics({ prometheus: true, statsd: null }, { defaultTags: { sandbox: 'alice' } });
    m.incr('ti.finish', { dag_id: 'd', task_id: 't', state: 'success', extra: 'dropped' });
    m.incr('windsock.task.requested_cpu_seconds', { dag_id: 'd', task_id: 't', repo: 'r' }, 2.5);
    m.timing('dagrun.duration.success', 1500, { dag_id: 'd' });
    m.gauge('pool.open_slots', 7, { pool: 'default_pool' });
    const s = (await m.scrape())!;
    expect(s.contentType).toContain('text/plain');
    expect(s.body).toContain('airflow_ti_finish{dag_id="d",task_id="t",state="success"} 1');
    expect(s.body).toContain('airflow_windsock_task_requested_cpu_seconds{dag_id="d",task_id="t",repo="r",sandbox="alice"} 2.5');
    expect(s.body).toContain('airflow_dagrun_duration_success_sum{dag_id="d"} 1.5');
    expect(s.body).toContain('airflow_pool_open_slots{pool="default_pool"} 7');
    expect(s.body).toContain('process_cpu_user_seconds_total');
    await m.close();
  });

  it('a StatsD host that does not resolve drops the metrics and reports it once', async () => {
    const errors: unknown[] = [];
    const m = await openMetrics({ prometheus: false, statsd: { host: 'no-such-host.invalid', port: 8125, prefix: 'airflow', datadog: false, globalTags: [] } },
      { logger: { warn: (o: unknown) => errors.push(o) } as never });
    for (let i = 0; i < 50; i++) m.incr('ti_successes');
    for (let t = Date.now(); errors.length === 0 && Date.now() - t < 5000;) await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 50; i++) m.incr('ti_successes');
    await m.close();
    expect(errors).toEqual([expect.objectContaining({ statsd: 'no-such-host.invalid:8125', err: expect.stringContaining('ENOTFOUND') })]);
    expect(await m.scrape()).toBeNull();
  });
});

describe('requested resources', () => {
  it('reads container_resources, Windsock\'s resources and Airflow\'s cpus/ram', async () => {
    const { requestedResources, repoOf } = await import('./cost.ts');
    expect(requestedResources({ container_resources: { requests: { cpu: '500m', memory: '1Gi' } } })).toEqual({ cpu: 0.5, memoryBytes: 2 ** 30 });
    expect(requestedResources({ resources: { cpu: '2', memory: '512Mi' } })).toEqual({ cpu: 2, memoryBytes: 512 * 2 ** 20 });
    expect(requestedResources({ resources: { cpus: 1, ram: 256 } })).toEqual({ cpu: 1, memoryBytes: 256 * 2 ** 20 });
    expect(requestedResources({ bash_command: 'x' })).toEqual({ cpu: 0, memoryBytes: 0 });
    expect(repoOf(['team', 'repo:analytics'])).toBe('analytics');
    expect(repoOf([])).toBe('');
  });
});
