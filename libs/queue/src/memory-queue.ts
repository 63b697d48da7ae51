/**
 * The in-process queue of standalone mode: per named queue, a priority heap (higher priority first, then
 * first-in first-out), deduplicated by job id while the job waits.
 */
import { jobId, type Consumer, type JobHandler, type TaskJob, type TaskQueue } from './types.ts';

interface Entry { job: TaskJob; id: string; seq: number }

class PriorityList {
  private items: Entry[] = [];
  push(e: Entry): void {
    // Binary insertion keeps the list ordered; queues here are small enough that this beats a heap's constant.
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const m = this.items[mid]!;
      if (m.job.priority > e.job.priority || (m.job.priority === e.job.priority && m.seq < e.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, e);
  }
  shift(): Entry | undefined { return this.items.shift(); }
  peek(): Entry | undefined { return this.items[0]; }
  get size(): number { return this.items.length; }
  ids(): string[] { return this.items.map((e) => e.id); }
}

interface ConsumerState { queues: string[]; handler: JobHandler; concurrency: number; active: number; closed: boolean; idle: Array<() => void> }

export class MemoryTaskQueue implements TaskQueue {
  private readonly lists = new Map<string, PriorityList>();
  private readonly waiting = new Set<string>();
  private readonly consumers: ConsumerState[] = [];
  private seq = 0;

  async enqueue(jobs: TaskJob[]): Promise<void> {
    for (const job of jobs) {
      const id = jobId(job);
      if (this.waiting.has(id)) continue;
      this.waiting.add(id);
      let list = this.lists.get(job.queue);
      if (!list) this.lists.set(job.queue, (list = new PriorityList()));
      list.push({ job, id, seq: this.seq++ });
    }
    for (const c of this.consumers) this.pump(c);
  }

  consume(queues: string[], handler: JobHandler, opts: { concurrency: number }): Consumer {
    const state: ConsumerState = { queues, handler, concurrency: Math.max(1, opts.concurrency), active: 0, closed: false, idle: [] };
    this.consumers.push(state);
    queueMicrotask(() => this.pump(state));
    return {
      close: async () => {
        state.closed = true;
        this.consumers.splice(this.consumers.indexOf(state), 1);
        if (state.active > 0) await new Promise<void>((resolve) => state.idle.push(resolve));
      },
      get active() { return state.active; },
    };
  }

  async waitingJobIds(): Promise<Set<string>> { return new Set(this.waiting); }

  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => { c.closed = true; return c.active ? new Promise<void>((r) => c.idle.push(r)) : undefined; }));
  }

  private take(queues: string[]): Entry | undefined {
    let best: { list: PriorityList; e: Entry } | undefined;
    for (const q of queues) {
      const list = this.lists.get(q);
      const e = list?.peek();
      if (list && e && (!best || e.job.priority > best.e.job.priority || (e.job.priority === best.e.job.priority && e.seq < best.e.seq))) best = { list, e };
    }
    if (!best) return undefined;
    best.list.shift();
    this.waiting.delete(best.e.id);
    return best.e;
  }

  private pump(c: ConsumerState): void {
    while (!c.closed && c.active < c.concurrency) {
      const e = this.take(c.queues);
      if (!e) return;
      c.active++;
      void c.handler(e.job)
        .catch(() => { /* handlers report their own failures; the queue only carries jobs */ })
        .finally(() => {
          c.active--;
          if (c.active === 0) for (const r of c.idle.splice(0)) r();
          this.pump(c);
        });
    }
  }
}
