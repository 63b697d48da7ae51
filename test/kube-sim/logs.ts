/**
 * Container logs as the kubelet keeps them: each line stamped when written, with nanosecond
 * RFC3339Nano timestamps in the kubelet's fixed nine-digit form (pkg/kubelet/kuberuntime/logs:
 * "2006-01-02T15:04:05.000000000Z07:00"), and a follow stream that ends when the container terminates.
 */

export interface LogLine {
  /** Nanoseconds since the epoch. */
  ns: bigint;
  timestamp: string;
  text: string;
}

const wallStartNs = BigInt(Date.now()) * 1_000_000n;
const hrStart = process.hrtime.bigint();
let lastNs = 0n;

/** A strictly increasing wall clock with nanosecond digits (ms from Date, sub-ms from hrtime). */
export function nowNs(): bigint {
  let ns = wallStartNs + (process.hrtime.bigint() - hrStart);
  if (ns <= lastNs) ns = lastNs + 1n;
  lastNs = ns;
  return ns;
}

export function formatNs(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString();
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** Parses RFC 3339 (any number of fraction digits) into epoch nanoseconds; null when it does not parse. */
export function parseRfc3339Ns(text: string): bigint | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(text);
  if (m === null) return null;
  const base = Date.parse(`${m[1]}${m[4]}`);
  if (Number.isNaN(base)) return null;
  const frac = BigInt((m[3] ?? '').padEnd(9, '0') || '0');
  return BigInt(base) * 1_000_000n + frac;
}

export class ContainerLog {
  readonly lines: LogLine[] = [];
  #ended = false;
  readonly #followers = new Set<{ onLine: (l: LogLine) => void; onEnd: () => void }>();
  readonly #onAppend: () => void;

  /** `onAppend` is told about every line (the simulator's waitFor listens). */
  constructor(onAppend: () => void = () => {}) {
    this.#onAppend = onAppend;
  }

  get ended(): boolean {
    return this.#ended;
  }

  append(text: string): LogLine {
    const ns = nowNs();
    const line = { ns, timestamp: formatNs(ns), text };
    this.lines.push(line);
    for (const f of [...this.#followers]) f.onLine(line);
    this.#onAppend();
    return line;
  }

  /** The container terminated (or its pod is gone): followers' streams end. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const f of [...this.#followers]) f.onEnd();
    this.#followers.clear();
  }

  follow(onLine: (l: LogLine) => void, onEnd: () => void): () => void {
    const f = { onLine, onEnd };
    this.#followers.add(f);
    return () => this.#followers.delete(f);
  }
}

export interface LogQuery {
  sinceNs: bigint | null;
  tailLines: number | null;
}

/** The lines a request gets before following: those at or after sinceTime, then the last tailLines of those. */
export function selectLines(lines: readonly LogLine[], q: LogQuery): LogLine[] {
  let out = q.sinceNs === null ? [...lines] : lines.filter((l) => l.ns >= (q.sinceNs as bigint));
  if (q.tailLines !== null) out = q.tailLines === 0 ? [] : out.slice(-q.tailLines);
  return out;
}

export function renderLine(line: LogLine, timestamps: boolean): string {
  return timestamps ? `${line.timestamp} ${line.text}\n` : `${line.text}\n`;
}
