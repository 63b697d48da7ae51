/** The Prometheus backend: one registry per process (not prom-client's global one), Node's process metrics included. */
import type * as PromClient from 'prom-client';
import { METRICS, type MetricName, type MetricSpec, type Tags } from './catalog.ts';
import { prometheusName, tagValue } from './names.ts';
import type { Metrics } from './metrics.ts';

type Metric = PromClient.Counter | PromClient.Gauge | PromClient.Histogram;

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
  /** Exactly the metric's labels: prom-client refuses unknown ones, and a missing one reads as empty. */
  const labels = (name: MetricName, tags: Tags = {}): Record<string, string> =>
    Object.fromEntries(METRICS[name].tags.map((t) => [t, tagValue(tags[t])]));
  return {
    registry,
    incr: (name, tags, by = 1) => { (get(name) as PromClient.Counter).inc(labels(name, tags), by); },
    gauge: (name, value, tags) => { (get(name) as PromClient.Gauge).set(labels(name, tags), value); },
    timing: (name, ms, tags) => { (get(name) as PromClient.Histogram).observe(labels(name, tags), ms / 1000); },
    scrape: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    close: async () => { registry.clear(); },
  };
}
