/** Reading metrics in tests: the Prometheus text format, and StatsD datagrams caught by a UDP listener. */
import { createSocket } from 'node:dgram';

export interface Sample { name: string; labels: Record<string, string>; value: number }

/** Samples of a Prometheus text exposition (comments skipped). */
export function parsePrometheus(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    out.push({ name: m[1]!, labels, value: Number(m[3]) });
  }
  return out;
}

/** The samples of `name` whose labels include `labels`. */
export const pick = (samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
export const total = (samples: Sample[], name: string, labels: Record<string, string> = {}): number =>
  pick(samples, name, labels).reduce((a, s) => a + s.value, 0);

export interface StatsdPacket { name: string; value: number; type: string; tags: Record<string, string> }

/** A UDP listener on 127.0.0.1 collecting StatsD lines (`name:value|type|#k:v,…`; buffered datagrams hold several). */
export async function statsdListener(): Promise<{ port: number; packets: StatsdPacket[]; close(): Promise<void> }> {
  const socket = createSocket('udp4');
  const packets: StatsdPacket[] = [];
  socket.on('message', (msg) => {
    for (const line of msg.toString('utf8').split('\n')) {
      const m = /^([^:]+):([^|]+)\|([a-z]+)(?:\|@[\d.]+)?(?:\|#(.*))?$/.exec(line.trim());
      if (!m) continue;
      const tags: Record<string, string> = {};
      for (const t of (m[4] ?? '').split(',').filter(Boolean)) { const i = t.indexOf(':'); tags[i < 0 ? t : t.slice(0, i)] = i < 0 ? '' : t.slice(i + 1); }
      packets.push({ name: m[1]!, value: Number(m[2]), type: m[3]!, tags });
    }
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', () => r()));
  return { port: socket.address().port, packets, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

export { until } from './wait.ts';
