/**
 * Resuming a followed log without losing or repeating lines. Lines are read with kubelet timestamps; a resumed
 * stream asks from the last timestamp seen (truncated to the second, as the API server's sinceTime is) and
 * skips what was already written: every line before that timestamp, and as many lines at it as were seen.
 */

/** A timestamp as a fixed-width sortable key (RFC3339 with the fraction padded to nine digits). */
export function tsKey(ts: string): string {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z$/.exec(ts);
  if (!m) return ts;
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z`;
}

/** The sinceTime to resume from: the last timestamp seen, down to the second. */
export function sinceTimeFor(key: string): string {
  return `${key.slice(0, 19)}Z`;
}

export class LogDeduper {
  private lastKey: string | null = null;
  private atLast = 0;
  private replayed = 0;
  private readonly seen: (text: string) => boolean;

  /** `seen`: whether a line is already stored elsewhere (an adopted try's log); such lines are dropped. */
  constructor(seen: (text: string) => boolean = () => false) { this.seen = seen; }

  get since(): string | undefined { return this.lastKey === null ? undefined : sinceTimeFor(this.lastKey); }

  /** A new stream starts (from `since`). */
  restart(): void { this.replayed = 0; }

  /** One raw line `<timestamp> <text>`: the text to write, or null when it was written before. */
  accept(raw: string): string | null {
    const sp = raw.indexOf(' ');
    const ts = sp > 0 ? raw.slice(0, sp) : raw;
    const text = sp > 0 ? raw.slice(sp + 1) : '';
    const key = tsKey(ts);
    if (this.lastKey !== null && key < this.lastKey) return null;
    if (this.lastKey !== null && key === this.lastKey) {
      this.replayed++;
      if (this.replayed <= this.atLast) return null;
      this.atLast++;
    } else {
      this.lastKey = key;
      this.atLast = 1;
      this.replayed = 1;
    }
    return this.seen(text) ? null : text;
  }
}
