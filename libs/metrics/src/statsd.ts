/**
 * The StatsD / DogStatsD backend (hot-shots, UDP). Sending never throws and never blocks: a host that does not
 * resolve or a port nobody listens on is logged once, and the metrics are dropped, as Airflow's are.
 *
 * Counters and gauges are aggregated in the process and sent once per flush interval (a counter's sum, a gauge's
 * last value: what the StatsD server would have made of the separate packets), as DogStatsD's client-side
 * aggregation does; timers are sent one by one, since the server computes their percentiles. A busy worker thus
 * sends one line per (metric, tags) per second instead of several per task (bench/metrics-cost.ts).
 */
import type HotShots from 'hot-shots';
import { METRICS, type MetricName, type Tags } from './catalog.ts';
import { classicStatsdName, dogstatsdTags, tagValue } from './names.ts';
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
  /** How often aggregated counters and gauges are sent (default 1000 ms). */
  flushMs?: number;
}

interface Series { stats: string[]; tags: string[] | undefined; value: number }

export function statsdMetrics(StatsD: typeof HotShots.StatsD, s: StatsdSettings): Metrics {
  let warned = false;
  const flushMs = s.flushMs ?? 1000;
  const client = new StatsD({
    host: s.host, port: s.port, prefix: s.prefix ? `${s.prefix}.` : '', protocol: 'udp',
    globalTags: s.datadog ? s.globalTags : [],
    // Datagrams of up to ~1.4 KB (safe under any MTU): one send per batch, not per line.
    maxBufferSize: 1400, bufferFlushInterval: flushMs, cacheDns: true,
    errorHandler: (err) => { if (!warned) { warned = true; s.onError?.(err); } },
  });
  /** The names and tags a metric is sent under, with these tag values. */
  const series = (name: MetricName, tags: Tags | undefined): Omit<Series, 'value'> => {
    const aliases = (METRICS[name] as { aliases?: readonly string[] }).aliases ?? [];
    if (!s.datadog) return { stats: [classicStatsdName(name, tags), ...aliases], tags: undefined };
    const t = dogstatsdTags(name, tags);
    return { stats: [name, ...aliases], tags: t.length ? t : undefined };
  };
  const keyOf = (name: MetricName, tags: Tags | undefined): string => {
    let key: string = name;
    for (const t of METRICS[name].tags) key += `\u0000${tagValue(tags?.[t])}`;
    return key;
  };
  const counters = new Map<string, Series>();
  const gauges = new Map<string, Series>();
  const flush = (): void => {
    for (const c of counters.values()) for (const stat of c.stats) client.increment(stat, c.value, c.tags);
    for (const g of gauges.values()) for (const stat of g.stats) client.gauge(stat, g.value, g.tags);
    counters.clear();
    gauges.clear();
  };
  const timer = setInterval(flush, flushMs);
  timer.unref();
  return {
    incr: (name, tags, by = 1) => {
      const key = keyOf(name, tags);
      const c = counters.get(key);
      if (c) c.value += by;
      else counters.set(key, { ...series(name, tags), value: by });
    },
    gauge: (name, value, tags) => {
      const key = keyOf(name, tags);
      const g = gauges.get(key);
      if (g) g.value = value;
      else gauges.set(key, { ...series(name, tags), value });
    },
    timing: (name, ms, tags) => { const t = series(name, tags); for (const stat of t.stats) client.timing(stat, ms, t.tags); },
    scrape: async () => null,
    close: () => {
      clearInterval(timer);
      flush();
      return new Promise<void>((resolve) => client.close(() => resolve()));
    },
  };
}
