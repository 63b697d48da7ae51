/**
 * One metrics API for every process (scheduler, worker, webserver, executors): counters, gauges and timers under
 * Airflow's names (catalog.ts), sent to whichever backends the `[metrics]` settings turn on — Prometheus (a
 * registry the process serves on /metrics) and StatsD / DogStatsD. The backends' packages are imported only
 * when a process opens metrics with one on, so a CLI command that uses none never loads them.
 */
import type { CounterName, GaugeName, Tags, TimerName } from './catalog.ts';

export interface Metrics {
  incr(name: CounterName, tags?: Tags, by?: number): void;
  gauge(name: GaugeName, value: number, tags?: Tags): void;
  /** A duration in milliseconds (StatsD timers are ms; Prometheus histograms get seconds). */
  timing(name: TimerName, ms: number, tags?: Tags): void;
  /** The Prometheus text exposition, or null when Prometheus is off. */
  scrape(): Promise<{ contentType: string; body: string } | null>;
  /** Flushes what is buffered (StatsD) and closes sockets. */
  close(): Promise<void>;
}

/** Metrics that go nowhere: the default of every component, and what a process gets with every backend off. */
export const NO_METRICS: Metrics = {
  incr() {}, gauge() {}, timing() {},
  scrape: async () => null,
  close: async () => {},
};

/** Fans each call out to several backends. */
export function combine(parts: Metrics[]): Metrics {
  if (parts.length === 0) return NO_METRICS;
  if (parts.length === 1) return parts[0]!;
  return {
    incr(n, t, by) { for (const p of parts) p.incr(n, t, by); },
    gauge(n, v, t) { for (const p of parts) p.gauge(n, v, t); },
    timing(n, ms, t) { for (const p of parts) p.timing(n, ms, t); },
    async scrape() {
      for (const p of parts) { const s = await p.scrape(); if (s) return s; }
      return null;
    },
    async close() { await Promise.all(parts.map((p) => p.close())); },
  };
}

/**
 * Adds tags every call carries unless it sets them (the sandbox's name on a sandbox scheduler). Only tags the
 * metric declares reach a backend, so a default tag never breaks a metric that has no such label.
 */
export function withDefaultTags(metrics: Metrics, defaults: Tags): Metrics {
  if (Object.keys(defaults).length === 0 || metrics === NO_METRICS) return metrics;
  return {
    incr: (n, t, by) => metrics.incr(n, { ...defaults, ...t }, by),
    gauge: (n, v, t) => metrics.gauge(n, v, { ...defaults, ...t }),
    timing: (n, ms, t) => metrics.timing(n, ms, { ...defaults, ...t }),
    scrape: () => metrics.scrape(),
    close: () => metrics.close(),
  };
}
