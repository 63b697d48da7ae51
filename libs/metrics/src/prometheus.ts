/** The Prometheus backend: one registry per process (not prom-client's global one), Node's process metrics included. */
import type * as PromClient from 'prom-client';
import { METRICS, type MetricName, type MetricSpec, type Tags } from './catalog.ts';
import { prometheusName, tagValue } from './names.ts';
import type { Metrics } from './metrics.ts';

type Metric = PromClient.Counter | PromClient.Gauge | PromClient.Histogram;
/** One labelled series, as prom-client's `labels()` returns it; kept so a hot path does not hash labels per call. */
type Child = { inc(by: number): void } & { set(v: number): void } & { observe(v: number): void };

export function prometheusMetrics(prom: typeof PromClient, opts: { processMetrics?: boolean } = {}): Metrics & { registry: PromClient.Registry } {
  const registry = new prom.Registry();
  if (opts.processMetrics ?? true) prom.collectDefaultMetrics({ register: registry });
  const made = new Map<MetricName, Metric>();
  const get = (name: MetricName): Metric => {
    let metric = made.get(name);
    if (metric) return metric;
    const spec: MetricSpec = METRICS[name];
    const base = { name: prometheusName(name), help: spec.help, labelNames: [...spec.tags], registers: [registry] };
    switch (spec.kind) {
      case 'counter': metric = new prom.Counter(base); break;
      case 'gauge': metric = new prom.Gauge(base); break;
      case 'timer': metric = new prom.Histogram({ ...base, buckets: [...(spec.buckets ?? [])] }); break;
      default: { const never: never = spec.kind; throw new Error(`unknown metric kind ${String(never)}`); }
    }
    made.set(name, metric);
    return metric;
  };
  /** The series of these tags: exactly the metric's labels (prom-client refuses unknown ones; a missing one reads as empty). */
  const children = new Map<string, Child>();
  const child = (name: MetricName, tags: Tags = {}): Child => {
    const values = METRICS[name].tags.map((t) => tagValue(tags[t]));
    const key = `${name}\u0000${values.join('\u0000')}`;
    let c = children.get(key);
    if (!c) {
      c = (get(name) as PromClient.Counter<string>).labels(...values) as unknown as Child;
      children.set(key, c);
    }
    return c;
  };
  return {
    registry,
    incr: (name, tags, by = 1) => { child(name, tags).inc(by); },
    gauge: (name, value, tags) => { child(name, tags).set(value); },
    timing: (name, ms, tags) => { child(name, tags).observe(ms / 1000); },
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    close: async () => { children.clear(); registry.clear(); },
  };
}
