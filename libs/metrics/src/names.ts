/**
 * Metric names as each backend spells them. Prometheus: the statsd_exporter's mapping Airflow's Helm chart uses
 * (prefix `airflow_`, dots and dashes to underscores; the dag_id, task_id… are labels). StatsD: Airflow's names
 * under `statsd_prefix`; with DogStatsD the tags travel as tags, otherwise Airflow's classic names carry them
 * (`dagrun.duration.success.<dag_id>`).
 */
import { METRICS, type MetricName, type Tags } from './catalog.ts';

/** What Airflow's stat-name validation allows; anything else becomes `_`. */
const statPart = (s: string): string => s.replace(/[^a-zA-Z0-9_.-]/g, '_');

export function prometheusName(name: MetricName | string, prefix = 'airflow'): string {
  const full = `${prefix}_${name}`.replace(/[.\-\s]/g, '_').replace(/[^a-zA-Z0-9_:]/g, '_');
  return /^[a-zA-Z_:]/.test(full) ? full : `_${full}`;
}

/** A label value for Prometheus and a tag value for DogStatsD: missing becomes empty. */
export const tagValue = (v: string | number | undefined): string => (v === undefined ? '' : String(v));

/** The classic StatsD name: the metric's name with its in-name tag values appended (Airflow before tags). */
export function classicStatsdName(name: MetricName, tags: Tags = {}): string {
  const spec = METRICS[name];
  const parts = spec.tags.slice(0, spec.inName).map((t) => statPart(tagValue(tags[t])));
  return [name, ...parts].join('.');
}

/** DogStatsD tags, `key:value`, in the metric's tag order (values may not hold `,` or `|`). */
export function dogstatsdTags(name: MetricName, tags: Tags = {}): string[] {
  return METRICS[name].tags.map((t) => `${t}:${tagValue(tags[t]).replace(/[,|#]/g, '_')}`);
}

/** Every Prometheus metric name the code exports, with its series suffixes (`_bucket`, `_sum`, `_count` for timers). */
export function exportedPrometheusNames(prefix = 'airflow'): Set<string> {
  const out = new Set<string>();
  for (const [name, spec] of Object.entries(METRICS)) {
    const base = prometheusName(name, prefix);
    out.add(base);
    if (spec.kind === 'timer') for (const s of ['_bucket', '_sum', '_count']) out.add(base + s);
  }
  return out;
}
