/**
 * The StatsD backend over a real UDP socket: without DogStatsD, Airflow's classic names carry the dag, task,
 * state and pool (`<prefix>.dagrun.duration.success.<dag_id>`) and no tags are sent; with it, the names stay
 * plain and the tags (and statsd_datadog_tags) travel as `|#k:v`. A port nobody listens on loses nothing but
 * the metrics.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compileConfig } from '@windsock/config';
import { compileMetricsSettings, openMetrics } from '@windsock/metrics';
import { statsdListener, until } from './support/metrics.ts';

let udp: Awaited<ReturnType<typeof statsdListener>>;
beforeAll(async () => { udp = await statsdListener(); });
afterAll(async () => { await udp?.close(); });

const settings = (env: Record<string, string>) => compileMetricsSettings(compileConfig({
  WINDSOCK__METRICS__STATSD_ON: 'true', WINDSOCK__METRICS__STATSD_HOST: '127.0.0.1', WINDSOCK__METRICS__STATSD_PORT: String(udp.port),
  WINDSOCK__METRICS__PROMETHEUS_ON: 'false', ...env,
}));

it('classic names carry the tags when DogStatsD is off', async () => {
  const m = await openMetrics(settings({ WINDSOCK__METRICS__STATSD_PREFIX: 'wind', WINDSOCK__METRICS__STATSD_DATADOG_TAGS: 'env:x' }));
  m.timing('dagrun.duration.success', 1500, { dag_id: 'etl' });
  m.incr('ti.finish', { dag_id: 'etl', task_id: 'load', state: 'success' });
  m.gauge('pool.open_slots', 12, { pool: 'default_pool' });
  m.incr('ti_successes');
  m.incr('scheduler_heartbeat');
  await m.close();
  const got = await until('6 packets', async () => (udp.packets.filter((p) => p.name.startsWith('wind.')).length >= 6 ? udp.packets.filter((p) => p.name.startsWith('wind.')) : undefined));
  expect(got.map((p) => `${p.name}:${p.value}|${p.type}`).sort()).toEqual([
    'wind.dagrun.duration.success.etl:1500|ms', 'wind.pool.open_slots.default_pool:12|g', 'wind.scheduler.heartbeat:1|c',
    'wind.scheduler_heartbeat:1|c', 'wind.ti.finish.etl.load.success:1|c', 'wind.ti_successes:1|c',
  ]);
  expect(got.every((p) => Object.keys(p.tags).length === 0)).toBe(true);
});

it('DogStatsD sends plain names with tags and the global tags', async () => {
  const m = await openMetrics(settings({ WINDSOCK__METRICS__STATSD_PREFIX: 'dd', WINDSOCK__METRICS__STATSD_DATADOG_ENABLED: 'true', WINDSOCK__METRICS__STATSD_DATADOG_TAGS: 'env:prod,team:data' }));
  m.timing('dagrun.duration.failed', 250, { dag_id: 'etl' });
  m.gauge('windsock.queue.depth', 3, { queue: 'spark' });
  await m.close();
  const got = await until('2 packets', async () => { const p = udp.packets.filter((x) => x.name.startsWith('dd.')); return p.length >= 2 ? p : undefined; });
  expect(got).toContainEqual({ name: 'dd.dagrun.duration.failed', value: 250, type: 'ms', tags: { env: 'prod', team: 'data', dag_id: 'etl' } });
  expect(got).toContainEqual({ name: 'dd.windsock.queue.depth', value: 3, type: 'g', tags: { env: 'prod', team: 'data', queue: 'spark' } });
});

it('refuses a malformed statsd_datadog_tags entry at the edge', () => {
  expect(() => settings({ WINDSOCK__METRICS__STATSD_DATADOG_TAGS: 'no-colon' })).toThrow(/not a key:value tag/);
});
