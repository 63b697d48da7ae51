/**
 * Gathers the calls made in the same moment into one call of `run` (one statement, one query, one publish): under
 * load (a wave of tasks claimed or ending together, a worker asking for many DAGs, a burst of events) that is one
 * round trip instead of one per call; a lone call waits only for `defer` (a microtask, or the end of the current
 * event-loop turn). `run` returns how to answer each item. The one home of "batch the calls of one turn": the
 * worker's claims and finishes, the DAG cache's look-ups and the Redis event bus's publishes use it.
 */
export class MomentBatcher<I, O> {
  private queue: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private flushScheduled = false;
  private readonly run: (items: I[]) => Promise<(item: I) => O>;
  private readonly defer: (fn: () => void) => void;

  constructor(run: (items: I[]) => Promise<(item: I) => O>, defer: (fn: () => void) => void) {
    this.run = run;
    this.defer = defer;
  }

  add(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.defer(() => void this.flush());
      }
    });
  }

  /** Runs what waits now, without waiting for `defer` (on close, say); a later deferred flush finds nothing. */
  async flush(): Promise<void> {
    this.flushScheduled = false;
    if (this.queue.length === 0) return;
    const batch = this.queue.splice(0);
    try {
      const answer = await this.run(batch.map((b) => b.item));
      for (const b of batch) b.resolve(answer(b.item));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }
}
