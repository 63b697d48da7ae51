/**
 * Gathers the calls a worker makes in the same moment into one call of `run` (one statement): under load (a wave
 * of tasks claimed or ending together) that is one round trip instead of one per task; a lone call waits only for
 * `defer` (a microtask, or the end of the current event-loop turn). `run` returns how to answer each item.
 */
export class MomentBatcher<I, O> {
  private pending: { item: I; resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  private flushScheduled = false;
  private readonly run: (items: I[]) => Promise<(item: I) => O>;
  private readonly defer: (fn: () => void) => void;

  constructor(run: (items: I[]) => Promise<(item: I) => O>, defer: (fn: () => void) => void) {
    this.run = run;
    this.defer = defer;
  }

  add(item: I): Promise<O> {
    return new Promise((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        this.defer(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    const batch = this.pending.splice(0);
    try {
      const answer = await this.run(batch.map((b) => b.item));
      for (const b of batch) b.resolve(answer(b.item));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  }
}
