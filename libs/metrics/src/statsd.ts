/**
 * The StatsD / DogStatsD backend (hot-shots, UDP). Sending never throws and never blocks: a host that does not
 * resolve or a port nobody listens on is logged once, and the metrics are dropped, as Airflow's are.
 */
import type HotShots from 'hot-shots';
import { METRICS, type MetricName, type Tags } from './catalog.ts';
import { classicStatsdName, dogstatsdTags } from './names.ts';
import type { Metrics } from './metrics.ts';

export interface StatsdSettings {
  host: string;
  port: number;
  /** [metrics] statsd_prefix; names are sent as `<prefix>.<name>`. */
  prefix: string;
  /** DogStatsD: tags as tags (`|#dag_id:x`); otherwise Airflow's classic names carry them. */
  datadog: boolean;
  /** [metrics] statsd_datadog_tags: `key:value` tags sent with every metric (DogStatsD only). */
  globalTags: string[];
  /** Called once, on the first send error. */
  onError?: (err: Error) => void;
}

export function statsdMetrics(StatsD: typeof HotShots.StatsD, s: StatsdSettings): Metrics {
  let warned = false;
  const client = new StatsD({
    host: s.host, port: s.port, prefix: s.prefix ? `${s.prefix}.` : '', protocol: 'udp',
    globalTags: s.datadog ? s.globalTags : [],
    // Datagrams of up to ~1.4 KB flushed every 200 ms: one send per batch, not per metric (bench/metrics-cost.ts).
    maxBufferSize: 1400, bufferFlushInterval: 200, cacheDns: true,
    errorHandler: (err) => { if (!warned) { warned = true; s.onError?.(err); } },
  });
  const send = (name: MetricName, tags: Tags | undefined, fn: (stat: string, tags: string[] | undefined) => void): void => {
    const aliases = (METRICS[name] as { aliases?: readonly string[] }).aliases ?? [];
    if (s.datadog) {
      const t = dogstatsdTags(name, tags);
      for (const stat of [name, ...aliases]) fn(stat, t.length ? t : undefined);
    } else {
      for (const stat of [classicStatsdName(name, tags), ...aliases]) fn(stat, undefined);
    }
  };
  return {
    incr: (name, tags, by = 1) => send(name, tags, (stat, t) => client.increment(stat, by, t)),
    gauge: (name, value, tags) => send(name, tags, (stat, t) => client.gauge(stat, value, t)),
    timing: (name, ms, tags) => send(name, tags, (stat, t) => client.timing(stat, ms, t)),
    scrape: async () => null,
    close: () => new Promise<void>((resolve) => client.close(() => resolve())),
  };
}
