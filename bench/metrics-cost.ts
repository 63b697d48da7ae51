/**
 * The metrics' cost on S4 (bench/s4-throughput.ts: independent no-op task instances on one scheduler and one
 * worker process): S4 with every metrics backend off, then with Prometheus on and StatsD on with DogStatsD tags
 * (sent to a UDP listener here, which counts what arrives), alternating for `--rounds` rounds so drift on a
 * shared machine hits both alike. Prints each side's best and median throughput and queued→running p50, and the
 * overhead beside the target (≤ 5%).
 * Usage: node bench/metrics-cost.ts [--tasks 5000] [--per-run 100] [--concurrency 128] [--rounds 2]
 */
import { createSocket } from 'node:dgram';
import { parseArgs } from 'node:util';
import { s4, type S4Result } from './s4-throughput.ts';

export interface MetricsCostResult {
  tasks: number; rounds: number;
  off: Side; on: Side;
  /** Throughput lost with metrics on, in percent of the off throughput (medians; negative: noise in favour of on). */
  overheadPct: number;
  /**
   * Extra CPU the scheduler and worker processes spend per task instance with metrics on, in percent (medians).
   * Throughput on a machine others load swings by tens of percent between identical runs; CPU per task instance
   * does not, so this is the figure held to the target.
   */
  cpuOverheadPct: number;
  statsdPackets: number;
}

interface Side { tisPerS: number[]; p50Ms: number[]; cpuMsPerTi: number[] }

const median = (xs: number[]): number => { const s = [...xs].sort((a, b) => a - b); const m = Math.floor(s.length / 2); return s.length % 2 ? s[m]! : Number(((s[m - 1]! + s[m]!) / 2).toFixed(3)); };

export async function metricsCost(opts: { tasks: number; perRun: number; concurrency: number; rounds: number }): Promise<MetricsCostResult> {
  const socket = createSocket('udp4');
  let statsdPackets = 0;
  socket.on('message', (msg) => { statsdPackets += msg.toString('utf8').split('\n').filter(Boolean).length; });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  const OFF = { WINDSOCK__METRICS__PROMETHEUS_ON: 'false', WINDSOCK__METRICS__STATSD_ON: 'false' };
  const ON = {
    WINDSOCK__METRICS__PROMETHEUS_ON: 'true', WINDSOCK__METRICS__STATSD_ON: 'true', WINDSOCK__METRICS__STATSD_HOST: '127.0.0.1',
    WINDSOCK__METRICS__STATSD_PORT: String(socket.address().port), WINDSOCK__METRICS__STATSD_DATADOG_ENABLED: 'true', WINDSOCK__METRICS__STATSD_DATADOG_TAGS: 'env:bench',
  };
  const off: S4Result[] = [];
  const on: S4Result[] = [];
  try {
    for (let i = 0; i < opts.rounds; i++) {
      // Alternate which side goes first, so a machine warming up or slowing down does not favour one.
      const order = i % 2 === 0 ? [false, true] : [true, false];
      for (const metrics of order) (metrics ? on : off).push(await s4({ tasks: opts.tasks, perRun: opts.perRun, concurrency: opts.concurrency, env: metrics ? ON : OFF }));
    }
  } finally {
    await new Promise<void>((r) => socket.close(() => r()));
  }
  const side = (rs: S4Result[]): Side => ({ tisPerS: rs.map((r) => r.tisPerS), p50Ms: rs.map((r) => r.queuedToRunningP50Ms), cpuMsPerTi: rs.map((r) => r.cpuMsPerTi) });
  const pct = (base: number, other: number) => Number((((other - base) / base) * 100).toFixed(1));
  return {
    tasks: off[0]?.tasks ?? 0, rounds: opts.rounds, off: side(off), on: side(on), statsdPackets,
    overheadPct: -pct(median(off.map((r) => r.tisPerS)), median(on.map((r) => r.tisPerS))),
    cpuOverheadPct: pct(median(off.map((r) => r.cpuMsPerTi)), median(on.map((r) => r.cpuMsPerTi))),
  };
}

export function formatMetricsCost(r: MetricsCostResult): string {
  const fmt = (s: Side) => `${median(s.tisPerS)} TI/s median (runs: ${s.tisPerS.join(', ')}), CPU ${median(s.cpuMsPerTi)} ms/TI (runs: ${s.cpuMsPerTi.join(', ')}), queued->running p50 ${median(s.p50Ms)} ms`;
  return [
    `Metrics cost on S4 (${r.tasks} no-op task instances, 1 scheduler + 1 worker, ${r.rounds} round(s) each side, alternating):`,
    `  metrics off: ${fmt(r.off)}`,
    `  metrics on (Prometheus + DogStatsD): ${fmt(r.on)}; ${r.statsdPackets} StatsD lines received`,
    `  overhead: ${r.cpuOverheadPct}% more CPU per task instance   (target <= 5%)${r.tasks < 1000 ? ' - at this size fixed per-second costs dominate: proof that it runs, not a measurement' : ''}`,
    `  throughput with metrics on: ${r.overheadPct >= 0 ? `${r.overheadPct}% lower` : `${-r.overheadPct}% higher`} (medians; on a shared machine this swings by tens of percent between identical runs)`,
  ].join('\n');
}

if (import.meta.main) {
  const { values } = parseArgs({ options: {
    tasks: { type: 'string', default: '5000' }, 'per-run': { type: 'string', default: '100' }, concurrency: { type: 'string', default: '128' }, rounds: { type: 'string', default: '2' },
  } });
  console.log(formatMetricsCost(await metricsCost({ tasks: Number(values.tasks), perRun: Number(values['per-run']), concurrency: Number(values.concurrency), rounds: Number(values.rounds) })));
}
