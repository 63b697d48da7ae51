/** Opening a process's metrics from the `[metrics]` settings, loading only the backends they turn on. */
import { ConfigError, type Logger, type WindsockConfig } from '@windsock/config';
import { combine, withDefaultTags, type Metrics } from './metrics.ts';
import type { Tags } from './catalog.ts';
import type { StatsdSettings } from './statsd.ts';

export interface MetricsSettings {
  prometheus: boolean;
  statsd: Omit<StatsdSettings, 'onError'> | null;
}

/** [metrics] as the backends need it (validated once here). */
export function compileMetricsSettings(config: WindsockConfig): MetricsSettings {
  const c = config.metrics;
  for (const t of c.statsd_datadog_tags) {
    if (!/^[^:,|#\s]+:[^,|#]*$/.test(t)) throw new ConfigError(`WINDSOCK__METRICS__STATSD_DATADOG_TAGS: "${t}" is not a key:value tag`);
  }
  if (c.statsd_port < 1 || c.statsd_port > 65535) throw new ConfigError(`WINDSOCK__METRICS__STATSD_PORT: ${c.statsd_port} is not a port`);
  return {
    prometheus: c.prometheus_on,
    statsd: c.statsd_on ? { host: c.statsd_host, port: c.statsd_port, prefix: c.statsd_prefix, datadog: c.statsd_datadog_enabled, globalTags: c.statsd_datadog_tags } : null,
  };
}

/**
 * The process's metrics. `defaultTags` go with every metric that declares them (`sandbox` on a sandbox
 * scheduler). With every backend off this is NO_METRICS and nothing is imported.
 */
export async function openMetrics(settings: MetricsSettings, opts: { logger?: Logger; defaultTags?: Tags } = {}): Promise<Metrics> {
  const parts: Metrics[] = [];
  if (settings.prometheus) {
    const [prom, { prometheusMetrics }] = await Promise.all([import('prom-client'), import('./prometheus.ts')]);
    parts.push(prometheusMetrics(prom));
  }
  if (settings.statsd) {
    const [hotShots, { statsdMetrics }] = await Promise.all([import('hot-shots'), import('./statsd.ts')]);
    const target = `${settings.statsd.host}:${settings.statsd.port}`;
    parts.push(statsdMetrics(hotShots.default.StatsD, {
      ...settings.statsd,
      onError: (err) => opts.logger?.warn({ err: err.message, statsd: target }, `cannot send metrics to StatsD at ${target}; dropping them (logged once)`),
    }));
  }
  return withDefaultTags(combine(parts), opts.defaultTags ?? {});
}
