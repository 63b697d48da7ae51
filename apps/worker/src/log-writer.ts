/**
 * Streams a try's output into task_log as it comes: lines are batched for a short moment (or until the batch is
 * large) so a chatty task costs a few inserts a second, not one per line. A failed insert keeps the lines and
 * tries again with the next flush, so a short database outage loses nothing.
 */
import type { Kysely } from 'kysely';
import type { Database } from '@windsock/metastore';
import type { LogSink } from '@windsock/executors';

export interface LogWriterOptions {
  flushMs: number;
  /**
   * The wait before storing lines written with `lazy` (the worker's own lines about starting a try), when nothing
   * else asks for a flush sooner: a task that ends within it stores them with its end, in one statement.
   */
  lazyFlushMs: number;
  maxBatchBytes: number;
  onFlush?: () => void;
  onError?: (err: unknown) => void;
  /** Applied to every line before it is buffered: the try's secrets masker, so no stored line holds a secret. */
  redact?: (line: string) => string;
}

export class TryLogWriter implements LogSink {
  private buffer: string[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerDue = 0;
  private flushing: Promise<void> = Promise.resolve();
  private readonly db: Kysely<Database>;
  private readonly tiId: string;
  private readonly tryNumber: number;
  private readonly opts: LogWriterOptions;

  constructor(db: Kysely<Database>, tiId: string, tryNumber: number, opts: Partial<LogWriterOptions> = {}) {
    this.db = db;
    this.tiId = tiId;
    this.tryNumber = tryNumber;
    this.opts = { flushMs: 100, lazyFlushMs: 1000, maxBatchBytes: 256 * 1024, ...opts };
  }

  /** Lines not yet stored. */
  get pending(): number { return this.buffer.length; }

  write(raw: string, opts: { lazy?: boolean } = {}): void {
    const line = this.opts.redact ? this.opts.redact(raw) : raw;
    this.buffer.push(line);
    this.bytes += line.length + 1;
    if (this.bytes >= this.opts.maxBatchBytes) void this.flush();
    else this.flushWithin(opts.lazy ? this.opts.lazyFlushMs : this.opts.flushMs);
  }

  /** Makes sure a flush comes within `ms` (an earlier one already planned stands). */
  private flushWithin(ms: number): void {
    const due = Date.now() + ms;
    if (this.timer && this.timerDue <= due) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => void this.flush(), ms);
  }

  /**
   * Waits for flushes in flight, then hands over what is still buffered as one chunk (or null) and forgets it:
   * the worker stores the end of a log in the same statement that records how the try ended.
   */
  async takeRest(): Promise<string | null> {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    await this.flushing;
    if (this.buffer.length === 0) return null;
    const chunk = this.buffer.join('\n') + '\n';
    this.buffer = [];
    this.bytes = 0;
    return chunk;
  }

  /** Writes what is buffered; resolves when every line written so far is stored (or has failed to be). */
  flush(): Promise<void> {
    if (this.timer) { clearTimeout(this.timer); this.timer = null; }
    this.flushing = this.flushing.then(() => this.flushOnce());
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    if (this.buffer.length === 0) return;
    const lines = this.buffer;
    this.buffer = [];
    this.bytes = 0;
    const chunk = lines.join('\n') + '\n';
    try {
      await this.db.insertInto('task_log').values({ task_instance_id: this.tiId, try_number: this.tryNumber, chunk }).execute();
      this.opts.onFlush?.();
    } catch (err) {
      this.buffer = lines.concat(this.buffer);
      this.bytes += chunk.length;
      this.opts.onError?.(err);
      if (!this.timer) this.flushWithin(Math.max(this.opts.flushMs, 1000));
    }
  }
}
